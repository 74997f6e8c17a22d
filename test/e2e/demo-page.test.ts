/**
 * End to end: starts the embedded default, drives the demo page in headless Chromium, uploads a
 * real phone photo through `<drink-uploader>` and finds it in `<drink-viewer>`.
 *
 * Needs a Chromium: CHROME_PATH, or Debian's /usr/bin/chromium.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { startEmbedded, type Embedded } from '../../backend/local/embedded.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A Samsung Galaxy S photo stored 640x480 with EXIF orientation 6, so it displays 480x640. */
const PORTRAIT_PHOTO = join(REPOSITORY_ROOT, 'test/fixtures/portrait-orientation-6.jpg');

/** Screenshots of each run, for a person to look at. */
const SCREENSHOT_DIR = join(REPOSITORY_ROOT, 'test-results');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

describe('demo page', () => {
  let dataDir: string;
  let embedded: Embedded;
  let browser: Browser;
  let page: Page;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-e2e-'));
    embedded = await startEmbedded({ dataDir, port: 0 });
    browser = await chromium.launch({
      executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('uploads a phone photo and shows it upright', async () => {
    // Prepare
    await page.goto(embedded.url);
    await page.waitForFunction(() => customElements.get('drink-uploader') && customElements.get('drink-viewer'));
    const uploader = page.locator('drink-uploader').first();
    const indexed = page.evaluate(
      () =>
        new Promise<{ uploadId: string; barName: string; drinkName: string }>((resolve, reject) => {
          document.addEventListener('drink-indexed', (event) => resolve((event as CustomEvent).detail), { once: true });
          document.addEventListener('drink-rejected', (event) => reject(new Error(JSON.stringify((event as CustomEvent).detail))), {
            once: true,
          });
          document.addEventListener('drink-error', (event) => reject(new Error(JSON.stringify((event as CustomEvent).detail))), {
            once: true,
          });
        }),
    );

    // Act: upload
    await uploader.locator('#bar').fill("Joe's Bar & Grill");
    await uploader.locator('#drink').fill('Piña colada 🍹');
    await uploader.locator('#file').setInputFiles(PORTRAIT_PHOTO);
    await uploader.locator('#upload').click();
    const detail = await indexed;
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'demo-uploaded.png'), fullPage: true });

    // Assess: the uploader saw the photo indexed under the names as typed
    assert.equal(detail.barName, "Joe's Bar & Grill");
    assert.equal(detail.drinkName, 'Piña colada 🍹');
    assert.match(detail.uploadId, /\S/);

    // Act: look it up in the viewer, with the bar typed in another case
    const viewer = page.locator('drink-viewer').first();
    await viewer.locator('#bar').fill("joe's bar & grill");
    await viewer.locator('#drink').fill('Piña colada 🍹');
    await viewer.locator('button[type=submit]').click();
    const image = viewer.locator('img[part=image]');
    await image.waitFor({ state: 'visible' });
    await page.waitForFunction(
      () => {
        const viewerElement = document.querySelector('drink-viewer');
        const img = viewerElement?.shadowRoot?.querySelector<HTMLImageElement>('img[part=image]');
        return img?.complete && img.naturalWidth > 0;
      },
      undefined,
      { timeout: 15_000 },
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'demo-viewer.png'), fullPage: true });

    // Assess: the photo is shown upright (portrait) with its size
    const size = await image.evaluate((img: HTMLImageElement) => ({
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      width: img.getAttribute('width'),
      height: img.getAttribute('height'),
    }));
    assert.equal(size.width, '480');
    assert.equal(size.height, '640');
    assert.ok(size.naturalHeight > size.naturalWidth, `expected a portrait image, got ${size.naturalWidth}x${size.naturalHeight}`);
    const caption = await viewer.locator('[part=caption]').innerText();
    assert.match(caption, /Joe's Bar & Grill/);
  });
});
