/**
 * Process-photo's image work per photo at 1, 12 and 24 megapixels, with the project's own
 * functions from backend/shared/image.ts, beside ImageMagick and a naive sharp pipeline making the
 * same renditions, all timed in the same run.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';

import { inspectImage, JPEG_RENDITION_OPTIONS, RENDITION_SIZES, renderRenditions, WEBP_RENDITION_OPTIONS } from '../backend/shared/image.js';
import { findImageMagick } from './lib/machine.js';
import { testPhoto, type TestPhoto } from './lib/photos.js';
import type { BenchResult, TargetCheck } from './lib/report.js';
import { formatMs, formatRatio, median, timeRuns } from './lib/stats.js';

const run = promisify(execFile);

/** The limits process-photo applies by default: 20 MiB and 100 million pixels. */
const LIMITS = { maxBytes: 20 * 1024 * 1024, maxPixels: 100_000_000 };


/**
 * Renditions the obvious way: decode the whole original to raw pixels, upright and in sRGB, then
 * resize each rendition from that full-size buffer. Same sizes, encoders and settings as
 * renderRenditions, but without resizing on load and without reusing the display bitmap for the thumb.
 */
async function naiveRenditions(bytes: Buffer): Promise<number> {
  const full = await sharp(bytes, { limitInputPixels: LIMITS.maxPixels }).rotate().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: full.info.width, height: full.info.height, channels: full.info.channels } };
  let written = 0;
  for (const edge of Object.values(RENDITION_SIZES)) {
    const scaled = sharp(full.data, raw).resize(edge, edge, { fit: 'inside', withoutEnlargement: true });
    const jpeg = await scaled.clone().flatten({ background: '#ffffff' }).jpeg(JPEG_RENDITION_OPTIONS).toBuffer();
    const webp = await scaled.clone().webp(WEBP_RENDITION_OPTIONS).toBuffer();
    written += jpeg.length + webp.length;
  }

  return written;
}

const DECODE_STEP = 'decode, orient, scale to 1600 px';
const MOZJPEG_STEP = 'display JPEG with mozjpeg (for comparison)';
const DEFAULT_EFFORT_STEP = 'display WebP at the default effort 4 (for comparison)';

/** Steps of renderRenditions, timed apart: the same calls and settings, by step name. */
async function renditionSteps(bytes: Buffer): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  let started = performance.now();
  const decoded = await sharp(bytes, { limitInputPixels: LIMITS.maxPixels, failOn: 'warning' })
    .rotate()
    .resize(RENDITION_SIZES.display, RENDITION_SIZES.display, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  times[DECODE_STEP] = performance.now() - started;

  const raw = { raw: { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels } };
  for (const [size, edge] of Object.entries(RENDITION_SIZES)) {
    const scaled = sharp(decoded.data, raw).resize(edge, edge, { fit: 'inside', withoutEnlargement: true });
    started = performance.now();
    await scaled.clone().flatten({ background: '#ffffff' }).jpeg(JPEG_RENDITION_OPTIONS).toBuffer();
    times[`${size} JPEG`] = performance.now() - started;
    started = performance.now();
    await scaled.clone().webp(WEBP_RENDITION_OPTIONS).toBuffer();
    times[`${size} WebP`] = performance.now() - started;
    if (size === 'display') {
      started = performance.now();
      await scaled.clone().flatten({ background: '#ffffff' }).jpeg({ ...JPEG_RENDITION_OPTIONS, mozjpeg: true }).toBuffer();
      times[MOZJPEG_STEP] = performance.now() - started;
      started = performance.now();
      await scaled.clone().webp({ ...WEBP_RENDITION_OPTIONS, effort: 4 }).toBuffer();
      times[DEFAULT_EFFORT_STEP] = performance.now() - started;
    }
  }

  return times;
}

async function measureSteps(bytes: Buffer, runs: number): Promise<Record<string, number>> {
  await renditionSteps(bytes);
  const samples: Record<string, number[]> = {};
  for (let index = 0; index < runs; index++) {
    for (const [step, ms] of Object.entries(await renditionSteps(bytes))) (samples[step] ??= []).push(ms);
  }

  return Object.fromEntries(Object.entries(samples).map(([step, values]) => [step, median(values)]));
}

