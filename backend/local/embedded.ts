/**
 * The embedded default: the whole pipeline on one machine, with no AWS account. It starts s3rver
 * and dynalite, sets the handlers' environment, imports the real handlers and serves the API (as
 * API Gateway proxy events), the demo site and the inspector from one HTTP server. S3 events of new
 * originals reach process-photo as asynchronous invocations, and traces and logs are kept in
 * memory for the inspector.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event } from 'aws-lambda';

import type { CreateUploadRequest, CreateUploadResponse, UploadStatusResponse } from '../shared/api.js';
import { decodeEventKey, parseOriginalKey } from '../shared/object-keys.js';
import { createHttpApi, uploadStatusEvent, type ApiCallReport, type ApiFunctionName } from './http-api.js';
import { createInspectorApi } from './inspector-api.js';
import { installTraceContext, lambdaEnvironment, LocalFunction, type LambdaHandler } from './lambda-runtime.js';
import { LogBuffer, startLogCapture, type LogCapture, type LogEntry } from './log-capture.js';
import { AsyncDelivery, matchesPhotoNotification, toAwsRecord, type AttemptReport, type S3rverEvent } from './s3-events.js';
import { installS3Front } from './s3-front.js';
import { createStaticFiles } from './static-files.js';
import { formatDuration, type PipelineStep } from './steps.js';
import { handlerEnvironment, LOCAL_CREDENTIALS, LOCAL_REGION, startStorage, type Storage } from './storage.js';
import { UploadRegistry } from './uploads.js';
import { startXrayDaemon, TraceStore, type SegmentDocument, type XrayDaemon } from './xray-daemon.js';

/** The three handlers; tests may pass stubs, `startEmbedded` imports the real ones otherwise. */
export interface Handlers {
  readonly presign: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
  readonly processPhoto: LambdaHandler<S3Event, void>;
  readonly query: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
}

export interface EmbeddedOptions {
  /** Folder of the S3 and DynamoDB data and the failure file; created when missing. */
  readonly dataDir: string;
  /** Port of the HTTP server; 0 picks a free one. @default 8080 */
  readonly port?: number;
  /** Address the HTTP server listens on. @default '127.0.0.1' */
  readonly host?: string;
  /** Port of the S3 endpoint. @default port + 1, or a free one when that is taken or port is 0 */
  readonly s3Port?: number;
  /** @default 'drink-photos' */
  readonly bucketName?: string;
  /** @default 'drink-photos' */
  readonly tableName?: string;
  readonly handlers?: Handlers;
  /** Receives one readable step per pipeline event. */
  readonly onStep?: (step: PipelineStep) => void;
  /** Writes the handlers' output to the terminal unchanged, besides capturing it. @default false */
  readonly passThroughLogs?: boolean;
  /** Delays before the retries of a failed process-photo invocation, in milliseconds. @default [1000, 2000] */
  readonly retryDelaysMs?: readonly number[];
  /** process-photo invocations running at once. @default 4 */
  readonly concurrency?: number;
  /**
   * Origins of other sites allowed to call the API and upload to the bucket, besides the demo
   * site's own; `*` allows any. @default []
   */
  readonly allowedOrigins?: readonly string[];
  /** Folders served at `/`, in order. @default demo-site/, dist/cdn/, backend/local/inspector/ */
  readonly siteDirs?: readonly string[];
}

export interface Embedded {
  /** URL of the demo site, for example `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** Base URL of the API, for example `http://127.0.0.1:8080/api`. */
  readonly apiUrl: string;
  readonly s3Endpoint: string;
  readonly dynamoEndpoint: string;
  readonly bucketName: string;
  readonly tableName: string;
  readonly dataDir: string;
  /** JSON Lines file of S3 events whose process-photo retries were exhausted. */
  readonly failureFile: string;
  readonly traces: TraceStore;
  readonly logs: LogBuffer;
  readonly uploads: UploadRegistry;
  /** The S3 and DynamoDB servers, with the restart hooks of the fault tests. */
  readonly storage: Storage;
  /** Resolves once no S3 event is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /** Stops the servers; the data stays in `dataDir`. */
  stop(): Promise<void>;
}

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Ports of the first start in this process. The handler modules read their environment once, when
 * imported, so a later start in the same process must reuse the same endpoints.
 */
