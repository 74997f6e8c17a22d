import { LitElement, html, nothing } from 'lit';
import type { PropertyDeclarations, PropertyValues, TemplateResult } from 'lit';
import { ApiClient, ApiError, sendPresignedPost, waitForUpload } from '../shared/api-client.js';
import { emit } from '../shared/events/index.js';
import { ACCEPTED_TYPES, isAcceptedType, mimeTypeOf, prepareImage } from '../shared/image.js';
import type { PreparedImage } from '../shared/image.js';
import { defaultStrings, format, stringsConverter, formatBytes, localeOf } from '../shared/strings.js';
import type { DrinkStrings } from '../shared/strings.js';
import { SuggestionsController } from '../shared/suggestions.js';
import { styles } from './drink-uploader.styles.js';

/** Step of the upload flow. The `error` step keeps the file, so the visitor can retry. */
type Phase = 'idle' | 'preparing' | 'ready' | 'uploading' | 'processing' | 'indexed' | 'rejected' | 'error';

const BUSY: readonly Phase[] = ['preparing', 'uploading', 'processing'];

/**
 * Collects a photo of a drink at a bar, checks and downscales it in the browser, sends it to storage
 * through a presigned POST, and waits until the pipeline has indexed or rejected it.
 *
 * The element is form-associated: inside a `<form>`, its value under `name` is the upload id once
 * the photo is indexed, and `required` makes the form invalid until then.
 *
 * @event drink-upload-start - The presigned POST is requested. `detail`: `{ barName, drinkName, contentType, size }`.
 * @event drink-upload-progress - Bytes sent to storage. `detail`: `{ loaded, total }`.
 * @event drink-uploaded - Storage accepted the file; processing begins. `detail`: `{ uploadId, barName, drinkName }`.
 * @event drink-indexed - The photo is processed and visible. `detail`: `{ uploadId, barName, drinkName, photo }`.
 * @event drink-rejected - The pipeline refused the photo. `detail`: `{ uploadId, reason }`.
 * @event drink-error - A check, request or upload failed. `detail`: `{ message }`.
 *
 * @csspart base - The outer box.
 * @csspart fields - The box around the bar and drink inputs.
 * @csspart label - Each input's label.
 * @csspart input - Each text input.
 * @csspart target - The line naming the preset bar and drink.
 * @csspart dropzone - The area that accepts a dropped file.
 * @csspart preview - The preview image of the chosen photo.
 * @csspart progress - The progress bar.
 * @csspart message - The status or error message.
 * @csspart actions - The row of buttons.
 * @csspart button - Each button.
 *
 * @cssprop --drink-color-background - Background of the box.
 * @cssprop --drink-color-surface - Background of the drop zone.
 * @cssprop --drink-color-text - Text color.
 * @cssprop --drink-color-muted - Color of secondary text.
 * @cssprop --drink-color-border - Color of borders.
 * @cssprop --drink-color-accent - Color of buttons, links and the progress bar.
 * @cssprop --drink-color-on-accent - Text color on the accent color.
 * @cssprop --drink-color-danger - Color of error messages.
 * @cssprop --drink-color-success - Color of the success message.
 * @cssprop --drink-radius - Corner radius.
 * @cssprop --drink-spacing - Space between pieces.
 * @cssprop --drink-font - Font shorthand.
 * @cssprop --drink-focus-ring - Box shadow of focused controls.
 * @cssprop --drink-max-width - Largest width of the element.
 */
export class DrinkUploader extends LitElement {
  static override styles = styles;
  static override properties: PropertyDeclarations = {
    api: {},
    barName: { attribute: 'bar-name' },
    drinkName: { attribute: 'drink-name' },
    maxBytes: { attribute: 'max-bytes', type: Number },
    maxEdge: { attribute: 'max-edge', type: Number },
    quality: { type: Number },
    noResize: { attribute: 'no-resize', type: Boolean, reflect: true },
    disabled: { type: Boolean, reflect: true },
    required: { type: Boolean, reflect: true },
    name: { reflect: true },
    processingTimeout: { attribute: 'processing-timeout', type: Number },
    strings: { converter: stringsConverter },
    phase: { state: true },
    barInput: { state: true },
    drinkInput: { state: true },
    invalidField: { state: true },
    message: { state: true },
    announcement: { state: true },
    previewUrl: { state: true },
    previewFailed: { state: true },
    dragging: { state: true },
    loaded: { state: true },
    total: { state: true },
    uploadId: { state: true },
    formDisabled: { state: true },
    touch: { state: true },
  };
  static formAssociated = true;

