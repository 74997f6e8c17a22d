/**
 * Test harness of the handlers. It runs real s3rver and dynalite on 127.0.0.1 through the local
 * runtime's `startStorage` and sets the environment the handlers read. It builds API Gateway proxy
 * events, uploads through the presigned POST, and collects the S3 events s3rver emits, with keys
 * URL-encoded as S3 sends them.
 *
 * Import this module before the handlers, because they read the environment when first loaded.
 */
import type { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event, S3EventRecord } from 'aws-lambda';

import sharp from 'sharp';

import { handlerEnvironment, startStorage, type Storage } from '../local/storage.js';
import type { CreateUploadResponse } from '../shared/api.js';
import { encodeEventKey } from '../shared/object-keys.js';

export const FIXTURES = new URL('../../test/fixtures/', import.meta.url);

export function readFixture(name: string): Promise<Buffer> {
  return readFile(new URL(name, FIXTURES));
}

export interface Harness {
  readonly storage: Storage;
  /** S3 event records of objects created, in the order s3rver emitted them, keys URL-encoded. */
  readonly records: S3EventRecord[];
  stop(): Promise<void>;
}

/** Environment the handlers read; set before they are imported, restored by `stop`. */
export async function startHarness(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'drink-widgets-test-'));
  const storage = await startStorage({ dataDir });
  const env: Record<string, string> = {
    ...handlerEnvironment(storage),
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...extraEnv,
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);

  const records: S3EventRecord[] = [];
  // s3rver is an event emitter (a Koa application), which @types/s3rver leaves out.
  (storage.s3rver as unknown as EventEmitter).on('event', (event: S3Event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      // s3rver puts the raw key in its events; S3 URL-encodes it, which process-photo expects.
      records.push({ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeEventKey(record.s3.object.key) } } });
    }
  });

  return {
    storage,
    records,
    async stop() {
      await storage.stop();
      await rm(dataDir, { recursive: true, force: true });
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

export interface ApiRequest {
  readonly method?: string;
  /** Route template, for example `/bars/{barName}/drinks`. */
  readonly resource: string;
  /** Request path, percent-encoded as a browser sends it. */
  readonly path: string;
  readonly body?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
}

/** Builds an API Gateway REST proxy event (payload version 1.0). */
export function apiEvent(request: ApiRequest): APIGatewayProxyEvent {
  return {
    httpMethod: request.method ?? 'GET',
    resource: request.resource,
    path: request.path,
    body: request.body ?? null,
    isBase64Encoded: false,
    headers: { Origin: 'https://bar.example', ...request.headers },
    multiValueHeaders: {},
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

export function parseBody<T>(response: APIGatewayProxyResult): T {
  return JSON.parse(response.body) as T;
}

/** Sends a file through a presigned POST as a browser form does; returns the HTTP status. */
export async function postFile(upload: CreateUploadResponse, bytes: Uint8Array, fileName = 'photo.jpg'): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(bytes)]), fileName);
  const response = await fetch(upload.url, { method: 'POST', body: form });
  await response.arrayBuffer();

  return response.status;
}

/** Returns the S3 event of the original of `uploadId`, waiting briefly for s3rver to emit it. */
export async function eventFor(harness: Harness, uploadId: string): Promise<S3Event> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const record = harness.records.find((candidate) => candidate.s3.object.key.includes(uploadId) && candidate.s3.object.key.startsWith('photos/'));
    if (record !== undefined) return { Records: [record] };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`s3rver emitted no event for upload ${uploadId}; check that the POST succeeded`);
}

/** Encodes a name for one path segment, as a browser's encodeURIComponent does. */
export function pathSegment(name: string): string {
  return encodeURIComponent(name);
}

/** Imports the three handlers after `startHarness` set the environment, and adds request helpers. */
export async function loadApi(harness: Harness) {
  const { handler: presign } = await import('./presign.js');
  const { handler: processPhoto } = await import('./process-photo.js');
  const { handler: query } = await import('./query.js');
  const { s3Client } = await import('../shared/clients.js');

  async function requestUpload(barName: string, drinkName: string, contentType: string, contentLength: number): Promise<CreateUploadResponse> {
    const body = JSON.stringify({ barName, drinkName, contentType, contentLength });
    const response = await presign(apiEvent({ method: 'POST', resource: '/uploads', path: '/uploads', body }));
    if (response.statusCode !== 201) throw new Error(`POST /uploads returned ${response.statusCode}: ${response.body}`);

    return parseBody<CreateUploadResponse>(response);
  }

  /** Presigns and uploads a file, then returns its S3 event without processing it. */
  async function uploadOnly(barName: string, drinkName: string, bytes: Buffer, contentType = 'image/jpeg', declaredLength = bytes.length): Promise<{ uploadId: string; event: S3Event }> {
    const upload = await requestUpload(barName, drinkName, contentType, declaredLength);
    const status = await postFile(upload, bytes);
    if (status !== 204) throw new Error(`the presigned POST returned ${status}`);

    return { uploadId: upload.uploadId, event: await eventFor(harness, upload.uploadId) };
  }

  return {
    presign,
    processPhoto,
    query,
    requestUpload,
    uploadOnly,
    /** Presigns, uploads and processes one file; returns the upload id. */
    async uploadAndProcess(barName: string, drinkName: string, bytes: Buffer, contentType = 'image/jpeg', declaredLength = bytes.length): Promise<string> {
      const { uploadId, event } = await uploadOnly(barName, drinkName, bytes, contentType, declaredLength);
      await processPhoto(event);

      return uploadId;
    },
    /** Lists the object keys under `prefix`, up to the 1000 of one page. */
    async listKeys(prefix: string): Promise<string[]> {
      const result = await s3Client.send(new ListObjectsV2Command({ Bucket: harness.storage.bucketName, Prefix: prefix }));

      return (result.Contents ?? []).map((object) => object.Key ?? '');
    },
    getStatus(uploadId: string): Promise<APIGatewayProxyResult> {
      return query(apiEvent({ resource: '/uploads/{uploadId}', path: `/uploads/${uploadId}` }));
    },
    getDrink(barName: string, drinkName: string, queryParameters?: Record<string, string>): Promise<APIGatewayProxyResult> {
      const path = `/bars/${pathSegment(barName)}/drinks/${pathSegment(drinkName)}`;

      return query(apiEvent({ resource: '/bars/{barName}/drinks/{drinkName}', path, ...(queryParameters ? { query: queryParameters } : {}) }));
    },
  };
}

/** Returns a small JPEG of one colour, distinct per `seed`, generated with sharp. */
export function makeJpeg(seed = 0, width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: (seed * 37) % 256, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();
}
