/**
 * `npm run load`: uploads N photos into the embedded default on 127.0.0.1, in a temporary data
 * folder, through the path a browser takes: POST /api/uploads, then the presigned POST to the S3
 * endpoint. Then it checks that every upload S3 stored ended indexed exactly once or rejected with
 * a reason. With `--faults` it also restarts dynalite and s3rver during the run and makes
 * process-photo fail on a share of events, then runs `reconcile --local` on what is left.
 *
 * `runLoad` is exported for the reliability tests, which run a small version.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { S3Event } from 'aws-lambda';

import { startEmbedded, type Embedded } from '../backend/local/embedded.js';
import { startStorage } from '../backend/local/storage.js';
import type { CreateUploadResponse } from '../backend/shared/api.js';
import { decodeEventKey, parseOriginalKey } from '../backend/shared/object-keys.js';
import { lazyHandlers, percentile, postFile, requestUpload, StorageInspector, type Endpoints } from '../test/reliability/support.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = ['portrait-orientation-6.jpg', 'progressive-zero-date.jpg', 'cmyk-icc.jpg', 'iphone-xr-gps-1x1.jpg'];
/** Attempts a client makes for one request before it gives the upload up, as a visitor retrying. */
const CLIENT_ATTEMPTS = 6;

export interface LoadOptions {
  readonly count: number;
  readonly concurrency: number;
  readonly faults: boolean;
  /** The upload phase stops starting uploads after this many milliseconds. */
  readonly timeLimitMs: number;
  /** Share of events process-photo fails on every attempt with `faults`; as many more fail only the first attempt. */
  readonly failShare?: number;
  /** How long dynalite stays down with `faults`, in milliseconds. @default 5000 */
  readonly dynamoDownMs?: number;
  /** How long s3rver stays down with `faults`, in milliseconds. @default 2000 */
  readonly s3DownMs?: number;
  readonly log?: (line: string) => void;
}

export interface LoadReport {
  readonly requested: number;
  /** Uploads whose presigned POST returned 204 to the client. */
  readonly accepted: number;
  /** Uploads given up after `CLIENT_ATTEMPTS` attempts. */
  readonly abandoned: number;
  /** Objects S3 stored under photos/, which the pipeline owes an outcome. */
  readonly stored: number;
  readonly uploadPhaseMs: number;
  readonly uploadsPerSecond: number;
  /** From the first upload until process-photo had nothing left to do, retries included, in milliseconds. */
  readonly drainMs: number;
  /** The machine's 1-, 5- and 15-minute load averages before the run. */
  readonly loadAverageAtStart: readonly number[];
  /** From the client's 204 to the end of the invocation that indexed the photo, in milliseconds. */
  readonly uploadToIndexedMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number; readonly count: number };
  /** Failed client attempts by kind, for example `presign 502` or `post ECONNRESET`. */
  readonly clientErrors: Readonly<Record<string, number>>;
  readonly faults: {
    readonly dynamoRestarts: number;
    readonly s3Restarts: number;
    readonly injectedFailures: number;
    readonly failedEvents: number;
    readonly reconciled: number;
  };
  readonly outcome: { readonly indexed: number; readonly rejected: number; readonly pendingBeforeReconcile: number };
  /** Every broken promise the verification found; empty when nothing was lost or doubled. */
  readonly problems: readonly string[];
}

function errorKind(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;

  return cause?.code ?? (error instanceof Error ? error.name : 'unknown');
}