/** ImageMagick arguments for the same four renditions from one decode, metadata stripped, with the same WebP effort. */
function imageMagickArgs(input: string, outDir: string): string[] {
  const display = `${RENDITION_SIZES.display}x${RENDITION_SIZES.display}>`;
  const thumb = `${RENDITION_SIZES.thumb}x${RENDITION_SIZES.thumb}>`;
  const jpeg = (name: string) => ['(', '+clone', '-background', 'white', '-flatten', '-quality', String(JPEG_RENDITION_OPTIONS.quality), '-interlace', 'JPEG', '-write', join(outDir, `${name}.jpeg`), '+delete', ')'];
  const webp = (name: string) => ['(', '+clone', '-quality', String(WEBP_RENDITION_OPTIONS.quality), '-define', `webp:method=${WEBP_RENDITION_OPTIONS.effort}`, '-write', join(outDir, `${name}.webp`), '+delete', ')'];

  return [input, '-auto-orient', '-colorspace', 'sRGB', '-strip', '-resize', display, ...jpeg('display'), ...webp('display'), '-resize', thumb, ...jpeg('thumb'), ...webp('thumb'), 'null:'];
}

interface SizeResult {
  readonly photo: TestPhoto;
  readonly metadataMs: number;
  readonly renditionsMs: number;
  /** renderRenditions with libvips allowed one thread per core instead of sharp's default here. */
  readonly renditionsAllCoresMs: number;
  readonly fullMs: number;
  readonly naiveMs: number;
  readonly imageMagickMs?: number;
  readonly imageMagickOneThreadMs?: number;
  readonly samples: number;
}

async function measureSize(megapixels: number, runs: number, budgetMs: number, imageMagick: string | undefined, scratch: string): Promise<SizeResult> {
  const photo = await testPhoto(megapixels);
  const bytes = readFileSync(photo.path);
  const options = { runs, warmups: 1, budgetMs };

  const metadata = await timeRuns(() => inspectImage(bytes, 'image/jpeg', LIMITS), { ...options, runs: runs * 3 });
  const renditions = await timeRuns(() => renderRenditions(bytes, LIMITS.maxPixels), options);
  const full = await timeRuns(async () => {
    await inspectImage(bytes, 'image/jpeg', LIMITS);
    await renderRenditions(bytes, LIMITS.maxPixels);
  }, options);
  const naive = await timeRuns(() => naiveRenditions(bytes), options);
  const defaultThreads = sharp.concurrency();
  sharp.concurrency(availableParallelism());
  let allCores: number[];
  try {
    allCores = await timeRuns(() => renderRenditions(bytes, LIMITS.maxPixels), options);
  } finally {
    sharp.concurrency(defaultThreads);
  }

  let imageMagickMs: number | undefined;
  let imageMagickOneThreadMs: number | undefined;
  if (imageMagick !== undefined) {
    const outDir = join(scratch, `${megapixels}mp`);
    mkdirSync(outDir, { recursive: true });
    const samples = await timeRuns(() => run(imageMagick, imageMagickArgs(photo.path, outDir), { timeout: 120_000 }), options);
    for (const name of ['display.jpeg', 'display.webp', 'thumb.jpeg', 'thumb.webp']) {
      if (statSync(join(outDir, name)).size === 0) throw new Error(`ImageMagick wrote an empty ${name} for the ${megapixels} MP photo`);
    }
    imageMagickMs = median(samples);
    const oneThread = await timeRuns(() => run(imageMagick, ['-limit', 'thread', '1', ...imageMagickArgs(photo.path, outDir)], { timeout: 120_000 }), options);
    imageMagickOneThreadMs = median(oneThread);
  }

  return {
    photo,
    metadataMs: median(metadata),
    renditionsMs: median(renditions),
    fullMs: median(full),
    naiveMs: median(naive),
    renditionsAllCoresMs: median(allCores),
    ...(imageMagickMs === undefined || imageMagickOneThreadMs === undefined ? {} : { imageMagickMs, imageMagickOneThreadMs }),
    samples: renditions.length,
  };
}

