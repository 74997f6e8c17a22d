import { LitElement, html, nothing } from 'lit';
import type { PropertyDeclarations, PropertyValues, TemplateResult } from 'lit';
import type { DrinkResponse, DrinkSummary, Photo } from '../../backend/shared/api.js';
import { ApiClient, ApiError } from '../shared/api-client.js';
import { emit } from '../shared/events/index.js';
import type { DrinkIndexedEvent } from '../shared/events/index.js';
import { defaultStrings, format, stringsConverter, formatDate, localeOf } from '../shared/strings.js';
import type { DrinkStrings } from '../shared/strings.js';
import { SuggestionsController } from '../shared/suggestions.js';
import { styles } from './drink-viewer.styles.js';

type View = 'prompt' | 'loading' | 'drink' | 'list' | 'empty' | 'not-found' | 'error';

/** Compares names the way the API looks them up: trimmed and case-folded. */
function sameName(a: string, b: string): boolean {
  return a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();
}

/** Builds a `srcset` value from the renditions of one format. */
function srcset(photo: Photo, format: 'jpeg' | 'webp'): string {
  return (photo.renditions ?? [])
    .filter((rendition) => rendition.format === format)
    .map((rendition) => `${rendition.url} ${rendition.width}w`)
    .join(', ');
}

/** URL of the smallest JPEG rendition, or the display URL when there are no renditions. */
function thumbnailUrl(photo: Photo): string {
  const jpegs = (photo.renditions ?? []).filter((rendition) => rendition.format === 'jpeg');
  jpegs.sort((a, b) => a.width - b.width);
  return jpegs[0]?.url ?? photo.url;
}

/**
 * Shows the newest photo of a drink at a bar, with its caption, metadata and earlier photos, or the
 * list of a bar's drinks when only the bar is known. Without presets, the visitor types the names.
 *
 * The viewer reloads itself when a `<drink-uploader>` on the same page fires `drink-indexed` for
 * the bar and drink it shows.
 *
 * @event drink-show - A drink's photo is shown. `detail`: `{ barName, drinkName, photo }`.
 * @event drink-error - Loading failed for a reason other than an unknown drink. `detail`: `{ message }`.
 *
 * @csspart base - The outer box.
 * @csspart form - The form with the bar and drink inputs.
 * @csspart label - Each input's label.
 * @csspart input - Each text input.
 * @csspart button - Each button.
 * @csspart message - The loading, empty, not-found or error message.
 * @csspart heading - The title above the list or photo.
 * @csspart list - The list of a bar's drinks.
 * @csspart item - Each drink in the list.
 * @csspart figure - The figure around the photo and its caption.
 * @csspart image - The photo.
 * @csspart caption - The caption under the photo.
 * @csspart metadata - The dates and camera under the caption.
 * @csspart thumbnails - The list of earlier photos.
 * @csspart thumbnail - Each small image, in the drink list and the earlier photos.
 *
 * @cssprop --drink-color-background - Background of the box.
 * @cssprop --drink-color-surface - Background of list items and empty thumbnails.
 * @cssprop --drink-color-text - Text color.
 * @cssprop --drink-color-muted - Color of secondary text.
 * @cssprop --drink-color-border - Color of borders.
 * @cssprop --drink-color-accent - Color of buttons and the selected thumbnail.
 * @cssprop --drink-color-on-accent - Text color on the accent color.
 * @cssprop --drink-color-danger - Color of error messages.
 * @cssprop --drink-radius - Corner radius.
 * @cssprop --drink-spacing - Space between pieces.
 * @cssprop --drink-font - Font shorthand.
 * @cssprop --drink-focus-ring - Box shadow of focused controls.
 * @cssprop --drink-max-width - Largest width of the element.
 */
export class DrinkViewer extends LitElement {
  static override styles = styles;
  static override properties: PropertyDeclarations = {
    api: {},
    barName: { attribute: 'bar-name' },
    drinkName: { attribute: 'drink-name' },
    sizes: {},
    strings: { converter: stringsConverter },
    view: { state: true },
    bar: { state: true },
    drink: { state: true },
    barInput: { state: true },
    drinkInput: { state: true },
    result: { state: true },
    drinks: { state: true },
    selected: { state: true },
    message: { state: true },
    announcement: { state: true },
  };

  /** Base URL of the drink-widgets API, for example `/api`. */
  api = '';

  /** Bar to show. With only the bar set, the viewer lists its drinks. */
  barName = '';

  /** Drink to show; it needs `bar-name` too. */
  drinkName = '';

  /** The `sizes` attribute of the photo, telling the browser how wide it is shown. */
  sizes = '(min-width: 42rem) 40rem, 100vw';

  /** Replacements for any of the English strings; the object is merged over the defaults. */
  strings: Partial<DrinkStrings> = {};

