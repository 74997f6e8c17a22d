/**
 * The embedded default end to end: `startEmbedded` on port 0 in a temporary folder, photos uploaded
 * the way the widget uploads them (POST /api/uploads, the presigned multipart POST to the S3
 * endpoint, GET /api/uploads/{id} until it is no longer pending), at several concurrencies, then
 * GET /api/bars/{bar}/drinks/{drink} for the drinks just indexed. Everything runs on 127.0.0.1, in
 * this process, bounded by a count and a time limit per level.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CreateUploadResponse, UploadStatusResponse } from '../backend/shared/api.js';
import { startEmbedded, type Embedded } from '../backend/local/embedded.js';
import { findChromium } from './lib/machine.js';
import { testPhoto, withJpegComment } from './lib/photos.js';
import type { BenchResult, Table, TargetCheck } from './lib/report.js';
import { formatBytes, formatMs, percentile } from './lib/stats.js';
import { downscaleInChromium, DOWNSCALED_PHOTO } from './upload.js';

const TARGET_MS = 500;

export interface EmbeddedOptions {
  readonly concurrencies: readonly number[];
  /** Uploads per level; 0 means max(8, 2 × concurrency). */
  readonly uploads: number;
  readonly queries: number;
  readonly secondsPerLevel: number;
  readonly pollMs: number;
}

interface PhotoKind {
  readonly name: string;
  readonly bytes: Buffer;
}

interface UploadTiming {
  readonly uploadId: string;
  readonly totalMs: number;
  readonly storedToIndexedMs: number;
  /** From the runtime's record: object stored in S3 to the end of the invocation that indexed it. */
  readonly serverMs?: number;
}

/** Split of one upload's time in the runtime, from its upload record and its process-photo trace. */
interface Breakdown {
  /** The S3 request's arrival to the object being stored: transfer and s3rver's own work. */
  readonly s3PostMs?: number;
  /** Object stored in S3 to the start of the process-photo invocation: event delivery and queueing. */
  readonly waitMs: number;
  readonly invocationMs: number;
  /** The `image` subsegment: type, header and EXIF checks and the renditions. */
  readonly imageMs?: number;
}

