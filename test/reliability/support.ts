/**
 * Helpers of the reliability tests and of `bench/load.ts`. They send requests to a running embedded
 * default through its HTTP API and S3 endpoint, as a browser sends them, and read the whole bucket
 * and table to check what the pipeline kept.
 */
import { request as httpRequest } from 'node:http';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

import type { S3Event } from 'aws-lambda';

import type { Handlers } from '../../backend/local/embedded.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../backend/local/storage.js';
import type { CreateUploadResponse, UploadStatusResponse } from '../../backend/shared/api.js';

/** Where a running embedded default listens; `Embedded` has these fields. */
export interface Endpoints {
  readonly url: string;
  readonly apiUrl: string;
  readonly s3Endpoint: string;
  readonly dynamoEndpoint: string;
  readonly bucketName: string;
  readonly tableName: string;
}

/**
 * Returns the real handlers, each imported on its first call. The handlers read their environment
 * when imported, and `startEmbedded` sets it only after it took `handlers`, so they cannot be
 * imported earlier. `processPhoto` may be wrapped, for example to record or fail events.
 */
export function lazyHandlers(
  wrapProcessPhoto: (real: (event: S3Event) => Promise<void>) => (event: S3Event) => Promise<void> = (real) => real,
): Handlers {
  const realProcessPhoto = async (event: S3Event) => (await import('../../backend/functions/process-photo.js')).handler(event);
  const processPhoto = wrapProcessPhoto(realProcessPhoto);

  return {
    presign: async (event) => (await import('../../backend/functions/presign.js')).handler(event),
    query: async (event) => (await import('../../backend/functions/query.js')).handler(event),
    processPhoto: (event) => processPhoto(event),
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/**
 * Sends one HTTP request with the path exactly as given, because `fetch` normalizes `..` and
 * percent-escapes. Times out after `timeoutMs`.
 */
export function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number },
): Promise<RawResponse> {
  const base = new URL(baseUrl);

  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: base.hostname, port: base.port, method: options.method, path: options.path, headers: options.headers, timeout: options.timeoutMs ?? 30_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${options.method} ${options.path} timed out after ${options.timeoutMs ?? 30_000} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

export interface ApiResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** Sends a request to the API (path below `/api`) and parses the JSON body, if any. */
export async function callApi(endpoints: Endpoints, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<ApiResult> {
  const response = await fetch(`${endpoints.apiUrl}${path}`, {
    method,
    headers: init.headers,
    body: init.body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }

  return { status: response.status, headers: response.headers, body };
}

/** Requests a presigned POST; returns the raw result, whatever the status. */
export function requestUpload(endpoints: Endpoints, body: unknown, headers: Record<string, string> = {}): Promise<ApiResult> {
  return callApi(endpoints, 'POST', '/uploads', {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** Sends a file through a presigned POST as a browser form does; returns the status and the S3 body. */
export async function postFile(
  upload: Pick<CreateUploadResponse, 'url' | 'fields'>,
  bytes: Uint8Array,
  options: { contentType?: string; fieldOverrides?: Record<string, string>; origin?: string } = {},
): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...options.fieldOverrides })) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: options.contentType ?? 'application/octet-stream' }), 'photo');
  const response = await fetch(upload.url, {
    method: 'POST',
    body: form,
    headers: options.origin ? { Origin: options.origin } : {},
    signal: AbortSignal.timeout(60_000),
  });

  return { status: response.status, text: await response.text() };
}

/** Polls `GET /uploads/{id}` until the status is no longer `pending` or `timeoutMs` passes. */
export async function waitForStatus(endpoints: Endpoints, uploadId: string, timeoutMs = 30_000): Promise<UploadStatusResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await callApi(endpoints, 'GET', `/uploads/${uploadId}`);
    const status = result.body as unknown as UploadStatusResponse;
    if (result.status !== 200) throw new Error(`GET /uploads/${uploadId} returned ${result.status}: ${JSON.stringify(result.body)}`);
    if (status.status !== 'pending' || Date.now() > deadline) return status;

    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Direct clients of the local S3 and DynamoDB servers, for checks the API does not offer. */
export class StorageInspector {
  readonly s3: S3Client;
  readonly dynamo: DynamoDBDocumentClient;
  readonly #bucket: string;
  readonly #table: string;

  constructor(endpoints: Pick<Endpoints, 's3Endpoint' | 'dynamoEndpoint' | 'bucketName' | 'tableName'>) {
    this.#bucket = endpoints.bucketName;
    this.#table = endpoints.tableName;
    this.s3 = new S3Client({ endpoint: endpoints.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    this.dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: endpoints.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
  }

  /** Lists every key under `prefix`, page by page. */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);

    return keys.sort();
  }

  /** Reads every item of the table, sorted by partition and sort key. */
  async scanTable(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamo.send(new ScanCommand({ TableName: this.#table, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);

    const order = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;

    return items.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }

  destroy(): void {
    this.s3.destroy();
    this.dynamo.destroy();
  }
}

/** Returns the index items (drink, photo, bars list) that refer to `uploadId`. */
export function indexItemsOf(items: readonly Record<string, unknown>[], uploadId: string): Record<string, unknown>[] {
  return items.filter((item) => item.type !== 'upload' && JSON.stringify(item).includes(uploadId));
}

/** Returns a value's nearest rank percentile, `p` from 0 to 100, of values sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;

  const rank = Math.ceil((p / 100) * sorted.length);

  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Creates a deterministic random source (mulberry32), so a failing shuffle can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;

  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);

    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