let processPorts: { port: number; s3Port: number; dynamoPort: number; daemonPort: number } | undefined;
let running = false;

/**
 * Starts the whole pipeline; see the module comment. Only one instance may run in a process at a
 * time, and a later start in the same process reuses the ports of the first.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  if (running) throw new Error('startEmbedded is already running in this process; stop the running instance first');
  running = true;

  try {
    return await start(options);
  } catch (error) {
    running = false;
    throw error;
  }
}

async function start(options: EmbeddedOptions): Promise<Embedded> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const onStep = options.onStep ?? (() => undefined);
  const failureFile = join(dataDir, 'failed-events.jsonl');
  let handleRequest: (request: IncomingMessage, response: ServerResponse) => Promise<void> = async (_request, response) => {
    response.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' });
    response.end(JSON.stringify({ error: 'Starting', message: 'the local runtime is still starting; retry in a second' }));
  };

  // The server listens first, because the demo site's origin (with its port) goes into the
  // bucket's CORS rules and the handlers' ALLOWED_ORIGINS.
  const server = createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      onStep({ at: Date.now(), step: 'runtime', outcome: 'error', level: 'error', fields: [['', errorText(error)]] });
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: 'InternalError', message: 'the local runtime failed; see the terminal' }));
    });
  });
  const port = await listen(server, portForThisStart('port', options.port ?? 8080, processPorts?.port), host);
  const origins = [
    ...new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://${host}:${port}`, ...(options.allowedOrigins ?? [])]),
  ];

  let storage: Storage | undefined;
  let daemon: XrayDaemon | undefined;
  let logCapture: LogCapture | undefined;
  try {
    storage = await startStorageWithFallback(options, dataDir, port, origins);
    const traces = new TraceStore();
    daemon = await startXrayDaemon(traces, processPorts?.daemonPort ?? 0);
    processPorts = {
      port,
      s3Port: Number(new URL(storage.s3Endpoint).port),
      dynamoPort: Number(new URL(storage.dynamoEndpoint).port),
      daemonPort: daemon.port,
    };

    setHandlerEnvironment(storage, daemon.address, origins);
    await installTraceContext(daemon.address);

    const logs = new LogBuffer();
    const uploads = new UploadRegistry();
    logCapture = startLogCapture({
      buffer: logs,
      passThrough: options.passThroughLogs,
      onEntry: (entry) => reportLogEntry(entry, onStep),
    });

    const handlers = options.handlers ?? (await importHandlers());
    const traceSink = (segment: SegmentDocument) => traces.add(segment);
    const functions = {
      presign: new LocalFunction({ name: 'presign', handler: handlers.presign, region: LOCAL_REGION, traceSink, timeoutSeconds: 10 }),
      query: new LocalFunction({ name: 'query', handler: handlers.query, region: LOCAL_REGION, traceSink, timeoutSeconds: 10 }),
      processPhoto: new LocalFunction({
        name: 'process-photo',
        handler: handlers.processPhoto,
        region: LOCAL_REGION,
        traceSink,
        memoryMb: 2048,
        timeoutSeconds: 60,
      }),
    };

    const pipeline = new PipelineObserver(uploads, onStep, functions.query);
    const delivery = new AsyncDelivery({
      functionArn: functions.processPhoto.arn,
      failureFile,
      retryDelaysMs: options.retryDelaysMs,
      concurrency: options.concurrency,
      invoke: async (event, attempt) => {
        const invocation = await functions.processPhoto.invoke(event);
        await pipeline.processed(event, attempt, invocation);

        return invocation;
      },
      onAttempt: (report) => pipeline.attempted(report),
      onFailureFileError: (error) =>
        onStep({ at: Date.now(), step: 'runtime', outcome: 'error', level: 'error', fields: [['', `failed to write ${failureFile}: ${error.message}`]] }),
    });

    const s3Requests = installS3Front(storage.s3rver, {
      bucket: storage.bucketName,
      secrets: { [LOCAL_CREDENTIALS.accessKeyId]: LOCAL_CREDENTIALS.secretAccessKey },
      allowedOrigins: origins,
      // The form fields around the file take a few kilobytes; 1 MiB leaves room for any policy.
      maxBodyBytes: () => Number(process.env.MAX_UPLOAD_BYTES || 20 * 1024 * 1024) + 1024 * 1024,
    });
    (storage.s3rver as unknown as EventEmitter).on('event', (event: S3rverEvent) => {
      for (const record of event.Records) {
        if (!matchesPhotoNotification(record)) continue;

        const awsEvent: S3Event = { Records: [toAwsRecord(record, { region: LOCAL_REGION })] };
        pipeline.uploaded(awsEvent, s3Requests.getStore());
        delivery.submit(awsEvent);
      }
    });

    const api = createHttpApi({
      allowedOrigins: origins,
      traceSink,
      invoke: (functionName: ApiFunctionName, event, trace) => functions[functionName].invoke(event, trace),
      onCall: (report) => pipeline.apiCalled(report),
    });
    const inspector = createInspectorApi({ traces, logs, uploads, failureFile });
    const serveStatic = createStaticFiles(
      options.siteDirs ?? [join(REPOSITORY_ROOT, 'demo-site'), join(REPOSITORY_ROOT, 'dist/cdn'), join(REPOSITORY_ROOT, 'backend/local/inspector')],
    );

    handleRequest = async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const path = url.pathname;

      if (path === '/api' || path.startsWith('/api/')) {
        await api(request, response, path.slice('/api'.length) || '/', url.search);
        return;
      }
      if (path.startsWith('/_local/')) {
        await inspector(request, response, path.slice('/_local'.length), url.searchParams);
        return;
      }
      if (await serveStatic(request, response, path)) return;

      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`not found: ${path}\n`);
    };

    const activeStorage = storage;
    const activeDaemon = daemon;
    const activeLogCapture = logCapture;
    const base = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;

    return {
      url: `${base}/`,
      apiUrl: `${base}/api`,
      s3Endpoint: storage.s3Endpoint,
      dynamoEndpoint: storage.dynamoEndpoint,
      bucketName: storage.bucketName,
      tableName: storage.tableName,
      dataDir,
      failureFile,
      traces,
      logs,
      uploads,
      storage: activeStorage,
      idle: () => delivery.idle(),
      async stop() {
        delivery.stop();
        await closeServer(server);
        await delivery.idle();
        activeLogCapture.stop();
        await Promise.allSettled([activeStorage.stop(), activeDaemon.close()]);
        running = false;
      },
    };
  } catch (error) {
    logCapture?.stop();
    await closeServer(server);
    await Promise.allSettled([storage?.stop(), daemon?.close()]);
    throw error;
  }
}

/**
 * Returns the port to use: the requested one on the first start in this process, and the port of
 * the first start afterwards, because the handlers keep the endpoints and origins they read then.
 */