/** Decode and encode times of the 12 MP steps, for the embedded benchmark's explanation. */
function stepFigures(steps: Record<string, number>): { decodeMs12: number; encodeMs12: number } {
  const encodes = Object.entries(steps).filter(([step]) => step !== DECODE_STEP && !step.includes('comparison'));

  return {
    decodeMs12: steps[DECODE_STEP] ?? Number.NaN,
    encodeMs12: encodes.reduce((sum, [, ms]) => sum + ms, 0),
  };
}

function explainMiss(at12: SizeResult, steps: Record<string, number> | undefined): string {
  const parts = [
    `the project's code already avoids the naive pipeline's second full-size resize (that pipeline is ${formatRatio(at12.naiveMs / at12.renditionsMs)} slower), and what is left is mostly encoding`,
  ];
  if (steps !== undefined) {
    const { decodeMs12: decode, encodeMs12: encodeMs } = stepFigures(steps);
    const mozjpeg = steps[MOZJPEG_STEP];
    const defaultEffort = steps[DEFAULT_EFFORT_STEP];
    parts.push(
      `: of the steps timed apart, decoding and scaling take ${formatMs(decode)} and the four encodes ${formatMs(encodeMs)} one after another (the pipeline runs them at once), the 1600 px WebP ${formatMs(steps['display WebP'] ?? Number.NaN)} (${formatMs(defaultEffort ?? Number.NaN)} at the default effort) and the 1600 px JPEG ${formatMs(steps['display JPEG'] ?? Number.NaN)} (${formatMs(mozjpeg ?? Number.NaN)} with mozjpeg)`,
    );
    const allowedMs = at12.imageMagickMs! / 5;
    if (encodeMs > allowedMs) parts.push(`. The encodes alone take longer than the ${formatMs(allowedMs)} the target allows`);
  }
  parts.push(
    `. Threads: ImageMagick takes ${formatMs(at12.imageMagickMs!)} with every core and ${formatMs(at12.imageMagickOneThreadMs ?? Number.NaN)} with one thread, and the project's renditions take ${formatMs(at12.renditionsMs)} with sharp's default of ${sharp.concurrency()} libvips thread(s) and ${formatMs(at12.renditionsAllCoresMs)} with ${availableParallelism()}.`,
  );

  return parts.join('');
}

