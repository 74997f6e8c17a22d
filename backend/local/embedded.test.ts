/**
 * The embedded default with the real handlers: presign, a multipart POST to s3rver, the S3 event,
 * process-photo, and the query, then a restart on the same data folder.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import type { CreateUploadResponse, DrinkResponse, UploadStatusResponse } from '../shared/api.js';
import { startEmbedded, type Embedded } from './embedded.js';
import type { PipelineStep } from './steps.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './storage.js';

const BAR = "Harry's Bar";
const DRINK = 'Gin+Tonic 100%';

async function presignAndUpload(embedded: Embedded, photo: Buffer, contentType: string): Promise<CreateUploadResponse> {
  const origin = new URL(embedded.url).origin;
  const presignResponse = await fetch(`${embedded.apiUrl}/uploads`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: origin },
    body: JSON.stringify({ barName: BAR, drinkName: DRINK, contentType, contentLength: photo.length }),
  });
  assert.equal(presignResponse.status, 201, await presignResponse.clone().text());
  const presign = (await presignResponse.json()) as CreateUploadResponse;

  const form = new FormData();
  for (const [name, value] of Object.entries(presign.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(photo)], { type: contentType }), 'photo');
  const upload = await fetch(presign.url, { method: 'POST', body: form, headers: { Origin: origin } });
  assert.equal(upload.status, 204, await upload.text());
  assert.equal(upload.headers.get('access-control-allow-origin'), origin);

  return presign;
}

async function waitForStatus(embedded: Embedded, uploadId: string, timeoutMs = 20_000): Promise<UploadStatusResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${embedded.apiUrl}/uploads/${uploadId}`);
    const status = (await response.json()) as UploadStatusResponse;
    if (status.status !== 'pending' || Date.now() > deadline) return status;

    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function fetchDrink(embedded: Embedded): Promise<{ status: number; body: DrinkResponse }> {
  const response = await fetch(`${embedded.apiUrl}/bars/${encodeURIComponent(BAR)}/drinks/${encodeURIComponent(DRINK)}`);

  return { status: response.status, body: (await response.json()) as DrinkResponse };
}

describe('startEmbedded', () => {
  let dataDir: string;
  let embedded: Embedded | undefined;
  const steps: PipelineStep[] = [];
  let photo: Buffer;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-embedded-'));
    photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#a33' } }).jpeg().toBuffer();
  });

  after(async () => {
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs an upload through the pipeline to the query', async () => {
    // Prepare
    embedded = await startEmbedded({ dataDir, port: 0, onStep: (step) => steps.push(step), retryDelaysMs: [50, 100] });

    // Act
    const presign = await presignAndUpload(embedded, photo, 'image/jpeg');
    const status = await waitForStatus(embedded, presign.uploadId);
    await embedded.idle();
    const drink = await fetchDrink(embedded);

    // Assess
    assert.equal(status.status, 'indexed', JSON.stringify(status));
    assert.equal(status.barName, BAR);
    assert.equal(status.drinkName, DRINK);
    assert.equal(drink.status, 200);
    assert.equal(drink.body.photo.uploadId, presign.uploadId);
    assert.deepEqual(steps.filter((step) => step.level !== 'info'), []);
    assert.deepEqual(
      steps.filter((step) => step.level === 'info').map((step) => [step.step, step.outcome]),
      [
        ['presign', undefined],
        ['upload', undefined],
        ['process-photo', 'indexed'],
      ],
    );
    await assert.rejects(readFile(embedded.failureFile), { code: 'ENOENT' });
  });

  it('shows the upload with its traces and logs to the inspector', async () => {
    // Prepare
    assert.ok(embedded);
    const uploadId = embedded.uploads.list()[0]?.uploadId;

    // Act
    const response = await fetch(`${embedded.url}_local/uploads/${uploadId}`);
    const body = (await response.json()) as {
      upload: { stage: string; presign?: { traceId: string }; processing: { traceId: string }[] };
      traces: { traceId: string; segments: { name: string; origin?: string }[] }[];
      logs: { functionName: string; traceId: string }[];
    };

    // Assess
    assert.equal(response.status, 200);
    assert.equal(body.upload.stage, 'indexed');
    assert.equal(body.traces.length, 2);
    const [presignTrace, processTrace] = body.traces;
    assert.equal(presignTrace?.traceId, body.upload.presign?.traceId);
    assert.ok(presignTrace?.segments.some((segment) => segment.origin === 'AWS::ApiGateway::Stage'));
    assert.ok(presignTrace?.segments.some((segment) => segment.name === 'presign'));
    assert.ok(processTrace?.segments.some((segment) => segment.name === 'process-photo'));
    assert.ok(processTrace?.segments.some((segment) => segment.name === 'S3'));
    assert.ok(processTrace?.segments.some((segment) => segment.name === 'DynamoDB'));
    assert.ok(body.logs.some((entry) => entry.functionName === 'presign' && entry.traceId === presignTrace?.traceId));
    assert.ok(body.logs.some((entry) => entry.functionName === 'process-photo' && entry.traceId === processTrace?.traceId));
  });

  it('serves the demo page and the inspector', async () => {
    // Prepare
    assert.ok(embedded);

    // Act
    const page = await fetch(embedded.url);
    const inspector = await fetch(`${embedded.url}inspector.html`);

    // Assess
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(inspector.status, 200);
  });

  it('rejects a file that is not an image', async () => {
    // Prepare
    assert.ok(embedded);
    const notAnImage = Buffer.from('GIF89a? no, just text pretending to be a JPEG'.repeat(20));

    // Act
    const presign = await presignAndUpload(embedded, notAnImage, 'image/jpeg');
    const status = await waitForStatus(embedded, presign.uploadId);

    // Assess
    assert.equal(status.status, 'rejected', JSON.stringify(status));
    assert.ok(status.reason);
    await embedded.idle();
    assert.deepEqual(steps.filter((step) => step.level === 'error'), []);
    assert.equal(steps.at(-1)?.outcome, 'rejected');
  });

  it('rejects a POST that breaks its policy', async () => {
    // Prepare
    assert.ok(embedded);
    const origin = new URL(embedded.url).origin;
    const response = await fetch(`${embedded.apiUrl}/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: origin },
      body: JSON.stringify({ barName: BAR, drinkName: DRINK, contentType: 'image/jpeg', contentLength: photo.length }),
    });
    const presign = (await response.json()) as CreateUploadResponse;
    const stepsBefore = steps.length;
    const post = (override: Record<string, string>) => {
      const form = new FormData();
      for (const [name, value] of Object.entries({ ...presign.fields, ...override })) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo');
      return fetch(presign.url, { method: 'POST', body: form, headers: { Origin: origin } });
    };

    // Act
    const otherKey = await post({ key: presign.fields.key?.replace('photos/', 'photos/x') ?? '' });
    const otherType = await post({ 'Content-Type': 'image/png' });

    // Assess
    assert.equal(otherKey.status, 403);
    assert.match(await otherKey.text(), /<Code>AccessDenied<\/Code>/);
    assert.equal(otherKey.headers.get('access-control-allow-origin'), origin);
    assert.equal(otherType.status, 403);
    await embedded.idle();
    assert.deepEqual(steps.slice(stepsBefore), []);
  });

  it('keeps the photo across a restart on the same folder', async () => {
    // Prepare
    assert.ok(embedded);
    const before = await fetchDrink(embedded);
    const previous = { url: embedded.url, s3Endpoint: embedded.s3Endpoint };
    await embedded.stop();
    embedded = undefined;

    // Act
    embedded = await startEmbedded({ dataDir, port: 0 });
    const afterRestart = await fetchDrink(embedded);

    // Assess
    assert.equal(afterRestart.status, 200);
    assert.equal(afterRestart.body.photo.uploadId, before.body.photo.uploadId);
    assert.equal(embedded.url, previous.url);
    assert.equal(embedded.s3Endpoint, previous.s3Endpoint);
  });
});

describe('startEmbedded with a failing process-photo', () => {
  let dataDir: string;
  let embedded: Embedded | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-embedded-failing-'));
  });

  after(async () => {
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes the event to the failure file', async () => {
    // Prepare
    const steps: PipelineStep[] = [];
    let attempts = 0;
    const unused = async () => ({ statusCode: 500, body: '{}' });
    embedded = await startEmbedded({
      dataDir,
      port: 0,
      retryDelaysMs: [20, 40],
      onStep: (step) => steps.push(step),
      handlers: {
        presign: unused,
        query: unused,
        processPhoto: async () => {
          attempts++;
          throw new Error('the image library is missing');
        },
      },
    });
    const s3 = new S3Client({ endpoint: embedded.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const key = 'photos/Bar/Drink/0b3c7f2e-1d4a-4c8e-9f00-123456789abc.jpg';

    // Act
    await s3.send(new PutObjectCommand({ Bucket: embedded.bucketName, Key: key, Body: 'not processed', ContentType: 'image/jpeg' }));
    await s3.send(new PutObjectCommand({ Bucket: embedded.bucketName, Key: 'renditions/x/display.jpeg', Body: 'ignored' }));
    s3.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await embedded.idle();
    const response = await fetch(`${embedded.url}_local/failed-events`);
    const body = (await response.json()) as { events: { requestPayload: { Records: { s3: { object: { key: string } } }[] } }[] };

    // Assess
    assert.equal(attempts, 3);
    assert.deepEqual(steps.filter((step) => step.step === 'process-photo').map((step) => step.outcome), ['retry', 'retry', 'failed']);
    assert.equal(body.events.length, 1);
    assert.equal(body.events[0]?.requestPayload.Records[0]?.s3.object.key, key);
    const lines = (await readFile(embedded.failureFile, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 1);
  });
});
