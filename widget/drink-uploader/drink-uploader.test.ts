/// <reference types="mocha" />
import { fixture, html, waitUntil } from '@open-wc/testing-helpers';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import { expect } from 'chai';
import '../define.js';
import type { DrinkUploader } from './drink-uploader.component.js';
import { ApiClient } from '../shared/api-client.js';
import {
  expectAccessible,
  makeImage,
  nextEvent,
  recordEvents,
  storageUpload,
  transferOf,
  uniqueName,
} from '../testing/helpers.js';

const EVENTS = ['drink-upload-start', 'drink-upload-progress', 'drink-uploaded', 'drink-indexed', 'drink-rejected', 'drink-error'];

function part(element: DrinkUploader, selector: string): HTMLElement | null {
  return element.shadowRoot!.querySelector<HTMLElement>(selector);
}

function statusText(element: DrinkUploader): string {
  return part(element, '[part="message"]')?.textContent?.trim() ?? '';
}

function announcement(element: DrinkUploader): string {
  return part(element, '[role="status"]')?.textContent?.trim() ?? '';
}

async function drop(element: DrinkUploader, file: File): Promise<void> {
  const dropzone = part(element, '[part="dropzone"]')!;
  dropzone.dispatchEvent(new DragEvent('drop', { dataTransfer: transferOf(file), bubbles: true, cancelable: true }));
  await element.updateComplete;
  const base = part(element, '[part="base"]')!;
  await waitUntil(() => !base.classList.contains('phase-preparing'), 'the file was still being prepared', { timeout: 5000 });
}

async function uploader(barName: string, drinkName: string, extra = html``): Promise<DrinkUploader> {
  return fixture<DrinkUploader>(html`<drink-uploader api="/api" bar-name=${barName} drink-name=${drinkName}>${extra}</drink-uploader>`);
}

