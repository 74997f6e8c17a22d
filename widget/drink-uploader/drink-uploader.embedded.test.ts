/// <reference types="mocha" />
// The uploader and the viewer against the real pipeline: the embedded default, started by the
// test runner (widget/testing/embedded-backend.mjs), with the real handlers on s3rver and dynalite.
import { fixture, html } from '@open-wc/testing-helpers';
import { expect } from 'chai';
import '../define.js';
import type { DrinkViewer } from '../drink-viewer/drink-viewer.component.js';
import type { DrinkUploader } from './drink-uploader.component.js';
import { expectAccessible, makeImage, nextEvent, recordEvents, transferOf, uniqueName } from '../testing/helpers.js';

async function embeddedApiUrl(): Promise<string> {
  const response = await fetch('/__embedded.json');

  return ((await response.json()) as { apiUrl: string }).apiUrl;
}

describe('<drink-uploader> with the embedded backend', () => {
  it('uploads with progress until indexed', async function () {
    // Processing a photo takes about a second on two loaded cores; allow for a slow first call.
    this.timeout(30_000);
    const api = await embeddedApiUrl();
    const drinkName = uniqueName('Real Negroni');
    const element = await fixture<DrinkUploader>(
      html`<drink-uploader api=${api} bar-name="Embedded Bar" drink-name=${drinkName} processing-timeout="25000"></drink-uploader>`,
    );
    const events = recordEvents(element, ['drink-upload-start', 'drink-upload-progress', 'drink-uploaded', 'drink-indexed', 'drink-rejected', 'drink-error']);

    const dropzone = element.shadowRoot!.querySelector('[part="dropzone"]')!;
    dropzone.dispatchEvent(new DragEvent('drop', { dataTransfer: transferOf(await makeImage(900, 600, 'image/jpeg', 'real.jpg')), bubbles: true, cancelable: true }));
    const button = await new Promise<HTMLButtonElement>((resolve) => {
      const poll = () => {
        const found = element.shadowRoot!.querySelector<HTMLButtonElement>('#upload');
        if (found) resolve(found);
        else setTimeout(poll, 20);
      };
      poll();
    });
    const indexed = nextEvent(element, 'drink-indexed', 25_000);
    button.click();
    const detail = (await indexed).detail;

    const names = events.map((event) => event.type);
    expect(names).to.not.include('drink-error');
    expect(names).to.not.include('drink-rejected');
    expect(names).to.include('drink-upload-progress');
    const progress = events.filter((event) => event.type === 'drink-upload-progress').at(-1)!.detail as { loaded: number; total: number };
    expect(progress.loaded).to.equal(progress.total);
    expect(detail.barName).to.equal('Embedded Bar');
    expect(detail.drinkName).to.equal(drinkName);
    expect(detail.photo.width).to.equal(900);
    expect(detail.photo.height).to.equal(600);
    await expectAccessible(element);

    // The viewer finds the photo through the query handler and loads its rendition from S3.
    const viewer = await fixture<DrinkViewer>(html`<drink-viewer api=${api} bar-name="embedded bar" drink-name=${drinkName}></drink-viewer>`);
    await nextEvent(viewer, 'drink-show', 10_000);
    await viewer.updateComplete;
    const image = viewer.shadowRoot!.querySelector<HTMLImageElement>('img[part="image"]')!;
    await image.decode();
    // srcset lets the browser pick any rendition, so the loaded size only has to be landscape.
    expect(image.naturalWidth).to.be.greaterThan(image.naturalHeight);
    expect(image.getAttribute('width')).to.equal('900');
    expect(image.getAttribute('height')).to.equal('600');
  });
});