  /** Base URL of the drink-widgets API, for example `/api`. */
  api = '';

  /** Bar the photo belongs to. When set, the bar input is hidden. */
  barName = '';

  /** Drink the photo shows. When set, the drink input is hidden. */
  drinkName = '';

  /** Largest file accepted, in bytes, checked after downscaling. The API enforces its own limit. */
  maxBytes = 20 * 1024 * 1024;

  /** Maximum length in pixels of a photo's longest edge; larger photos are downscaled before upload. */
  maxEdge = 2048;

  /** JPEG or WebP quality between 0 and 1 of downscaled photos. */
  quality = 0.85;

  /** Sends files as they are, without downscaling. */
  noResize = false;

  /** Disables every control. */
  disabled = false;

  /** Makes an enclosing form invalid until a photo is indexed. */
  required = false;

  /** Name of the form field whose value is the upload id. */
  name = '';

  /** Time in milliseconds to wait for the pipeline to process a photo before giving up. */
  processingTimeout = 120_000;

  /** Replacements for any of the English strings; the object is merged over the defaults. */
  strings: Partial<DrinkStrings> = {};

  private phase: Phase = 'idle';
  private barInput = '';
  private drinkInput = '';
  private invalidField?: 'bar' | 'drink';
  private message = '';
  private announcement = '';
  private previewUrl?: string;
  private previewFailed = false;
  private dragging = false;
  private loaded = 0;
  private total = 0;
  private uploadId?: string;
  private formDisabled = false;
  private touch = false;

  private readonly internals: ElementInternals;
  private readonly suggestions = new SuggestionsController(this, () => this.client);
  private client?: ApiClient;
  private file?: File;
  private prepared?: PreparedImage;
  /** The upload that storage accepted but the pipeline has not yet judged. */
  private stored?: { uploadId: string; barName: string; drinkName: string };
  private controller?: AbortController;
  private fileToken = 0;
  private announcedQuarter = -1;

  constructor() {
    super();
    this.internals = this.attachInternals();
    this.addEventListener('paste', this.handlePaste);
  }

  /** The upload id once the photo is indexed, else an empty string. */
  get value(): string {
    return this.uploadId ?? '';
  }

  /** The form the element belongs to, if any. */
  get form(): HTMLFormElement | null {
    return this.internals.form;
  }

  /** Validity of the element in its form; `valueMissing` while `required` and no photo is indexed. */
  get validity(): ValidityState {
    return this.internals.validity;
  }

  /** Message the browser shows when the form is submitted while the element is invalid. */
  get validationMessage(): string {
    return this.internals.validationMessage;
  }

  /** Returns whether the element is valid, firing `invalid` on it when it is not. */
  checkValidity(): boolean {
    return this.internals.checkValidity();
  }

  /** Returns whether the element is valid, and shows the validation message when it is not. */
  reportValidity(): boolean {
    return this.internals.reportValidity();
  }

  /** Clears the chosen photo and any message, and aborts an upload in progress. */
  reset(): void {
    this.controller?.abort();
    this.fileToken++;
    this.setPreview(undefined);
    this.file = undefined;
    this.prepared = undefined;
    this.stored = undefined;
    this.uploadId = undefined;
    this.phase = 'idle';
    this.message = '';
    this.invalidField = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.touch = matchMedia('(pointer: coarse)').matches;
    if (!this.api) console.warn('<drink-uploader> has no api attribute, so it cannot upload. Set it to the API base URL, such as "/api".');
  }