describe('<drink-uploader>', () => {
  it('renders bar and drink inputs with labels', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api"></drink-uploader>`);

    const inputs = element.shadowRoot!.querySelectorAll<HTMLInputElement>('input[part="input"]');
    expect(inputs.length).to.equal(2);
    expect(inputs[0]!.labels![0]!.textContent).to.contain('Bar');
    expect(inputs[1]!.labels![0]!.textContent).to.contain('Drink');
    expect(part(element, '#choose')?.textContent).to.equal('Choose a photo');
    await expectAccessible(element);
  });

  it('hides inputs when both are preset', async () => {
    const element = await uploader('Harbour Inn', 'Negroni');

    expect(element.shadowRoot!.querySelectorAll('input[part="input"]').length).to.equal(0);
    expect(part(element, '[part="target"]')?.textContent).to.equal('Negroni at Harbour Inn');
  });

  it('shows only the drink input', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" bar-name="Harbour Inn"></drink-uploader>`);

    expect(part(element, '#bar')).to.equal(null);
    expect(part(element, '#drink')).to.not.equal(null);
  });

  it('suggests drinks of the bar', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" bar-name="The Crown"></drink-uploader>`);
    part(element, '#drink')!.focus();

    await sendKeys({ type: 'Ne' });
    await waitUntil(() => element.shadowRoot!.querySelectorAll('#drink-list option').length > 0, 'no suggestions', { timeout: 3000 });

    const options = [...element.shadowRoot!.querySelectorAll<HTMLOptionElement>('#drink-list option')].map((option) => option.value);
    expect(options).to.deep.equal(['Negroni']);
  });

  it('rejects a file type outside the allow-list', async () => {
    const element = await uploader('Harbour Inn', 'Negroni');
    const events = recordEvents(element, EVENTS);

    await drop(element, new File(['%PDF-1.4'], 'menu.pdf', { type: 'application/pdf' }));

    expect(statusText(element)).to.contain('menu.pdf is not a supported image (application/pdf)');
    expect(events.map((event) => event.type)).to.deep.equal(['drink-error']);
    expect(part(element, '[part="dropzone"]')).to.not.equal(null);
    await expectAccessible(element);
  });

  it('rejects a file above max-bytes', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" bar-name="B" drink-name="D" max-bytes="1000" no-resize></drink-uploader>`);
    const file = await makeImage(200, 200);

    await drop(element, file);

    expect(statusText(element)).to.match(/^drink\.png is .+, more than the .+ limit\. Choose a smaller photo\.$/);
    expect(part(element, '[part="preview"]')).to.equal(null);
  });

  it('rejects an empty file', async () => {
    const element = await uploader('B', 'D');

    await drop(element, new File([], 'empty.jpg', { type: 'image/jpeg' }));

    expect(statusText(element)).to.equal('empty.jpg is empty. Choose another photo.');
  });

  it('previews and focuses the upload button', async () => {
    const element = await uploader('Harbour Inn', 'Negroni');
    part(element, '#choose')!.focus();

    await drop(element, await makeImage(300, 200));

    const preview = part(element, '[part="preview"]') as HTMLImageElement;
    expect(preview.tagName).to.equal('IMG');
    expect(preview.src).to.match(/^blob:/);
    expect(preview.alt).to.equal('Preview of the chosen photo');
    expect(element.shadowRoot!.activeElement?.id).to.equal('upload');
    expect(announcement(element)).to.match(/^Photo ready: drink\.png, /);
    await expectAccessible(element);
  });

  it('takes a pasted image', async () => {
    const element = await uploader('Harbour Inn', 'Negroni');
    const file = await makeImage(120, 80);

    part(element, '#choose')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transferOf(file), bubbles: true, composed: true }));
    await waitUntil(() => part(element, '[part="preview"]'), 'no preview after paste');
  });

  it('leaves a paste into a name input alone', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api"></drink-uploader>`);

    part(element, '#bar')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transferOf(await makeImage(20, 20)), bubbles: true, composed: true }));
    await element.updateComplete;

    expect(part(element, '[part="dropzone"]')).to.not.equal(null);
    expect(part(element, '[part="preview"]')).to.equal(null);
  });

  it('sends an undecodable HEIC without a preview', async () => {
    const element = await uploader('Harbour Inn', uniqueName('Highball'));
    const heic = new File([new Uint8Array([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63, 1, 2, 3, 4])], 'IMG_0042.HEIC');
    await drop(element, heic);
    await waitUntil(() => part(element, 'p.preview'), 'no fallback text for the preview');

    expect(part(element, 'p.preview')!.textContent).to.equal('No preview of IMG_0042.HEIC in this browser. It is sent as it is.');
    const started = nextEvent(element, 'drink-upload-start');
    part(element, '#upload')!.click();
    expect((await started).detail.contentType).to.equal('image/heic');
    const uploaded = await nextEvent(element, 'drink-uploaded');
    expect((await storageUpload(uploaded.detail.uploadId)).fileSize).to.equal(heic.size);
  });

  it('asks for the bar before any request', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api"></drink-uploader>`);
    const events = recordEvents(element, EVENTS);
    await drop(element, await makeImage(100, 100));

    part(element, '#upload')!.click();
    await element.updateComplete;

    expect(statusText(element)).to.equal('Enter the name of the bar.');
    expect(part(element, '#bar')!.getAttribute('aria-invalid')).to.equal('true');
    expect(element.shadowRoot!.activeElement?.id).to.equal('bar');
    expect(events.map((event) => event.type)).to.deep.equal(['drink-error']);
    await expectAccessible(element);
  });

  it('uploads and waits until indexed', async () => {
    const drinkName = uniqueName('Martini');
    const element = await uploader('Harbour Inn', drinkName);
    const events = recordEvents(element, EVENTS);
    await drop(element, await makeImage(400, 300));

    part(element, '#upload')!.click();
    await element.updateComplete;
    expect(part(element, '[part="progress"]')).to.not.equal(null);
    const indexed = await nextEvent(element, 'drink-indexed');

    const names = events.map((event) => event.type);
    expect(names[0]).to.equal('drink-upload-start');
    expect(names).to.include('drink-upload-progress');
    expect(names.indexOf('drink-uploaded')).to.be.greaterThan(names.lastIndexOf('drink-upload-progress'));
    expect(names.at(-1)).to.equal('drink-indexed');
    const start = events[0]!.detail;
    expect(start.barName).to.equal('Harbour Inn');
    expect(start.drinkName).to.equal(drinkName);
    const progress = events.find((event) => event.type === 'drink-upload-progress')!.detail;
    expect(progress.loaded).to.be.greaterThan(0);
    expect(progress.total).to.be.at.least(progress.loaded);
    expect(indexed.detail.uploadId).to.match(/^up-/);
    expect(indexed.detail.drinkName).to.equal(drinkName);
    expect(indexed.detail.photo.url).to.match(/^\/fake-img\//);
    expect(indexed.bubbles).to.equal(true);
    expect(indexed.composed).to.equal(true);
    await element.updateComplete;
    expect(statusText(element)).to.equal(`Thank you! Your photo of ${drinkName} at Harbour Inn is live.`);
    expect(announcement(element)).to.equal(statusText(element));
    expect(element.value).to.equal(indexed.detail.uploadId);
    await expectAccessible(element);
  });

  it('gives up after the processing timeout', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" bar-name="Harbour Inn" drink-name="Never" processing-timeout="2000"></drink-uploader>`);
    await drop(element, await makeImage(60, 60));

    part(element, '#upload')!.click();
    await nextEvent(element, 'drink-uploaded');
    await element.updateComplete;
    expect(statusText(element)).to.equal('Checking the photo…');
    expect(part(element, '[part="progress"]')!.hasAttribute('value')).to.equal(false);
    await expectAccessible(element);
    const error = await nextEvent(element, 'drink-error');

    expect(error.detail.message).to.equal('The photo is still being checked after 2 seconds. Look for it again later.');
    const events = recordEvents(element, EVENTS);
    await element.updateComplete;
    part(element, '#retry')!.click();
    await element.updateComplete;
    expect(statusText(element)).to.equal('Checking the photo…');
    expect(events.map((event) => event.type), 'a retry waits for the same upload').to.deep.equal([]);
  });

  it('keeps names with slashes and percent signs', async () => {
    const barName = uniqueName('Rock & Roll / Bar');
    const element = await uploader(barName, '50% Sour?');
    await drop(element, await makeImage(50, 50));

    part(element, '#upload')!.click();
    await nextEvent(element, 'drink-indexed');

    const drink = await new ApiClient('/api').getDrink(barName, '50% Sour?');
    expect(drink.barName).to.equal(barName);
    expect(drink.drinkName).to.equal('50% Sour?');
  });

  it('sends the file last', async () => {
    const element = await uploader('Harbour Inn', uniqueName('Sour'));
    await drop(element, await makeImage(50, 50));

    part(element, '#upload')!.click();
    const uploaded = await nextEvent(element, 'drink-uploaded');

    const received = await storageUpload(uploaded.detail.uploadId);
    expect(received.fieldNames).to.deep.equal(['key', 'Content-Type', 'x-amz-meta-upload-id', 'Policy', 'X-Amz-Signature', 'file']);
    expect(received.fileType).to.equal('image/png');
  });

  it('downscales a large photo before upload', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" bar-name="Harbour Inn" drink-name=${uniqueName('Spritz')} max-edge="600"></drink-uploader>`);
    const file = await makeImage(1600, 1200);
    await drop(element, file);

    const started = nextEvent(element, 'drink-upload-start');
    const finished = nextEvent(element, 'drink-uploaded');
    part(element, '#upload')!.click();
    const start = await started;
    const uploaded = await finished;

    expect(start.detail.contentType).to.equal('image/jpeg');
    expect(start.detail.size).to.be.lessThan(file.size);
    const received = await storageUpload(uploaded.detail.uploadId);
    expect(received.fileType).to.equal('image/jpeg');
    expect(received.width).to.equal(600);
    expect(received.height).to.equal(450);
  });

  it('sends the file as it is with no-resize', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" bar-name="Harbour Inn" drink-name=${uniqueName('Spritz')} max-edge="600" no-resize></drink-uploader>`);
    const file = await makeImage(1600, 1200);
    await drop(element, file);

    part(element, '#upload')!.click();
    const uploaded = await nextEvent(element, 'drink-uploaded');

    const received = await storageUpload(uploaded.detail.uploadId);
    expect(received.fileSize).to.equal(file.size);
    expect(received.width).to.equal(1600);
  });

  it('shows the reason when the photo is rejected', async () => {
    const element = await uploader('Harbour Inn', 'Rejected');
    await drop(element, await makeImage(100, 100));

    part(element, '#upload')!.click();
    const rejected = await nextEvent(element, 'drink-rejected');
    await element.updateComplete;

    expect(rejected.detail.reason).to.equal('The file is not a photo of a drink.');
    expect(statusText(element)).to.equal('The photo was not accepted: The file is not a photo of a drink.');
    expect(element.value).to.equal('');
    expect(part(element, '#another')).to.not.equal(null);
    await expectAccessible(element);
  });

  it('shows the API message and marks the field', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" drink-name="Negroni"></drink-uploader>`);
    (part(element, '#bar') as HTMLInputElement).value = 'Error Bar';
    part(element, '#bar')!.dispatchEvent(new Event('input'));
    await drop(element, await makeImage(100, 100));

    part(element, '#upload')!.click();
    const error = await nextEvent(element, 'drink-error');
    await element.updateComplete;

    expect(error.detail.message).to.equal('The bar name "Error Bar" is not allowed. Choose another name.');
    expect(statusText(element)).to.equal(error.detail.message);
    expect(part(element, '#bar')!.getAttribute('aria-invalid')).to.equal('true');
    expect(part(element, '#retry')).to.not.equal(null);
    await expectAccessible(element);
  });

  it('offers a retry after a storage failure', async () => {
    const element = await uploader('Harbour Inn', 'Storage Fails');
    await drop(element, await makeImage(100, 100));

    part(element, '#upload')!.click();
    const error = await nextEvent(element, 'drink-error');
    await element.updateComplete;
    expect(error.detail.message).to.equal('Policy expired.');
    expect(element.shadowRoot!.activeElement?.id).to.equal('retry');

    element.drinkName = uniqueName('Recovered');
    part(element, '#retry')!.click();
    await nextEvent(element, 'drink-indexed');
  });

  it('cancels an upload in progress', async () => {
    const element = await uploader('Harbour Inn', 'Slow');
    const events = recordEvents(element, EVENTS);
    await drop(element, await makeImage(100, 100));

    part(element, '#upload')!.click();
    await waitUntil(() => events.some((event) => event.type === 'drink-upload-progress'), 'no progress', { timeout: 5000 });
    expect(announcement(element)).to.match(/^Uploading… \d+%$/);
    await expectAccessible(element);
    part(element, '#cancel')!.click();
    await element.updateComplete;

    expect(statusText(element)).to.equal('Upload canceled.');
    expect(part(element, '#upload')).to.not.equal(null);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.map((event) => event.type)).to.not.include('drink-uploaded');
  });

  it('works with the keyboard alone', async () => {
    const drinkName = uniqueName('Gimlet');
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api"></drink-uploader>`);
    part(element, '#bar')!.focus();

    await sendKeys({ type: 'Harbour Inn' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: drinkName });
    await sendKeys({ press: 'Tab' });
    expect(element.shadowRoot!.activeElement?.id).to.equal('choose');
    // A file dialog cannot be driven in a headless browser, so the file arrives by paste.
    part(element, '#choose')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transferOf(await makeImage(80, 80)), bubbles: true, composed: true }));
    await waitUntil(() => element.shadowRoot!.activeElement?.id === 'upload', 'focus did not move to the upload button');
    const indexed = nextEvent(element, 'drink-indexed');
    await sendKeys({ press: 'Enter' });

    expect((await indexed).detail.drinkName).to.equal(drinkName);
    await element.updateComplete;
    expect(element.shadowRoot!.activeElement?.id).to.equal('another');
    await sendKeys({ press: 'Enter' });
    await element.updateComplete;
    expect(element.shadowRoot!.activeElement?.id).to.equal('choose');
  });

  it('stays accessible in dark mode at 320 px', async () => {
    await setViewport({ width: 320, height: 640 });
    await emulateMedia({ colorScheme: 'dark' });
    try {
      const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api"></drink-uploader>`);
      await drop(element, new File(['x'], 'notes.txt', { type: 'text/plain' }));

      expect(element.getBoundingClientRect().width).to.be.at.most(320);
      expect(getComputedStyle(part(element, '.error')!).color).to.equal('rgb(255, 180, 171)');
      await expectAccessible(element);
    } finally {
      await setViewport({ width: 800, height: 600 });
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('uses strings given as a property', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" .strings=${{ chooseFile: 'Foto wählen', barLabel: 'Kneipe' }}></drink-uploader>`);

    expect(part(element, '#choose')!.textContent).to.equal('Foto wählen');
    expect(part(element, '#bar')!.closest('label')!.textContent).to.contain('Kneipe');
    expect(part(element, '#drink')!.closest('label')!.textContent).to.contain('Drink');
  });

  it('uses strings given as a JSON attribute', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" strings='{"chooseFile":"Choisir une photo"}'></drink-uploader>`);

    expect(part(element, '#choose')!.textContent).to.equal('Choisir une photo');
  });

  it('reflects and applies disabled', async () => {
    const element = await fixture<DrinkUploader>(html`<drink-uploader api="/api" disabled></drink-uploader>`);

    expect(element.hasAttribute('disabled')).to.equal(true);
    expect((part(element, '#choose') as HTMLButtonElement).disabled).to.equal(true);
    expect((part(element, '#bar') as HTMLInputElement).disabled).to.equal(true);
    element.disabled = false;
    await element.updateComplete;
    expect(element.hasAttribute('disabled')).to.equal(false);
    // formDisabledCallback follows the attribute and renders once more.
    await waitUntil(() => !(part(element, '#choose') as HTMLButtonElement).disabled, 'the button stayed disabled');
  });

  it('offers the camera on touch screens', async () => {
    const element = await uploader('B', 'D');

    const hasCamera = [...element.shadowRoot!.querySelectorAll('button')].some((button) => button.textContent === 'Take a photo');
    expect(hasCamera).to.equal(matchMedia('(pointer: coarse)').matches);
    expect(part(element, '#camera')!.getAttribute('capture')).to.equal('environment');
  });
});