export async function runProcess(options: { runs: number; sizes: readonly number[]; budgetSeconds: number }): Promise<BenchResult> {
  const imageMagick = findImageMagick();
  // libvips caches operations by their arguments; off, so repeated runs on one photo cannot reuse work.
  const previousCache = sharp.cache();
  sharp.cache(false);
  const scratch = mkdtempSync(join(tmpdir(), 'drink-widgets-bench-im-'));
  const results: SizeResult[] = [];
  let steps: Record<string, number> | undefined;
  try {
    for (const megapixels of options.sizes) {
      results.push(await measureSize(megapixels, options.runs, options.budgetSeconds * 1000, imageMagick?.command, scratch));
    }
    if (options.sizes.includes(12)) steps = await measureSteps(readFileSync((await testPhoto(12)).path), options.runs);
  } finally {
    sharp.cache({ memory: previousCache.memory.max, files: previousCache.files.max, items: previousCache.items.max });
    rmSync(scratch, { recursive: true, force: true });
  }

  const rows = results.map((result) => [
    `${result.photo.megapixels} MP (${result.photo.width}×${result.photo.height})`,
    formatMs(result.metadataMs),
    formatMs(result.renditionsMs),
    formatMs(result.fullMs),
    `${formatMs(result.naiveMs)} (${formatRatio(result.naiveMs / result.renditionsMs)})`,
    result.imageMagickMs === undefined ? 'skipped' : `${formatMs(result.imageMagickMs)} (${formatRatio(result.imageMagickMs / result.renditionsMs)})`,
    result.imageMagickOneThreadMs === undefined ? 'skipped' : `${formatMs(result.imageMagickOneThreadMs)} (${formatRatio(result.imageMagickOneThreadMs / result.renditionsMs)})`,
    formatMs(result.renditionsAllCoresMs),
    String(result.samples),
  ]);

  const at12 = results.find((result) => result.photo.megapixels === 12);
  let check: TargetCheck;
  if (at12?.imageMagickMs === undefined) {
    check = {
      name: 'renditions vs ImageMagick',
      target: 'renditions ≥ 5× faster than ImageMagick at 12 MP',
      measured: at12 === undefined ? '12 MP not run' : 'ImageMagick not installed',
      met: undefined,
    };
  } else {
    const ratio = at12.imageMagickMs / at12.renditionsMs;
    check = {
      name: 'renditions vs ImageMagick',
      target: 'renditions ≥ 5× faster than ImageMagick at 12 MP',
      measured: `${formatRatio(ratio)} (${formatMs(at12.renditionsMs)} against ${formatMs(at12.imageMagickMs)}); with the metadata checks ${formatRatio(at12.imageMagickMs / at12.fullMs)}`,
      met: ratio >= 5,
      ...(ratio >= 5
        ? {}
        : {
            gap: `${formatRatio(5 / ratio)} (renditions would need ${formatMs(at12.imageMagickMs / 5)})`,
            reason: explainMiss(at12, steps),
          }),
    };
  }

  return {
    id: 'process',
    title: 'Process-photo image work',
    method: [
      `Photos: ${results.map((result) => result.photo.description).join('; ')}.`,
      'Each figure is the median of the timed runs after one warm-up run, in this Node.js process (sharp\'s operation cache off).',
      '**metadata**: `inspectImage` (type from the bytes by file-type, header by sharp, EXIF by exifr, plus the SHA-256 of the bytes).',
      '**renditions**: `renderRenditions`, one decode turned upright and scaled to 1600 px, then thumb and display in JPEG and WebP.',
      '**full**: both, as process-photo runs them (no S3 or DynamoDB). **naive sharp**: decode the whole photo to raw pixels,',
      'then resize each rendition from that buffer, same encoders and settings. **ImageMagick**: one command, wall time of the',
      'process, one decode, the same sizes, formats and qualities, metadata stripped (`-strip`). Ratios are the peer\'s time',
      'divided by the project\'s renditions time.',
      ...(imageMagick === undefined ? [] : ['', `ImageMagick command: \`${imageMagick.command} ${imageMagickArgs('IN.jpg', 'OUT').join(' ').replace(/([()>])/g, '\\$1')}\``]),
    ],
    tables: [
      {
        header: ['photo', 'metadata', 'renditions', 'full', 'naive sharp (× slower)', 'ImageMagick (× slower)', 'ImageMagick, 1 thread (× slower)', `renditions, ${availableParallelism()} libvips threads`, 'runs'],
        rows,
      },
      ...(steps === undefined
        ? []
        : [
            {
              caption: 'Steps of the renditions of the 12 MP photo, timed apart (medians):',
              header: ['step', 'time'],
              rows: Object.entries(steps).map(([step, ms]) => [step, formatMs(ms)]),
            },
          ]),
    ],
    targets: [check],
    ...(at12 === undefined ? {} : { figures: { fullMs12: at12.fullMs, renditionsMs12: at12.renditionsMs, ...(steps === undefined ? {} : stepFigures(steps)) } }),
    notes: [
      `sharp ${sharp.versions.sharp} runs ${sharp.concurrency()} libvips thread(s) per image here (its default on glibc Linux without jemalloc), while ImageMagick's OpenMP build uses every core (${imageMagick?.version ?? 'ImageMagick not installed'}).`,
      ...(imageMagick === undefined ? ['ImageMagick was not found (`apt-get install -y imagemagick` installs it), so its column is skipped.'] : []),
    ],
  };
}
