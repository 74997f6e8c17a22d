/**
 * Upload bytes: what `<drink-uploader>` sends for a 12-megapixel phone photo with its default
 * downscale, against the original, and how long the downscale takes in headless Chromium. The page
 * is served from 127.0.0.1 and loads the CDN file (to read the element's defaults) and the widget's
 * own `prepareImage`, bundled by esbuild.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import sharp from 'sharp';

import type { PreparedImage, ResizeOptions } from '../widget/shared/image.js';
import { buildCdnFile, REPOSITORY_ROOT } from './lib/cdn-build.js';
import { CHROMIUM_FLAGS, findChromium } from './lib/machine.js';
import { CACHE_DIR, corpusPath, SOURCE_PHOTO, testPhoto, type TestPhoto } from './lib/photos.js';
import type { BenchResult } from './lib/report.js';
import { formatBytes, formatMs, median } from './lib/stats.js';

/** Path of the last downscaled 12-megapixel photo, which the embedded benchmark also uploads. */
export const DOWNSCALED_PHOTO = join(CACHE_DIR, 'photos', 'widget-downscaled-12mp.jpg');

interface BrowserRun {
  readonly defaults: ResizeOptions;
  readonly timesMs: number[];
  readonly output: Buffer;
  readonly outputType: string;
}

type PrepareImage = (file: File, type: string, options: ResizeOptions) => Promise<PreparedImage>;

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>drink-widgets downscale benchmark</title>
<script type="module" src="/drink-widgets.js"></script>
<script type="module" src="/resize.js"></script>
<drink-uploader api="/api"></drink-uploader>
`;

async function bundleResize(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "import { prepareImage } from './widget/shared/image.ts';\nglobalThis.benchPrepareImage = prepareImage;\n",
      resolveDir: REPOSITORY_ROOT,
      sourcefile: 'resize-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });

  return result.outputFiles[0]!.text;
}

/** Serves the page, the scripts and the photo on 127.0.0.1, and stores the one POST /result body. */
async function startPageServer(photo: Buffer): Promise<{ server: Server; url: string; result: () => Buffer | undefined }> {
  const files: Record<string, { type: string; body: string | Buffer }> = {
    '/': { type: 'text/html; charset=utf-8', body: PAGE },
    '/drink-widgets.js': { type: 'text/javascript', body: buildCdnFile() },
    '/resize.js': { type: 'text/javascript', body: await bundleResize() },
    '/photo.jpg': { type: 'image/jpeg', body: photo },
  };
  let posted: Buffer | undefined;
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/result') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posted = Buffer.concat(chunks);
        response.writeHead(204).end();
      });
      return;
    }
    const file = files[request.url ?? ''];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return { server, url: `http://127.0.0.1:${port}/`, result: () => posted };
}

/** Downscales `photo` in Chromium `runs` times with the element's default options. */
export async function downscaleInChromium(photo: Buffer, runs: number): Promise<BrowserRun> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error('Chromium not found; install it (apt-get install -y chromium) or set CHROME_PATH');

  const page = await startPageServer(photo);
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS.filter((flag) => flag !== '--headless'), timeout: 60_000 });
  try {
    const tab = await browser.newPage();
    tab.setDefaultTimeout(120_000);
    await tab.goto(page.url);
    await tab.waitForFunction(() => customElements.get('drink-uploader') !== undefined && 'benchPrepareImage' in globalThis);

    const defaults = await tab.evaluate(() => {
      const element = document.querySelector('drink-uploader') as unknown as ResizeOptions;
      return { maxEdge: element.maxEdge, quality: element.quality };
    });
    const run = await tab.evaluate(
      async ({ runs: count, options }) => {
        const prepare = (globalThis as unknown as { benchPrepareImage: PrepareImage }).benchPrepareImage;
        const blob = await (await fetch('/photo.jpg')).blob();
        const file = new File([blob], 'photo.jpg', { type: 'image/jpeg' });
        const timesMs: number[] = [];
        let prepared: PreparedImage | undefined;
        for (let index = 0; index < count; index++) {
          const started = performance.now();
          prepared = await prepare(file, 'image/jpeg', options);
          timesMs.push(performance.now() - started);
        }
        await fetch('/result', { method: 'POST', body: prepared!.blob });
        return { timesMs, type: prepared!.type };
      },
      { runs, options: defaults },
    );
    const output = page.result();
    if (output === undefined) throw new Error('the page did not post the downscaled photo back');

    return { defaults, timesMs: run.timesMs, output, outputType: run.type };
  } finally {
    await browser.close();
    page.server.close();
  }
}

/** Mean absolute difference (0 to 255) between two images scaled to the same size, upright. */
async function meanDifference(first: Buffer, second: Buffer): Promise<number> {
  const size = { width: 256, height: 192, fit: 'fill' as const };
  const [a, b] = await Promise.all([
    sharp(first).rotate().resize(size).removeAlpha().raw().toBuffer(),
    sharp(second).rotate().resize(size).removeAlpha().raw().toBuffer(),
  ]);
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += Math.abs(a[index]! - b[index]!);

  return sum / a.length;
}

function bitsPerPixel(bytes: number, width: number, height: number): string {
  return ((bytes * 8) / (width * height)).toFixed(2);
}