describe('<drink-uploader> in a form', () => {
  it('is invalid until indexed', async () => {
    const drinkName = uniqueName('Paloma');
    const form = await fixture<HTMLFormElement>(html`<form><drink-uploader api="/api" name="photo" required bar-name="Harbour Inn" drink-name=${drinkName}></drink-uploader></form>`);
    const element = form.querySelector('drink-uploader')!;
    await element.updateComplete;

    expect(form.checkValidity()).to.equal(false);
    expect(element.validity.valueMissing).to.equal(true);
    expect(element.validationMessage).to.equal('Choose a photo to upload.');
    expect(element.form).to.equal(form);

    await drop(element, await makeImage(60, 60));
    part(element, '#upload')!.click();
    const indexed = await nextEvent(element, 'drink-indexed');
    await element.updateComplete;

    expect(form.checkValidity()).to.equal(true);
    expect(new FormData(form).get('photo')).to.equal(indexed.detail.uploadId);

    form.reset();
    await element.updateComplete;
    expect(new FormData(form).get('photo')).to.equal(null);
    expect(part(element, '[part="dropzone"]')).to.not.equal(null);
  });

  it('is disabled inside a disabled fieldset', async () => {
    const form = await fixture<HTMLFormElement>(html`<form><fieldset disabled><drink-uploader api="/api"></drink-uploader></fieldset></form>`);
    const element = form.querySelector('drink-uploader')!;
    await element.updateComplete;

    expect((part(element, '#choose') as HTMLButtonElement).disabled).to.equal(true);
  });
});