function portForThisStart(name: string, requested: number, previous: number | undefined): number {
  if (previous === undefined) return requested;
  if (requested === 0 || requested === previous) return previous;

  throw new Error(
    `${name} ${requested} differs from port ${previous} of the first start in this process; ` +
      'the handlers keep the endpoints they read when first imported, so pass 0 or the same port, or use a new process',
  );
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EADDRINUSE' ? `; port ${port} is taken, choose another with PORT` : '';
      reject(new Error(`HTTP server failed to listen on ${host}:${port}${hint}`, { cause: error }));
    });
    server.listen(port, host, () => resolvePort((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();

  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeAllConnections();
  });
}

async function startStorageWithFallback(options: EmbeddedOptions, dataDir: string, port: number, origins: string[]): Promise<Storage> {
  const common = {
    dataDir,
    bucketName: options.bucketName,
    tableName: options.tableName,
    allowedOrigins: origins,
    dynamoPort: processPorts?.dynamoPort ?? 0,
  };
  if (processPorts !== undefined) {
    return startStorage({ ...common, s3Port: portForThisStart('s3Port', options.s3Port ?? 0, processPorts.s3Port) });
  }
  if (options.s3Port !== undefined) {
    if (options.s3Port !== 0 && !(await isPortFree(options.s3Port))) {
      throw new Error(`S3 port ${options.s3Port} is taken; choose a free one with S3_PORT, or leave S3_PORT unset`);
    }

    return startStorage({ ...common, s3Port: options.s3Port });
  }

  // s3rver 3.7 reports a taken port as an uncaught 'error' event, so the port is checked first.
  const preferred = port === 0 || port === 65535 ? 0 : port + 1;
  const s3Port = preferred !== 0 && (await isPortFree(preferred)) ? preferred : 0;

  return startStorage({ ...common, s3Port });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createNetServer();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)));
  });
}