/** Presigns and uploads one photo with client retries; returns the upload id and when S3 confirmed it. */
async function uploadOne(
  endpoints: Endpoints,
  origin: string,
  index: number,
  photo: Buffer,
  countError: (kind: string) => void,
): Promise<{ uploadId: string; storedAt: number } | undefined> {
  const body = { barName: `Load Bar ${index % 7}`, drinkName: `Drink ${index % 23}`, contentType: 'image/jpeg', contentLength: photo.length };
  let upload: CreateUploadResponse | undefined;
  for (let attempt = 1; attempt <= CLIENT_ATTEMPTS; attempt++) {
    if (upload === undefined) {
      try {
        const presign = await requestUpload(endpoints, body, { Origin: origin });
        if (presign.status === 201) upload = presign.body as unknown as CreateUploadResponse;
        else countError(`presign ${presign.status}`);
      } catch (error) {
        countError(`presign ${errorKind(error)}`);
      }
    }
    if (upload !== undefined) {
      try {
        const post = await postFile(upload, photo, { contentType: 'image/jpeg', origin });
        if (post.status === 204) return { uploadId: upload.uploadId, storedAt: Date.now() };
        countError(`post ${post.status}`);
      } catch (error) {
        countError(`post ${errorKind(error)}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
  }

  return undefined;
}

/** Runs the load; see the module comment. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const failShare = options.faults ? (options.failShare ?? 0.05) : 0;
  const dataDir = await mkdtemp(join(tmpdir(), 'drink-load-'));
  // reconcile runs as a developer would run it, without the Lambda variables startEmbedded sets here.
  const shellEnv = { ...process.env };
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const photos = await Promise.all(FIXTURES.map((name) => readFile(join(REPOSITORY_ROOT, 'test/fixtures', name))));

  // process-photo, wrapped: it records when each upload's invocation first succeeded, and with
  // faults it fails before any work on a share of uploads, or after its work on their first attempt.
  const storedKeys = new Set<string>();
  const finishedAt = new Map<string, number>();
  const attempts = new Map<string, number>();
  const ordinals = new Map<string, number>();
  // Every period-th upload to arrive fails on every attempt, and the one after it fails once.
  const period = failShare > 0 ? Math.max(2, Math.round(1 / failShare)) : 0;
  let injectedFailures = 0;
  const handlers = lazyHandlers((real) => async (event: S3Event) => {
    const key = decodeEventKey(event.Records[0]?.s3.object.key ?? '');
    const uploadId = parseOriginalKey(key)?.uploadId ?? key;
    storedKeys.add(uploadId);
    const attempt = (attempts.get(uploadId) ?? 0) + 1;
    attempts.set(uploadId, attempt);
    if (!ordinals.has(uploadId)) ordinals.set(uploadId, ordinals.size);
    const slot = period > 0 ? (ordinals.get(uploadId) as number) % period : -1;
    if (slot === 0) {
      injectedFailures++;
      throw new Error('injected failure before any work');
    }

    await real(event);
    if (slot === 1 && attempt === 1) {
      injectedFailures++;
      throw new Error('injected failure after the work was done');
    }
    if (!finishedAt.has(uploadId)) finishedAt.set(uploadId, Date.now());
  });

  const loadAverageAtStart = loadavg();
  let embedded: Embedded | undefined = await startEmbedded({ dataDir, port: 0, handlers });
  const endpoints: Endpoints = embedded;
  const origin = new URL(embedded.url).origin;
  const clientErrors: Record<string, number> = {};
  const countError = (kind: string) => {
    clientErrors[kind] = (clientErrors[kind] ?? 0) + 1;
  };
  const accepted = new Map<string, number>();
  let abandoned = 0;
  let completed = 0;
  let dynamoRestarts = 0;
  let s3Restarts = 0;

  try {
    const startedAt = Date.now();
    const deadline = startedAt + options.timeLimitMs;
    let next = 0;
    const worker = async () => {
      while (next < options.count && Date.now() < deadline) {
        const index = next++;
        const result = await uploadOne(endpoints, origin, index, photos[index % photos.length] as Buffer, countError);
        if (result === undefined) abandoned++;
        else accepted.set(result.uploadId, result.storedAt);
        completed++;
      }
    };
    const faultPlan = async () => {
      if (!options.faults || embedded === undefined) return;
      const storage = embedded.storage;
      const waitFor = async (target: number) => {
        while (completed < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await waitFor(Math.ceil(options.count * 0.2));
      log(`fault: DynamoDB stopped for ${options.dynamoDownMs ?? 5000} ms after ${completed} uploads`);
      await storage.restartDynamo(options.dynamoDownMs ?? 5000);
      dynamoRestarts++;
      // The S3 restart waits for a tenth more of the uploads, and no longer than the last one, so
      // that it cuts off uploads in flight.
      await waitFor(Math.min(options.count - 1, completed + Math.ceil(options.count * 0.1)));
      log(`fault: S3 restarted, down for ${options.s3DownMs ?? 2000} ms, after ${completed} uploads`);
      await storage.restartS3(options.s3DownMs ?? 2000);
      s3Restarts++;
    };
    await Promise.all([...Array.from({ length: options.concurrency }, worker), faultPlan()]);
    const uploadPhaseMs = Date.now() - startedAt;
    log(`uploads done: ${accepted.size} accepted, ${abandoned} abandoned in ${uploadPhaseMs} ms; waiting for process-photo`);
    let idleTimer: NodeJS.Timeout | undefined;
    await Promise.race([embedded.idle(), new Promise((resolve) => (idleTimer = setTimeout(resolve, Math.max(30_000, options.timeLimitMs))))]);
    clearTimeout(idleTimer);
    const drainMs = Date.now() - startedAt;

    const failedEvents = (await readFile(embedded.failureFile, 'utf8').catch(() => '')).split('\n').filter((line) => line.trim() !== '').length;
    const inspector = new StorageInspector(embedded);
    const pendingBeforeReconcile = (await inspector.scanTable()).filter((item) => item.type === 'upload' && item.status === 'pending' && storedKeys.has(String(item.uploadId))).length;
    inspector.destroy();
    await embedded.stop();
    embedded = undefined;

    // reconcile --local opens the data folder itself, so it runs once the runtime has stopped.
    let reconciled = 0;
    if (failedEvents > 0 || pendingBeforeReconcile > 0) {
      log(`reconcile: ${failedEvents} events in the failure file, ${pendingBeforeReconcile} uploads pending`);
      const result = spawnSync(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'backend/local/reconcile.ts'), '--local', '--data-dir', dataDir], {
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...shellEnv, AWS_PROFILE: '', BUCKET_NAME: '', TABLE_NAME: '' },
      });
      reconciled = (result.stdout.match(/^processed /gm) ?? []).length;
      log(result.stdout.trim().split('\n').at(-1) ?? `reconcile exited with ${result.status}`);
      if (result.status !== 0) {
        const firstFailure = result.stdout.split('\n').find((line) => line.startsWith('failed')) ?? '';
        throw new Error(`reconcile exited with ${result.status}: ${firstFailure} ${result.stderr}`.trim());
      }
    }

    const verification = await verify(dataDir, storedKeys, accepted);
    const latencies = [...accepted].flatMap(([uploadId, storedAt]) => {
      const end = finishedAt.get(uploadId);
      return end !== undefined && verification.indexedIds.has(uploadId) ? [Math.max(0, end - storedAt)] : [];
    }).sort((a, b) => a - b);

    return {
      requested: options.count,
      accepted: accepted.size,
      abandoned,
      stored: storedKeys.size,
      uploadPhaseMs,
      uploadsPerSecond: accepted.size / (uploadPhaseMs / 1000),
      drainMs,
      loadAverageAtStart,
      uploadToIndexedMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN, count: latencies.length },
      clientErrors,
      faults: { dynamoRestarts, s3Restarts, injectedFailures, failedEvents, reconciled },
      outcome: { indexed: verification.indexedIds.size, rejected: verification.rejected, pendingBeforeReconcile },
      problems: verification.problems,
    };
  } finally {
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Reads the data folder after the run and checks each stored upload. It must be indexed with
 * exactly one photo item and four renditions, or rejected with a reason and have neither. No photo
 * item may belong to an upload that S3 never stored.
 */
async function verify(dataDir: string, storedIds: ReadonlySet<string>, accepted: ReadonlyMap<string, number>) {
  const storage = await startStorage({ dataDir });
  const inspector = new StorageInspector(storage);
  try {
    const items = await inspector.scanTable();
    // NOTE: s3rver 3.7 fails a listing of more than 1000 keys with InternalError, because its
    // continuation token uses DES, which OpenSSL 3 in Node.js 17 and later lacks. So the renditions
    // are listed one upload at a time.
    const renditions: string[] = [];
    for (const uploadId of new Set([...storedIds, ...accepted.keys()])) renditions.push(...(await inspector.listKeys(`renditions/${uploadId}/`)));
    const problems: string[] = [];
    const indexedIds = new Set<string>();
    let rejected = 0;

    const photoCount = new Map<string, number>();
    for (const item of items) {
      if (item.type !== 'photo') continue;
      const uploadId = String((item.photo as { uploadId?: string } | undefined)?.uploadId);
      photoCount.set(uploadId, (photoCount.get(uploadId) ?? 0) + 1);
      if (!storedIds.has(uploadId)) problems.push(`photo item of ${uploadId}, which S3 never stored`);
    }
    const renditionCount = new Map<string, number>();
    for (const key of renditions) {
      const uploadId = key.split('/')[1] as string;
      renditionCount.set(uploadId, (renditionCount.get(uploadId) ?? 0) + 1);
    }
    for (const uploadId of accepted.keys()) {
      if (!storedIds.has(uploadId)) problems.push(`${uploadId}: the client got 204 but process-photo never saw its event`);
    }

    for (const uploadId of storedIds) {
      const status = items.find((item) => item.pk === `UPLOAD#${uploadId}`);
      const photos = photoCount.get(uploadId) ?? 0;
      const files = renditionCount.get(uploadId) ?? 0;
      if (status?.status === 'indexed') {
        indexedIds.add(uploadId);
        if (photos !== 1) problems.push(`${uploadId}: indexed with ${photos} photo items`);
        if (files !== 4) problems.push(`${uploadId}: indexed with ${files} renditions`);
      } else if (status?.status === 'rejected') {
        rejected++;
        if (!status.reason) problems.push(`${uploadId}: rejected without a reason`);
        if (photos !== 0 || files !== 0) problems.push(`${uploadId}: rejected but has ${photos} photo items and ${files} renditions`);
      } else {
        problems.push(`${uploadId}: status ${String(status?.status)} after the run`);
      }
    }

    return { problems, indexedIds, rejected };
  } finally {
    inspector.destroy();
    await storage.stop();
  }
}

function formatMs(value: number): string {
  return Number.isNaN(value) ? 'n/a' : `${Math.round(value)} ms`;
}

/** Prints the report as the lines docs/reliability.md quotes. */
export function formatReport(report: LoadReport, options: LoadOptions, command: string): string {
  const latency = report.uploadToIndexedMs;
  const errors = Object.entries(report.clientErrors).map(([kind, count]) => `${kind} ×${count}`).join(', ') || 'none';

  return [
    `command: ${command}`,
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node.js ${process.version}; ` +
      `load average ${report.loadAverageAtStart.map((value) => value.toFixed(2)).join(' ')} before, ${loadavg().map((value) => value.toFixed(2)).join(' ')} after`,
    `uploads: ${report.requested} requested, ${report.accepted} accepted (204), ${report.abandoned} abandoned, ${report.stored} stored in S3; concurrency ${options.concurrency}`,
    `throughput: ${report.uploadsPerSecond.toFixed(1)} uploads/s over ${(report.uploadPhaseMs / 1000).toFixed(1)} s; ` +
      `process-photo done after ${(report.drainMs / 1000).toFixed(1)} s (${(report.stored / (report.drainMs / 1000)).toFixed(1)} photos/s)`,
    `upload-to-indexed: p50 ${formatMs(latency.p50)}, p95 ${formatMs(latency.p95)}, p99 ${formatMs(latency.p99)}, max ${formatMs(latency.max)} (${latency.count} photos indexed by the runtime)`,
    `client errors (failed attempts, each retried): ${errors}`,
    `faults: ${report.faults.dynamoRestarts} DynamoDB stops, ${report.faults.s3Restarts} S3 restarts, ${report.faults.injectedFailures} injected process-photo failures, ${report.faults.failedEvents} events in the failure file, ${report.faults.reconciled} photos reconciled`,
    `outcome: ${report.outcome.indexed} indexed exactly once, ${report.outcome.rejected} rejected, ${report.outcome.pendingBeforeReconcile} pending before reconcile`,
    `verification: ${report.problems.length === 0 ? 'every stored upload is indexed exactly once or rejected with a reason' : `${report.problems.length} problems`}`,
    ...report.problems.slice(0, 20).map((problem) => `  ${problem}`),
  ].join('\n');
}

const HELP = `Usage: npm run load -- [options]

Uploads photos through the HTTP API and the presigned POST into a fresh embedded default on
127.0.0.1, then checks that every upload S3 stored ends indexed exactly once or rejected.

Options:
  -n, --count N         Uploads to make. Default: 500
  -c, --concurrency C   Uploads in flight at once. Default: 16
      --faults          Stop DynamoDB for 5 s at 20% of the uploads, restart S3 once a tenth more
                        are done, and fail
                        process-photo on 5% of uploads every time and on 5% more once; then
                        run reconcile --local.
      --time-limit S    Start no upload after S seconds. Default: 300
  -h, --help            Show this help.
Exit status: 0 when the verification found no problem, 1 otherwise, 2 for invalid options.`;

async function main(): Promise<number> {
  let options: LoadOptions;
  try {
    const { values } = parseArgs({
      options: {
        count: { type: 'string', short: 'n', default: '500' },
        concurrency: { type: 'string', short: 'c', default: '16' },
        faults: { type: 'boolean', default: false },
        'time-limit': { type: 'string', default: '300' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const count = Number(values.count);
    const concurrency = Number(values.concurrency);
    const timeLimit = Number(values['time-limit']);
    if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new Error(`--count is ${values.count}; use a whole number from 1 to 100000`);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new Error(`--concurrency is ${values.concurrency}; use a whole number from 1 to 256`);
    if (!(timeLimit > 0 && timeLimit <= 3600)) throw new Error(`--time-limit is ${values['time-limit']}; use seconds from 1 to 3600`);
    options = { count, concurrency, faults: values.faults, timeLimitMs: timeLimit * 1000, log: (line) => console.error(line) };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }

  const report = await runLoad(options);
  console.log(formatReport(report, options, `npm run load -- ${process.argv.slice(2).join(' ')}`.trim()));

  return report.problems.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  process.exitCode = await main();
}