  /** Aborts work in progress, because events from a detached element would reach no page. */
  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (BUSY.includes(this.phase)) this.reset();
  }

  formResetCallback(): void {
    this.reset();
  }

  formDisabledCallback(disabled: boolean): void {
    // The browser also calls this when Lit reflects `disabled`, which happens after render() inside
    // the same update, so a change made here would be lost. A microtask starts a new update instead.
    queueMicrotask(() => (this.formDisabled = disabled));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api')) this.client = this.api ? new ApiClient(this.api) : undefined;
  }

  protected override updated(): void {
    this.internals.setFormValue(this.uploadId ?? null);
    if (this.required && !this.uploadId) {
      this.internals.setValidity({ valueMissing: true }, this.text.errorFileMissing, this.find('#choose') ?? undefined);
    } else {
      this.internals.setValidity({});
    }
  }

  private get text(): DrinkStrings {
    return { ...defaultStrings, ...this.strings };
  }

  private get isDisabled(): boolean {
    return this.disabled || this.formDisabled;
  }

  private get bar(): string {
    return (this.barName || this.barInput).trim();
  }

  private get drink(): string {
    return (this.drinkName || this.drinkInput).trim();
  }

  private get locale(): string | undefined {
    return localeOf(this);
  }

  private find(selector: string): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>(selector);
  }

  private setPreview(blob: Blob | undefined): void {
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.previewUrl = blob ? URL.createObjectURL(blob) : undefined;
    this.previewFailed = false;
  }

  /** Moves focus to `selector` after the next render, unless the visitor has focus elsewhere. */
  private async moveFocus(selector: string): Promise<void> {
    const active = document.activeElement;
    if (active && active !== this && active !== document.body) return;
    await this.updateComplete;
    this.find(selector)?.focus();
  }

  private fail(message: string, phase: Phase = 'error'): void {
    this.phase = phase;
    this.message = message;
    this.announcement = message;
    emit(this, 'drink-error', { message });
  }

  private handlePaste = (event: ClipboardEvent): void => {
    const file = event.clipboardData?.files[0];
    // A paste into the name inputs stays text, even when the clipboard also contains a file.
    if (!file || this.isDisabled || event.composedPath()[0] instanceof HTMLInputElement) return;
    event.preventDefault();
    void this.handleFile(file);
  };

  private handleFileInput(event: Event): void {
    const input = event.target as HTMLInputElement;
    void this.handleFile(input.files?.[0]);
    input.value = '';
  }

  private handleDragOver(event: DragEvent): void {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = this.isDisabled ? 'none' : 'copy';
    this.dragging = !this.isDisabled;
  }

  private handleDrop(event: DragEvent): void {
    event.preventDefault();
    this.dragging = false;
    if (!this.isDisabled) void this.handleFile(event.dataTransfer?.files[0]);
  }

  /** Checks `file`, downscales it, and shows its preview, ready to upload. */
  private async handleFile(file: File | undefined): Promise<void> {
    if (!file || BUSY.includes(this.phase)) return;
    const text = this.text;
    const token = ++this.fileToken;
    const type = mimeTypeOf(file);
    this.reset();
    this.fileToken = token;

    if (!isAcceptedType(type)) {
      this.fail(format(text.errorType, { name: file.name, type: type || '?' }), 'idle');
      return;
    }
    if (file.size === 0) {
      this.fail(format(text.errorEmpty, { name: file.name }), 'idle');
      return;
    }

    this.phase = 'preparing';
    this.announcement = text.preparing;
    const prepared = this.noResize
      ? { blob: file, type }
      : await prepareImage(file, type, { maxEdge: this.maxEdge, quality: this.quality });
    if (token !== this.fileToken) return;

    if (prepared.blob.size > this.maxBytes) {
      const values = { name: file.name, size: formatBytes(prepared.blob.size, this.locale), max: formatBytes(this.maxBytes, this.locale) };
      this.fail(format(text.errorTooLarge, values), 'idle');
      return;
    }

    this.file = file;
    this.prepared = prepared;
    this.setPreview(prepared.blob);
    this.phase = 'ready';
    this.announcement = format(text.ready, { name: file.name, size: formatBytes(prepared.blob.size, this.locale) });
    let next = '#upload';
    if (!this.drink) next = '#drink';
    if (!this.bar) next = '#bar';
    void this.moveFocus(next);
  }

  /**
   * Sends the prepared photo and waits for the pipeline's verdict. After a failure while waiting,
   * such as a timeout, a retry waits for the same upload again instead of sending a duplicate.
   */
  private async handleUpload(): Promise<void> {
    const text = this.text;
    const client = this.client;
    const prepared = this.prepared;
    if (!prepared || !client || BUSY.includes(this.phase)) return;
    const barName = this.bar;
    const drinkName = this.drink;
    if (!barName || !drinkName) {
      this.invalidField = barName ? 'drink' : 'bar';
      this.fail(barName ? text.errorDrinkMissing : text.errorBarMissing, this.phase);
      this.find(`#${this.invalidField}`)?.focus();
      return;
    }

    const controller = new AbortController();
    this.controller = controller;
    const { signal } = controller;
    this.invalidField = undefined;
    this.message = '';

    try {
      if (!this.stored) {
        this.phase = 'uploading';
        this.loaded = 0;
        this.total = prepared.blob.size;
        this.announcedQuarter = -1;
        this.announceProgress();
        void this.moveFocus('#cancel');
        emit(this, 'drink-upload-start', { barName, drinkName, contentType: prepared.type, size: prepared.blob.size });

        const request = { barName, drinkName, contentType: prepared.type, contentLength: prepared.blob.size };
        const upload = await client.createUpload(request, signal);
        await sendPresignedPost(upload, prepared.blob, (loaded, total) => this.handleProgress(loaded, total), signal);
        this.stored = { uploadId: upload.uploadId, barName, drinkName };
        emit(this, 'drink-uploaded', this.stored);
      }

      const stored = this.stored;
      this.phase = 'processing';
      this.announcement = text.processing;
      void this.moveFocus('#status');
      const result = await waitForUpload(client, stored.uploadId, signal, this.processingTimeout);
      this.stored = undefined;
      const names = { barName: result.barName || stored.barName, drinkName: result.drinkName || stored.drinkName };

      if (result.status === 'indexed' && result.photo) {
        this.uploadId = stored.uploadId;
        this.phase = 'indexed';
        this.message = format(text.indexed, { bar: names.barName, drink: names.drinkName });
        this.announcement = this.message;
        void this.moveFocus('#another');
        emit(this, 'drink-indexed', { uploadId: stored.uploadId, ...names, photo: result.photo });
      } else {
        const reason = result.reason ?? '';
        this.phase = 'rejected';
        this.message = format(text.rejected, { reason });
        this.announcement = this.message;
        void this.moveFocus('#another');
        emit(this, 'drink-rejected', { uploadId: stored.uploadId, reason });
      }
    } catch (error) {
      if (signal.aborted) return;
      this.fail(this.describe(error));
      if (error instanceof ApiError && (error.field === 'barName' || error.field === 'drinkName')) {
        this.invalidField = error.field === 'barName' ? 'bar' : 'drink';
      }
      void this.moveFocus('#retry');
    }
  }

  private handleProgress(loaded: number, total: number): void {
    this.loaded = loaded;
    this.total = total;
    this.announceProgress();
    emit(this, 'drink-upload-progress', { loaded, total });
  }

  /** Announces the progress at 0, 25, 50, 75 and 100 %, so screen readers are not flooded. */
  private announceProgress(): void {
    const percent = this.percent;
    const quarter = Math.floor(percent / 25);
    if (quarter === this.announcedQuarter) return;
    this.announcedQuarter = quarter;
    this.announcement = format(this.text.uploading, { percent: quarter * 25 });
  }

  private get percent(): number {
    return this.total ? Math.min(100, Math.round((this.loaded / this.total) * 100)) : 0;
  }

  private handleCancel(): void {
    this.controller?.abort();
    this.phase = 'ready';
    this.message = this.text.canceled;
    this.announcement = this.message;
    void this.moveFocus('#upload');
  }

  private handleAnother(): void {
    this.reset();
    void this.moveFocus('#choose');
  }

  private describe(error: unknown): string {
    const text = this.text;
    if (!(error instanceof ApiError)) return text.errorNetwork;
    if (error.code === 'Timeout') return format(text.errorTimeout, { seconds: Math.round(this.processingTimeout / 1000) });
    if (error.message) return error.message;
    if (error.status === 0) return text.errorNetwork;
    return format(error.code === 'StorageError' ? text.errorStorage : text.errorHttp, { status: error.status });
  }

  private handleNameInput(event: Event): void {
    const input = event.target as HTMLInputElement;
    if (input.id === 'bar') {
      this.barInput = input.value;
      this.suggestions.request(input.value);
    } else {
      this.drinkInput = input.value;
      this.suggestions.request(input.value, this.bar);
    }
    if (this.invalidField === input.id) {
      this.invalidField = undefined;
      this.message = '';
    }
  }

  private renderField(id: 'bar' | 'drink', label: string, placeholder: string, value: string, options: readonly string[]): TemplateResult {
    const invalid = this.invalidField === id;
    return html`<label part="label" for=${id}>${label}
      <input part="input" id=${id} .value=${value} placeholder=${placeholder} list="${id}-list" autocomplete="off"
        aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${invalid ? 'status' : nothing}
        ?disabled=${this.isDisabled || BUSY.includes(this.phase)} @input=${this.handleNameInput}
        @focus=${() => this.suggestions.request(value, id === 'bar' ? undefined : this.bar)}>
      <datalist id="${id}-list">${options.map((option) => html`<option value=${option}></option>`)}</datalist>
    </label>`;
  }

  private renderFields(): TemplateResult | typeof nothing {
    const text = this.text;
    if (this.barName && this.drinkName) {
      return html`<p part="target" class="target">${format(text.target, { bar: this.barName, drink: this.drinkName })}</p>`;
    }
    return html`<div part="fields" class="fields">
      ${this.barName ? nothing : this.renderField('bar', text.barLabel, text.barPlaceholder, this.barInput, this.suggestions.bars)}
      ${this.drinkName ? nothing : this.renderField('drink', text.drinkLabel, text.drinkPlaceholder, this.drinkInput, this.suggestions.drinks)}
    </div>`;
  }

  private renderDropzone(): TemplateResult {
    const text = this.text;
    const disabled = this.isDisabled || this.phase === 'preparing';
    return html`<div part="dropzone" class="dropzone ${this.dragging ? 'dragging' : ''}" role="group" aria-label=${text.dropzoneLabel}>
      <p class="muted">${text.dropHint}</p>
      <div part="actions" class="actions">
        <button part="button" id="choose" type="button" ?disabled=${disabled} @click=${() => this.find('#file')?.click()}>${text.chooseFile}</button>
        ${this.touch
          ? html`<button part="button" class="secondary" type="button" ?disabled=${disabled} @click=${() => this.find('#camera')?.click()}>${text.takePhoto}</button>`
          : nothing}
      </div>
    </div>`;
  }

  private renderPreview(): TemplateResult | typeof nothing {
    if (!this.previewUrl) return nothing;
    if (this.previewFailed) {
      return html`<p part="preview" class="preview muted">${format(this.text.noPreview, { name: this.file?.name ?? '' })}</p>`;
    }
    return html`<img part="preview" class="preview" src=${this.previewUrl} alt=${this.text.previewAlt}
      @error=${() => (this.previewFailed = true)}>`;
  }

  private renderActions(): TemplateResult | typeof nothing {
    const text = this.text;
    const disabled = this.isDisabled;
    const button = (id: string, label: string, handler: () => void, secondary = false): TemplateResult =>
      html`<button part="button" id=${id} class=${secondary ? 'secondary' : ''} type="button" ?disabled=${disabled} @click=${handler}>${label}</button>`;
    const choose = button('change', text.changeFile, () => this.find('#file')?.click(), true);
    switch (this.phase) {
      case 'ready':
        return html`${button('upload', text.upload, () => void this.handleUpload())}${choose}`;
      case 'uploading':
        return button('cancel', text.cancel, () => this.handleCancel(), true);
      case 'error':
        return html`${button('retry', text.retry, () => void this.handleUpload())}${choose}`;
      case 'indexed':
      case 'rejected':
        return button('another', text.addAnother, () => this.handleAnother());
      default:
        return nothing;
    }
  }

  protected override render(): TemplateResult {
    const text = this.text;
    const phase = this.phase;
    const showDropzone = phase === 'idle' || phase === 'preparing';
    const failed = this.invalidField || phase === 'error' || phase === 'rejected' || (phase === 'idle' && this.message);
    let messageClass = failed ? 'error' : 'muted';
    if (phase === 'indexed') messageClass = 'success';
    const progressMessages: Partial<Record<Phase, string>> = {
      preparing: text.preparing,
      uploading: format(text.uploading, { percent: this.percent }),
      processing: text.processing,
    };
    const status = progressMessages[phase] ?? this.message;

    // The whole element takes a dropped file, not only the drop zone, so a visitor can drop a
    // replacement onto the preview. The live region stays outside the aria-busy box, because some
    // screen readers hold back announcements from inside a busy region.
    return html`<div part="base" class="phase-${phase}" aria-busy=${BUSY.includes(phase) ? 'true' : 'false'}
      @dragover=${this.handleDragOver} @dragleave=${() => (this.dragging = false)} @drop=${this.handleDrop}>
      ${this.renderFields()}
      ${showDropzone ? this.renderDropzone() : this.renderPreview()}
      ${phase === 'uploading' || phase === 'processing'
        ? html`<progress part="progress" aria-label=${text.progressLabel} max=${this.total || 1} value=${phase === 'uploading' ? this.loaded : nothing}></progress>`
        : nothing}
      <p part="message" id="status" class="message ${messageClass}" tabindex="-1" ?hidden=${!status}>${status}</p>
      ${showDropzone ? nothing : html`<div part="actions" class="actions">${this.renderActions()}</div>`}
      <input id="file" type="file" hidden accept=${[...ACCEPTED_TYPES, '.heic', '.heif'].join(',')} @change=${this.handleFileInput}>
      <input id="camera" type="file" hidden accept="image/*" capture="environment" @change=${this.handleFileInput}>
    </div>
    <div class="sr-only" role="status">${this.announcement}</div>`;
  }
}