/**
 * Sets what the handlers read from the environment, before they are imported: their resources and
 * endpoints, local credentials, and the variables that make Powertools and the X-Ray SDK behave as
 * in Lambda. Settings a developer may tune keep a value already set.
 */
function setHandlerEnvironment(storage: Storage, daemonAddress: string, origins: readonly string[]): void {
  Object.assign(process.env, {
    ...handlerEnvironment(storage),
    AWS_DEFAULT_REGION: LOCAL_REGION,
    ALLOWED_ORIGINS: origins.join(','),
    AWS_XRAY_DAEMON_ADDRESS: daemonAddress,
    ...lambdaEnvironment(),
  });
  // AWS_SESSION_TOKEN or AWS_PROFILE from the developer's shell would override the local credentials.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  process.env.POWERTOOLS_SERVICE_NAME ??= 'drink-widgets';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'DrinkWidgets';
}

async function importHandlers(): Promise<Handlers> {
  const [presign, processPhoto, query] = await Promise.all([
    import('../functions/presign.js'),
    import('../functions/process-photo.js'),
    import('../functions/query.js'),
  ]);

  return {
    presign: presign.handler as Handlers['presign'],
    processPhoto: processPhoto.handler as Handlers['processPhoto'],
    query: query.handler as Handlers['query'],
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Prints a handler's warnings and errors; other lines stay in the buffer for the inspector. */
function reportLogEntry(entry: LogEntry, onStep: (step: PipelineStep) => void): void {
  const level = entry.level ?? (entry.kind === 'text' && entry.stream === 'stderr' ? 'ERROR' : undefined);
  if (level !== 'WARN' && level !== 'ERROR' && level !== 'CRITICAL') return;

  const error = entry.fields?.error as { message?: unknown } | undefined;
  onStep({
    at: Date.parse(entry.time) || Date.now(),
    step: entry.functionName,
    outcome: level,
    level: level === 'WARN' ? 'warn' : 'error',
    fields: [
      ['', entry.message],
      ['error', typeof error?.message === 'string' ? error.message : undefined],
      ['upload', entry.uploadId],
      ['trace', entry.traceId],
    ],
  });
}

/** Updates the upload registry and reports each pipeline step from the runtime's own observations. */
class PipelineObserver {
  constructor(
    private readonly uploads: UploadRegistry,
    private readonly onStep: (step: PipelineStep) => void,
    private readonly query: LocalFunction<APIGatewayProxyEvent, APIGatewayProxyResult>,
  ) {}

  apiCalled(report: ApiCallReport): void {
    const invocation = report.invocation;
    if (report.functionName === 'presign' && invocation !== undefined) {
      const request = parseJson<Partial<CreateUploadRequest>>(report.event?.body);
      const response = parseJson<Partial<CreateUploadResponse & { error: string; message: string }>>(invocation.result?.body);

      if (report.statusCode === 201 && typeof response?.uploadId === 'string') {
        const record = this.uploads.ensure(response.uploadId, invocation.startedAt);
        record.barName = request?.barName;
        record.drinkName = request?.drinkName;
        record.presign = {
          traceId: invocation.traceId,
          requestId: invocation.requestId,
          startedAt: invocation.startedAt,
          durationMs: invocation.durationMs,
        };
        this.#step('presign', undefined, [
          ['upload', response.uploadId],
          ['trace', invocation.traceId],
          ['bar', request?.barName],
          ['drink', request?.drinkName],
          ['', formatDuration(invocation.durationMs)],
        ]);
        return;
      }

      this.#step('presign', String(report.statusCode), [
        ['', response?.error],
        ['', response?.message ?? invocation.error?.message],
        ['trace', invocation.traceId],
      ], report.statusCode >= 500 ? 'error' : 'warn');
      return;
    }

    if (report.statusCode >= 500) {
      this.#step(report.functionName ?? 'api', String(report.statusCode), [
        ['', `${report.method} ${report.path}`],
        ['', report.invocation?.error?.message],
        ['trace', report.traceId],
      ], 'error');
    }
  }

  uploaded(event: S3Event, request: { startedAt: number } | undefined): void {
    const object = event.Records[0]?.s3.object;
    if (object === undefined) return;

    const key = decodeEventKey(object.key);
    const parsed = parseOriginalKey(key);
    const storedAt = Date.now();
    let presignTraceId: string | undefined;
    if (parsed !== undefined) {
      const record = this.uploads.ensure(parsed.uploadId, storedAt);
      presignTraceId = record.presign?.traceId;
      record.barName ??= parsed.barName;
      record.drinkName ??= parsed.drinkName;
      record.stage = 'uploaded';
      record.upload = { key, bytes: object.size, eTag: object.eTag ?? '', startedAt: request?.startedAt, storedAt };
    }

    this.#step('upload', undefined, [
      ['upload', parsed?.uploadId],
      ['trace', presignTraceId],
      ['key', parsed === undefined ? key : undefined],
      ['bytes', object.size],
      ['', request ? formatDuration(storedAt - request.startedAt) : undefined],
    ]);
  }

  attempted(report: AttemptReport): void {
    if (report.error === undefined) return;

    const uploadId = this.#uploadId(report.event);
    const outcome = report.exhausted ? 'failed' : 'retry';
    this.#step('process-photo', outcome, [
      ['upload', uploadId],
      ['attempt', report.attempt],
      ['error', report.error.message],
      ['', report.exhausted ? 'event written to failed-events.jsonl' : undefined],
    ], 'error');
    if (report.exhausted && uploadId !== undefined) this.uploads.ensure(uploadId).stage = 'failed';
  }

  async processed(
    event: S3Event,
    attempt: number,
    invocation: { requestId: string; traceId: string; startedAt: number; durationMs: number; error?: Error },
  ): Promise<void> {
    const uploadId = this.#uploadId(event);
    if (uploadId === undefined) return;

    const record = this.uploads.ensure(uploadId);
    record.processing.push({
      traceId: invocation.traceId,
      requestId: invocation.requestId,
      attempt,
      startedAt: invocation.startedAt,
      durationMs: invocation.durationMs,
      error: invocation.error?.message,
    });
    if (invocation.error !== undefined) {
      record.stage = 'processing';
      return;
    }

    const status = await this.#status(uploadId);
    record.stage = status?.status ?? 'processing';
    record.reason = status?.reason;
    const endedAt = invocation.startedAt + invocation.durationMs;
    if (record.stage === 'indexed' && record.upload) record.uploadToIndexedMs = endedAt - record.upload.storedAt;

    // An S3 event starts a new trace. The line leads with the presign request's trace id, so one
    // search of the terminal finds every step of the upload, and names the processing trace apart.
    const presignTraceId = record.presign?.traceId;
    this.#step('process-photo', record.stage, [
      ['upload', uploadId],
      ['trace', presignTraceId ?? invocation.traceId],
      ['process-trace', presignTraceId === undefined ? undefined : invocation.traceId],
      ['reason', record.reason],
      ['', formatDuration(invocation.durationMs)],
      ['upload-to-indexed', record.uploadToIndexedMs === undefined ? undefined : formatDuration(record.uploadToIndexedMs)],
    ], record.stage === 'rejected' ? 'warn' : 'info');
  }

  /** Reads the upload's status through the query handler, as the widgets do. */
  async #status(uploadId: string): Promise<UploadStatusResponse | undefined> {
    const event = uploadStatusEvent(uploadId, 'local');
    const invocation = await this.query.invoke(event);
    if (invocation.result?.statusCode !== 200) return undefined;

    return parseJson<UploadStatusResponse>(invocation.result.body);
  }

  #uploadId(event: S3Event): string | undefined {
    const key = event.Records[0]?.s3.object.key;

    return key === undefined ? undefined : parseOriginalKey(decodeEventKey(key))?.uploadId;
  }

  #step(step: string, outcome: string | undefined, fields: PipelineStep['fields'], level: PipelineStep['level'] = 'info'): void {
    this.onStep({ at: Date.now(), step, outcome, fields, level });
  }
}

function parseJson<T>(text: string | null | undefined): T | undefined {
  if (!text) return undefined;

  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