interface LevelResult {
  readonly kind: string;
  readonly breakdowns: Breakdown[];
  readonly concurrency: number;
  readonly attempted: number;
  readonly timings: UploadTiming[];
  readonly failures: string[];
  readonly wallSeconds: number;
  readonly queryMs: number[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function expectJson<T>(response: Response, request: string): Promise<T> {
  const body = await response.text();
  if (!response.ok) throw new Error(`${request} returned HTTP ${response.status}: ${body.slice(0, 300)}`);

  return JSON.parse(body) as T;
}

/** Uploads one photo as the widget does and waits until the pipeline indexes or rejects it. */
async function uploadOne(embedded: Embedded, photo: Buffer, barName: string, drinkName: string, deadline: number, pollMs: number): Promise<UploadTiming> {
  const origin = new URL(embedded.url).origin;
  const started = performance.now();
  const presigned = await expectJson<CreateUploadResponse>(
    await fetch(`${embedded.apiUrl}/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: origin },
      body: JSON.stringify({ barName, drinkName, contentType: 'image/jpeg', contentLength: photo.length }),
    }),
    'POST /api/uploads',
  );

  const form = new FormData();
  for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
  // A view, not a copy: Node.js Buffers are never backed by a SharedArrayBuffer here.
  form.append('file', new Blob([new Uint8Array(photo.buffer as ArrayBuffer, photo.byteOffset, photo.length)], { type: 'image/jpeg' }), 'photo.jpg');
  const stored = await fetch(presigned.url, { method: 'POST', body: form, headers: { Origin: origin } });
  await stored.arrayBuffer();
  if (!stored.ok) throw new Error(`the presigned POST returned HTTP ${stored.status}`);
  const storedAt = performance.now();

  for (;;) {
    const status = await expectJson<UploadStatusResponse>(await fetch(`${embedded.apiUrl}/uploads/${presigned.uploadId}`, { headers: { Origin: origin } }), 'GET /api/uploads/{id}');
    if (status.status === 'indexed') {
      const indexedAt = performance.now();
      const serverMs = embedded.uploads.get(presigned.uploadId)?.uploadToIndexedMs;

      return { uploadId: presigned.uploadId, totalMs: indexedAt - started, storedToIndexedMs: indexedAt - storedAt, ...(serverMs === undefined ? {} : { serverMs }) };
    }
    if (status.status === 'rejected') throw new Error(`upload ${presigned.uploadId} was rejected: ${status.reason ?? 'no reason'}`);
    if (Date.now() > deadline) throw new Error(`upload ${presigned.uploadId} was still pending at the level's time limit`);
    await sleep(pollMs);
  }
}

/** Runs `count` tasks with at most `concurrency` at once, starting none after `deadline`. */
async function pool<T>(count: number, concurrency: number, deadline: number, task: (index: number) => Promise<T>): Promise<{ results: T[]; failures: string[]; started: number }> {
  const results: T[] = [];
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && Date.now() < deadline) {
      const index = next++;
      try {
        results.push(await task(index));
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));

  return { results, failures, started: next };
}

async function runLevel(embedded: Embedded, kind: PhotoKind, concurrency: number, options: EmbeddedOptions, runId: string): Promise<LevelResult> {
  const count = options.uploads > 0 ? options.uploads : Math.max(8, 2 * concurrency);
  const barName = `Bench Bar ${runId}`;
  const drinkOf = (index: number) => `${kind.name} c${concurrency} #${index}`;
  const deadline = Date.now() + options.secondsPerLevel * 1000;

  const started = performance.now();
  const uploads = await pool(count, concurrency, deadline, (index) =>
    uploadOne(embedded, withJpegComment(kind.bytes, `bench ${runId} ${kind.name} ${concurrency} ${index}`), barName, drinkOf(index), deadline, options.pollMs),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  await embedded.idle();
  // Segments reach the local X-Ray daemon over UDP a moment after the invocation ends.
  await sleep(200);
  const breakdowns = uploads.results.flatMap((timing) => {
    const breakdown = breakdownOf(embedded, timing.uploadId);
    return breakdown === undefined ? [] : [breakdown];
  });

  const indexedDrinks = uploads.started;
  const queryDeadline = Date.now() + options.secondsPerLevel * 1000;
  const queries = await pool(options.queries, concurrency, queryDeadline, async (index) => {
    const drink = drinkOf(index % Math.max(1, indexedDrinks));
    const queryStarted = performance.now();
    const response = await fetch(`${embedded.apiUrl}/bars/${encodeURIComponent(barName)}/drinks/${encodeURIComponent(drink)}`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET /api/bars/{bar}/drinks/{drink} returned HTTP ${response.status}`);

    return performance.now() - queryStarted;
  });

  return {
    kind: kind.name,
    breakdowns,
    concurrency,
    attempted: uploads.started,
    timings: uploads.results,
    failures: [...uploads.failures, ...queries.failures],
    wallSeconds,
    queryMs: queries.results,
  };
}

function breakdownOf(embedded: Embedded, uploadId: string): Breakdown | undefined {
  const record = embedded.uploads.get(uploadId);
  const attempt = record?.processing.at(-1);
  const storedAt = record?.upload?.storedAt;
  if (attempt === undefined || storedAt === undefined) return undefined;

  const image = embedded.traces.segments(attempt.traceId).find((segment) => segment.name === 'image' && segment.end_time !== undefined);

  const requestStartedAt = record?.upload?.startedAt;

  return {
    ...(requestStartedAt === undefined ? {} : { s3PostMs: storedAt - requestStartedAt }),
    waitMs: attempt.startedAt - storedAt,
    invocationMs: attempt.durationMs,
    ...(image === undefined ? {} : { imageMs: (image.end_time! - image.start_time) * 1000 }),
  };
}

function breakdownRow(level: LevelResult): string[] {
  const p50 = (values: number[]) => formatMs(percentile(values, 50));
  const image = level.breakdowns.flatMap((breakdown) => (breakdown.imageMs === undefined ? [] : [breakdown.imageMs]));
  const invocation = level.breakdowns.map((breakdown) => breakdown.invocationMs);

  const s3Post = level.breakdowns.flatMap((breakdown) => (breakdown.s3PostMs === undefined ? [] : [breakdown.s3PostMs]));

  return [
    level.kind,
    String(level.concurrency),
    s3Post.length === 0 ? 'n/a' : p50(s3Post),
    p50(level.breakdowns.map((breakdown) => breakdown.waitMs)),
    p50(invocation),
    image.length === 0 ? 'no trace' : p50(image),
    image.length === 0 ? 'n/a' : p50(level.breakdowns.flatMap((breakdown) => (breakdown.imageMs === undefined ? [] : [breakdown.invocationMs - breakdown.imageMs]))),
  ];
}

async function photoKinds(): Promise<{ kinds: PhotoKind[]; notes: string[] }> {
  const original = await testPhoto(12);
  const notes: string[] = [];
  const kinds: PhotoKind[] = [];
  let downscaled: Buffer | undefined;
  if (existsSync(DOWNSCALED_PHOTO)) {
    downscaled = readFileSync(DOWNSCALED_PHOTO);
  } else if (findChromium() !== undefined) {
    downscaled = (await downscaleInChromium(readFileSync(original.path), 1)).output;
  } else {
    notes.push('Chromium was not found, so the widget-downscaled photo was not made and only the original was uploaded.');
  }
  if (downscaled !== undefined) kinds.push({ name: '12 MP, widget default downscale', bytes: downscaled });
  kinds.push({ name: '12 MP original (no-resize)', bytes: readFileSync(original.path) });
  notes.push(
    `Photos: ${original.description} (${formatBytes(original.bytes)}), sent as it is and as \`<drink-uploader>\` sends it by default after its downscale in Chromium (${downscaled === undefined ? 'not made' : formatBytes(downscaled.length)}, made by the upload benchmark). Each upload gets a JPEG comment of its own, so no two uploads have the same bytes.`,
  );

  return { kinds, notes };
}

function levelRow(level: LevelResult): string[] {
  const totals = level.timings.map((timing) => timing.totalMs);
  const server = level.timings.flatMap((timing) => (timing.serverMs === undefined ? [] : [timing.serverMs]));

  return [
    level.kind,
    String(level.concurrency),
    `${level.timings.length}/${level.attempted}`,
    `${formatMs(percentile(totals, 50))} / ${formatMs(percentile(totals, 99))}`,
    `${formatMs(percentile(server, 50))} / ${formatMs(percentile(server, 99))}`,
    `${formatMs(percentile(level.queryMs, 50))} / ${formatMs(percentile(level.queryMs, 99))}`,
    (level.timings.length / level.wallSeconds).toFixed(2),
    String(level.failures.length),
  ];
}

/** Figures of the process benchmark that explain the end-to-end time, when it has run. */
export interface ProcessFigures {
  readonly fullMs12?: number;
  readonly decodeMs12?: number;
  readonly encodeMs12?: number;
}

function processText(figures: ProcessFigures): string {
  if (figures.fullMs12 === undefined) return '';

  const steps = figures.encodeMs12 === undefined ? '' : `, ${formatMs(figures.encodeMs12)} of it in the four encodes timed one after another (JPEG and WebP, one libvips thread each) against ${formatMs(figures.decodeMs12 ?? Number.NaN)} to decode and scale`;

  return `; in the process benchmark the image work alone takes ${formatMs(figures.fullMs12)} for the 12 MP original${steps}`;
}

/** Compares the image work of the downscaled upload and of the original, when both ran with one client. */
function downscaleNote(levels: readonly LevelResult[], kinds: readonly PhotoKind[], figures: ProcessFigures): string[] {
  const single = kinds.map((kind) => levels.find((level) => level.kind === kind.name && level.concurrency === 1));
  if (single.length !== 2 || single.some((level) => level === undefined)) return [];

  const decodeText =
    figures.decodeMs12 === undefined || figures.encodeMs12 === undefined
      ? ''
      : ` (for the 12 MP original in the process benchmark, ${formatMs(figures.decodeMs12)} to decode and scale against ${formatMs(figures.encodeMs12)} to encode)`;
  const image = single.map((level) => percentile(level!.breakdowns.flatMap((breakdown) => (breakdown.imageMs === undefined ? [] : [breakdown.imageMs])), 50));

  return [
    `With one client the image subsegment takes ${formatMs(image[0]!)} for the widget's downscaled upload and ${formatMs(image[1]!)} for the 12 MP original (${Math.round((1 - image[0]! / image[1]!) * 100)} % less). The four renditions are encoded from a 1600 px bitmap either way, and encoding, not decoding, is most of the work${decodeText}, so the downscale saves mostly network bytes.`,
  ];
}

export async function runEmbedded(options: EmbeddedOptions, processFigures: ProcessFigures = {}): Promise<BenchResult> {
  const { kinds, notes } = await photoKinds();
  const dataDir = mkdtempSync(join(tmpdir(), 'drink-widgets-bench-data-'));
  const runId = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const levels: LevelResult[] = [];
  let embedded: Embedded | undefined;
  try {
    embedded = await startEmbedded({ dataDir, port: 0, host: '127.0.0.1' });
    for (const kind of kinds) {
      for (const concurrency of options.concurrencies) levels.push(await runLevel(embedded, kind, concurrency, options, runId));
    }
  } finally {
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const breakdownTable: Table = {
    caption: 'Where the runtime spends the time, medians from its upload records and process-photo traces:',
    header: ['photo', 'clients', 'S3 POST, request → stored', 'stored → invocation start (event, queue)', 'process-photo invocation', 'image subsegment', 'rest of the invocation (S3, DynamoDB)'],
    rows: levels.map(breakdownRow),
  };
  const table: Table = {
    header: ['photo', 'clients', 'indexed', 'upload → indexed p50 / p99', 'stored → indexed, runtime p50 / p99', 'query p50 / p99', 'uploads/s', 'failures'],
    rows: levels.map(levelRow),
  };
  const failures = levels.flatMap((level) => level.failures.slice(0, 3).map((failure) => `${level.kind}, ${level.concurrency} clients: ${failure}`));

  const targets: TargetCheck[] = [];
  for (const kind of kinds) {
    const single = levels.find((level) => level.kind === kind.name && level.concurrency === Math.min(...options.concurrencies));
    if (single === undefined || single.timings.length === 0) continue;

    const p50 = percentile(single.timings.map((timing) => timing.totalMs), 50);
    const server = percentile(single.timings.flatMap((timing) => (timing.serverMs === undefined ? [] : [timing.serverMs])), 50);
    const met = p50 < TARGET_MS;
    targets.push({
      name: `upload to indexed, ${kind.name}`,
      target: `p50 < ${TARGET_MS} ms (${single.concurrency} client${single.concurrency === 1 ? '' : 's'})`,
      measured: formatMs(p50),
      met,
      ...(met
        ? {}
        : {
            gap: `${formatMs(p50 - TARGET_MS)} (${((p50 / TARGET_MS - 1) * 100).toFixed(0)} %)`,
            reason: `the runtime takes ${formatMs(server)} (p50) from the object's arrival in S3 to the end of the process-photo invocation, of which the image subsegment (checks and renditions) is ${breakdownRow(single)[5]} and the event and queue ${breakdownRow(single)[3]}; before that, s3rver takes ${breakdownRow(single)[2]} from the POST's arrival to the stored object${processText(processFigures)}. The rest is the presign call, the client's side of the ${formatBytes(kind.bytes.length)} upload and the polling interval of ${options.pollMs} ms. All of it shares 2 cores with the load generator.`,
          }),
    });
  }

  return {
    id: 'embedded',
    title: 'Embedded default, end to end',
    method: [
      '`startEmbedded` (s3rver, dynalite and the real handlers in one process, process-photo running up to 4 invocations at',
      'once, its default) listens on port 0 on 127.0.0.1 with a temporary data folder. Clients in the same process upload',
      'through the same HTTP and S3 path as the widget: `POST /api/uploads`, the multipart presigned POST to the S3',
      `endpoint, then \`GET /api/uploads/{id}\` every ${options.pollMs} ms until the status is indexed (the widget itself polls`,
      'after 500 ms, then 1.5 times longer each round). **upload → indexed** runs from the presign request to the first',
      'poll that sees the photo indexed; **stored → indexed, runtime** is the runtime\'s own record, from the S3 request to the',
      'end of the process-photo invocation. After each level, the same number of clients run',
      `${options.queries} \`GET /api/bars/{bar}/drinks/{drink}\` requests for the drinks just indexed. A level stops starting uploads after ${options.secondsPerLevel} s.`,
    ],
    tables: [table, breakdownTable],
    targets,
    notes: [...notes, ...downscaleNote(levels, kinds, processFigures), ...(failures.length > 0 ? [`First failures: ${failures.join('; ')}`] : [])],
  };
}