export async function runUpload(options: { runs: number }): Promise<BenchResult> {
  const photo: TestPhoto = await testPhoto(12);
  const original = readFileSync(photo.path);
  const browserRun = await downscaleInChromium(original, options.runs);
  mkdirSync(join(CACHE_DIR, 'photos'), { recursive: true });
  writeFileSync(DOWNSCALED_PHOTO, browserRun.output);

  const metadata = await sharp(browserRun.output).metadata();
  const difference = await meanDifference(original, browserRun.output);
  const ratio = original.length / browserRun.output.length;
  const [first, ...rest] = browserRun.timesMs;
  const steady = rest.length > 0 ? median(rest) : Number.NaN;
  const met = browserRun.output.length * 6 <= original.length;
  const real = readFileSync(corpusPath(SOURCE_PHOTO));
  const realRun = await downscaleInChromium(real, 1);
  const realMetadata = await sharp(real).metadata();
  const realRatio = real.length / realRun.output.length;
  // A real 12 MP original at the real source's density, against the real source's own downscale,
  // which has the same output size.
  const realDensity12 = (real.length / (realMetadata.width * realMetadata.height)) * photo.width * photo.height;
  const realEstimate = `Estimate for a real 12 MP photo: at the real source's ${bitsPerPixel(real.length, realMetadata.width, realMetadata.height)} bits per pixel it would be ${formatBytes(realDensity12)}, and the real source's own ${realRun.defaults.maxEdge}-px downscale (${formatBytes(realRun.output.length)}) would be 1/${(realDensity12 / realRun.output.length).toFixed(1)} of it.`;

  return {
    id: 'upload',
    title: 'Upload bytes',
    method: [
      `The 12 MP photo is ${photo.description}: ${photo.width}×${photo.height}, ${formatBytes(original.length)}. The real 8 MP photo it was made from is sent through the same downscale for comparison.`,
      'Headless Chromium, launched by playwright-core with the flags below (playwright-core adds its own defaults), loads a page from 127.0.0.1 with the CDN file',
      'and the widget\'s `prepareImage` (widget/shared/image.ts, bundled by esbuild), reads `maxEdge` and `quality` from a',
      '`<drink-uploader>` element, and downscales the photo as the element does before an upload: decode with EXIF',
      'orientation (`createImageBitmap`), draw on a canvas, encode as JPEG, copy the EXIF segment with the orientation set to 1.',
      `Flags: \`${CHROMIUM_FLAGS.join(' ')}\`.`,
    ],
    tables: [
      {
        header: ['what is sent', 'size', 'bytes', 'share of the original'],
        rows: [
          ['original (no-resize)', `${photo.width}×${photo.height}`, `${formatBytes(original.length)} (${original.length.toLocaleString('en-US')} B)`, '100 %'],
          [
            `widget default (max-edge ${browserRun.defaults.maxEdge}, quality ${browserRun.defaults.quality})`,
            `${metadata.width}×${metadata.height}`,
            `${formatBytes(browserRun.output.length)} (${browserRun.output.length.toLocaleString('en-US')} B)`,
            `${((browserRun.output.length / original.length) * 100).toFixed(1)} % (1/${ratio.toFixed(1)})`,
          ],
          [`real 8 MP photo, ${SOURCE_PHOTO}, original`, `${realMetadata.width}×${realMetadata.height}`, `${formatBytes(real.length)} (${real.length.toLocaleString('en-US')} B)`, '100 %'],
          [
            'the same, widget default',
            `${realRun.defaults.maxEdge}-px edge`,
            `${formatBytes(realRun.output.length)} (${realRun.output.length.toLocaleString('en-US')} B)`,
            `${((realRun.output.length / real.length) * 100).toFixed(1)} % (1/${realRatio.toFixed(1)})`,
          ],
        ],
      },
      {
        header: ['downscale in Chromium', 'time'],
        rows: [
          ['first run (cold page)', formatMs(first ?? Number.NaN)],
          [`median of the next ${rest.length} run${rest.length === 1 ? '' : 's'}`, formatMs(steady)],
        ],
      },
    ],
    targets: [
      {
        name: 'upload bytes',
        target: 'downscaled upload ≤ 1/6 of the original',
        measured: `1/${ratio.toFixed(1)} (${formatBytes(browserRun.output.length)} of ${formatBytes(original.length)})`,
        met,
        ...(met
          ? {}
          : {
              gap: `${formatBytes(Math.ceil(browserRun.output.length - original.length / 6))}`,
              reason: `the generated original keeps only ${bitsPerPixel(original.length, photo.width, photo.height)} bits per pixel, because an upscale is smoother than a sensor's photo, while the ${metadata.width}×${metadata.height} JPEG at quality ${browserRun.defaults.quality} keeps ${bitsPerPixel(browserRun.output.length, metadata.width!, metadata.height!)}. ${realEstimate}`,
            }),
      },
    ],
    notes: [
      `The real 8 MP photo has fewer pixels to drop (${((realMetadata.width * realMetadata.height) / (metadata.width! * metadata.height!)).toFixed(1)} times as many as the upload, against ${((photo.width * photo.height) / (metadata.width! * metadata.height!)).toFixed(1)} times for 12 MP), so its ratio is lower. ${realEstimate}`,
      `Output checked with sharp: ${metadata.format}, ${metadata.width}×${metadata.height}, EXIF orientation ${metadata.orientation ?? 'absent'}${metadata.exif ? ', EXIF kept' : ', no EXIF'}; mean absolute difference from the original turned upright, both scaled to 256×192: ${difference.toFixed(1)} of 255 (a rotated or mirrored result would be far higher).`,
      `The output type was ${browserRun.outputType}. The downscaled file is kept in ${DOWNSCALED_PHOTO} for the embedded benchmark.`,
    ],
  };
}