  private view: View = 'prompt';
  private bar = '';
  private drink = '';
  private barInput = '';
  private drinkInput = '';
  private result?: DrinkResponse;
  private drinks: readonly DrinkSummary[] = [];
  private selected = 0;
  private message = '';
  private announcement = '';

  private readonly suggestions = new SuggestionsController(this, () => this.client);
  private client?: ApiClient;
  private controller?: AbortController;

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('drink-indexed', this.handleIndexed);
    if (!this.api) console.warn('<drink-viewer> has no api attribute, so it cannot load photos. Set it to the API base URL, such as "/api".');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('drink-indexed', this.handleIndexed);
    this.controller?.abort();
  }

  /** Loads the shown bar or drink again. */
  refresh(): Promise<void> {
    return this.load();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api')) this.client = this.api ? new ApiClient(this.api) : undefined;
    if (changed.has('api') || changed.has('barName') || changed.has('drinkName')) {
      this.bar = this.barName;
      this.drink = this.barName ? this.drinkName : '';
      void this.load();
    }
  }

  private get text(): DrinkStrings {
    return { ...defaultStrings, ...this.strings };
  }

  private get locale(): string | undefined {
    return localeOf(this);
  }

  private handleIndexed = (event: DrinkIndexedEvent): void => {
    const { barName, drinkName } = event.detail;
    if (!this.bar || !sameName(barName, this.bar)) return;
    const showsIt = this.drink ? sameName(drinkName, this.drink) : this.view === 'list' || this.view === 'empty';
    if (showsIt) void this.load(true);
  };

  /**
   * Loads the drink, or the bar's list when no drink is set. A `quiet` load keeps the old content
   * on screen until the new content arrives.
   */
  private async load(quiet = false): Promise<void> {
    this.controller?.abort();
    const client = this.client;
    const bar = this.bar.trim();
    const drink = this.drink.trim();
    if (!client || !bar) {
      this.view = 'prompt';
      return;
    }

    const controller = new AbortController();
    this.controller = controller;
    const text = this.text;
    if (!quiet) {
      this.view = 'loading';
      this.announcement = text.loading;
    }
    try {
      if (drink) {
        const result = await client.getDrink(bar, drink, controller.signal);
        this.result = result;
        this.selected = 0;
        this.view = 'drink';
        this.announcement = format(text.target, { bar: result.barName, drink: result.drinkName });
        emit(this, 'drink-show', { barName: result.barName, drinkName: result.drinkName, photo: result.photo });
      } else {
        const { drinks } = await client.listDrinks(bar, '', controller.signal);
        this.drinks = drinks;
        this.view = drinks.length ? 'list' : 'empty';
        this.announcement = drinks.length ? format(text.drinksAt, { bar }) : format(text.empty, { bar });
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof ApiError && error.status === 404) {
        this.view = drink ? 'not-found' : 'empty';
        this.announcement = format(drink ? text.notFound : text.empty, { bar, drink });
        return;
      }
      let message = text.errorNetwork;
      if (error instanceof ApiError && error.status) message = format(text.errorHttp, { status: error.status });
      if (error instanceof ApiError && error.message) message = error.message;
      this.view = 'error';
      this.message = message;
      this.announcement = this.message;
      emit(this, 'drink-error', { message: this.message });
    }
  }

  /** Shows `drink` and moves focus to its heading, or back to the list when `drink` is empty. */
  private async open(drink: string): Promise<void> {
    const previous = this.drink;
    this.drink = drink;
    await this.load();
    await this.updateComplete;
    const target = drink ? '#heading' : `[data-drink="${CSS.escape(previous)}"]`;
    this.renderRoot.querySelector<HTMLElement>(target)?.focus();
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    this.bar = this.barName || this.barInput.trim();
    this.drink = this.drinkInput.trim();
    void this.load();
  }

  private handleNameInput(event: Event): void {
    const input = event.target as HTMLInputElement;
    if (input.id === 'bar') {
      this.barInput = input.value;
      this.suggestions.request(input.value);
    } else {
      this.drinkInput = input.value;
      this.suggestions.request(input.value, this.barName || this.barInput);
    }
  }

  private renderForm(): TemplateResult | typeof nothing {
    if (this.barName && this.drinkName) return nothing;
    const text = this.text;
    const field = (id: 'bar' | 'drink', label: string, placeholder: string, value: string, options: readonly string[]): TemplateResult =>
      html`<label part="label" for=${id}>${label}
        <input part="input" id=${id} .value=${value} placeholder=${placeholder} list="${id}-list" autocomplete="off"
          @input=${this.handleNameInput}
          @focus=${() => this.suggestions.request(value, id === 'bar' ? undefined : this.barName || this.barInput)}>
        <datalist id="${id}-list">${options.map((option) => html`<option value=${option}></option>`)}</datalist>
      </label>`;
    return html`<form part="form" class="fields" @submit=${this.handleSubmit}>
      ${this.barName ? nothing : field('bar', text.barLabel, text.barPlaceholder, this.barInput, this.suggestions.bars)}
      ${field('drink', text.drinkLabel, text.drinkPlaceholder, this.drinkInput, this.suggestions.drinks)}
      <button part="button" type="submit">${text.show}</button>
    </form>`;
  }

  private renderList(): TemplateResult {
    const text = this.text;
    return html`<p part="heading" class="heading" id="list-heading">${format(text.drinksAt, { bar: this.bar })}</p>
      <ul part="list" class="list" aria-labelledby="list-heading">
        ${this.drinks.map((drink) => html`<li>
          <button part="item" class="item" type="button" data-drink=${drink.drinkName} @click=${() => void this.open(drink.drinkName)}>
            ${drink.thumbnailUrl
              ? html`<img part="thumbnail" src=${drink.thumbnailUrl} alt="" loading="lazy" width="64" height="64">`
              : html`<span part="thumbnail" class="no-thumbnail"></span>`}
            <span class="item-text"><span class="item-name">${drink.drinkName}</span>
              <span class="muted">${format(text.updatedOn, { date: formatDate(drink.updatedAt, this.locale) })}</span></span>
          </button>
        </li>`)}
      </ul>`;
  }

  private renderDrink(result: DrinkResponse): TemplateResult {
    const text = this.text;
    const locale = this.locale;
    // NOTE: only the first page of earlier photos is shown; `nextToken` is not followed yet.
    const photos = [result.photo, ...(result.earlierPhotos ?? [])];
    const photo = photos[this.selected] ?? result.photo;
    const names = { bar: result.barName, drink: result.drinkName };

    // Many cameras repeat the make in the model, such as "Canon" and "Canon PowerShot A85".
    const { cameraMake: make = '', cameraModel: model = '' } = photo;
    const camera = make && model.startsWith(make) ? model : `${make} ${model}`.trim();
    const webp = srcset(photo, 'webp');
    const jpeg = srcset(photo, 'jpeg');

    return html`
      ${!this.drinkName
        ? html`<button part="button" class="secondary back" type="button" @click=${() => void this.open('')}>
          <span aria-hidden="true">←</span> ${format(text.backToList, names)}</button>`
        : nothing}
      <figure part="figure" class="figure">
        <picture>
          ${webp ? html`<source type="image/webp" srcset=${webp} sizes=${this.sizes}>` : nothing}
          <img part="image" class="image" src=${photo.url} srcset=${jpeg || nothing} sizes=${jpeg ? this.sizes : nothing}
            width=${photo.width} height=${photo.height} loading="lazy" alt=${format(text.photoAlt, names)}>
        </picture>
        <figcaption part="caption" class="caption">
          <span part="heading" class="heading" id="heading" tabindex="-1">${format(text.target, names)}</span>
          <span part="metadata" class="muted metadata">
            <span>${format(text.uploadedOn, { date: formatDate(photo.uploadedAt, locale) })}</span>
            ${photo.capturedAt ? html`<span>${format(text.capturedOn, { date: formatDate(photo.capturedAt, locale) })}</span>` : nothing}
            ${camera ? html`<span>${format(text.camera, { camera })}</span>` : nothing}
          </span>
        </figcaption>
      </figure>
      ${photos.length > 1
        ? html`<p class="heading small" id="earlier-heading">${text.earlierPhotos}</p>
          <ul part="thumbnails" class="thumbnails" aria-labelledby="earlier-heading">
            ${photos.map((item, index) => html`<li>
              <button type="button" class="thumb-button" aria-pressed=${index === this.selected ? 'true' : 'false'}
                aria-label=${format(text.earlierPhotoLabel, { date: formatDate(item.uploadedAt, locale) })}
                @click=${() => (this.selected = index)}>
                <img part="thumbnail" src=${thumbnailUrl(item)} alt="" loading="lazy" width="72" height="72">
              </button>
            </li>`)}
          </ul>`
        : nothing}`;
  }

  protected override render(): TemplateResult {
    const text = this.text;
    const names = { bar: this.bar, drink: this.drink };
    const messages: Partial<Record<View, string>> = {
      prompt: text.viewerPrompt,
      loading: text.loading,
      empty: format(text.empty, names),
      'not-found': format(text.notFound, names),
      error: this.message,
    };
    const message = messages[this.view];

    return html`<div part="base" class="view-${this.view}" aria-busy=${this.view === 'loading' ? 'true' : 'false'}>
      ${this.renderForm()}
      ${message ? html`<p part="message" class="message ${this.view === 'error' ? 'error' : 'muted'}">${message}</p>` : nothing}
      ${this.view === 'error' ? html`<div class="actions"><button part="button" type="button" @click=${() => void this.load()}>${text.retry}</button></div>` : nothing}
      ${this.view === 'list' ? this.renderList() : nothing}
      ${this.view === 'drink' && this.result ? this.renderDrink(this.result) : nothing}
    </div>
    <div class="sr-only" role="status">${this.announcement}</div>`;
  }
}
