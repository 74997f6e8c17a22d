/**
 * The checks in front of s3rver, through the embedded runtime: browser POSTs against their policy
 * on every route s3rver takes to its POST handler, and a signature on every other request.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import type { CreateUploadResponse, DrinkResponse, UploadStatusResponse } from '../shared/api.js';
import { startEmbedded, type Embedded } from './embedded.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './storage.js';

const BAR = 'Front Bar';
const DRINK = 'Negroni';

let dataDir: string;
let embedded: Embedded;
let origin: string;
let s3: S3Client;
let photo: Buffer;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'drink-s3-front-'));
  embedded = await startEmbedded({ dataDir, port: 0, retryDelaysMs: [50, 100] });
  origin = new URL(embedded.url).origin;
  s3 = new S3Client({ endpoint: embedded.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  photo = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
});

after(async () => {
  s3.destroy();
  await embedded.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function presign(): Promise<CreateUploadResponse> {
  const response = await fetch(`${embedded.apiUrl}/uploads`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: origin },
    body: JSON.stringify({ barName: BAR, drinkName: DRINK, contentType: 'image/jpeg', contentLength: photo.length }),
  });
  assert.equal(response.status, 201, await response.clone().text());

  return (await response.json()) as CreateUploadResponse;
}

function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');

  return fetch(url, { method: 'POST', body: form, headers: { Origin: origin } });
}

async function listKeys(prefix: string): Promise<string[]> {
  const result = await s3.send(new ListObjectsV2Command({ Bucket: embedded.bucketName, Prefix: prefix }));

  return (result.Contents ?? []).map((object) => object.Key ?? '');
}

async function waitForIndexed(uploadId: string): Promise<UploadStatusResponse> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = (await (await fetch(`${embedded.apiUrl}/uploads/${uploadId}`)).json()) as UploadStatusResponse;
    if (status.status !== 'pending' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('S3 front', () => {
  it('checks the policy whatever the query or escapes', async () => {
    // Prepare
    const upload = await presign();
    const bucketUrl = new URL(upload.url);
    const evilKey = `renditions/${upload.uploadId}/display.jpeg`;
    const routes = [
      `${upload.url}?x=1`,
      `${upload.url}/?x=1`,
      `${bucketUrl.origin}/%64rink-photos`,
      `${bucketUrl.origin}/%64rink-photos?uploads`,
    ];

    for (const route of routes) {
      // Act
      const response = await postForm(route, { ...upload.fields, key: evilKey });
      const body = await response.text();

      // Assess
      assert.equal(response.status, 403, `${route}: ${body}`);
      assert.match(body, /<Code>AccessDenied<\/Code>/, route);
    }
    assert.deepEqual(await listKeys('renditions/'), []);
  });

  it('rejects a form posted to an object path', async () => {
    // Prepare
    const upload = await presign();

    // Act
    const response = await postForm(`${upload.url}/${upload.fields.key}`, upload.fields);

    // Assess
    assert.equal(response.status, 403, await response.text());
    assert.deepEqual(await listKeys('photos/'), []);
  });

  it('serves presigned GETs and denies unsigned ones', async () => {
    // Prepare
    const upload = await presign();
    assert.equal((await postForm(upload.url, upload.fields)).status, 204);
    assert.equal((await waitForIndexed(upload.uploadId)).status, 'indexed');
    const drink = (await (await fetch(`${embedded.apiUrl}/bars/${encodeURIComponent(BAR)}/drinks/${encodeURIComponent(DRINK)}`)).json()) as DrinkResponse;
    const [original] = await listKeys('photos/');
    assert.ok(original);
    const renditionUrl = new URL(drink.photo.url);
    const unsigned = `${renditionUrl.origin}${renditionUrl.pathname}`;
    const tampered = new URL(renditionUrl);
    tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));

    // Act
    const presigned = await fetch(drink.photo.url);
    const presignedBody = Buffer.from(await presigned.arrayBuffer());
    const plain = await fetch(unsigned);
    const forged = await fetch(tampered);
    const originalGet = await fetch(`${embedded.s3Endpoint}/${embedded.bucketName}/${encodeURIComponent(original).replaceAll('%2F', '/')}`);
    const listing = await fetch(`${embedded.s3Endpoint}/${embedded.bucketName}?prefix=photos/`);
    const buckets = await fetch(`${embedded.s3Endpoint}/`);
    const signedGet = await s3.send(new GetObjectCommand({ Bucket: embedded.bucketName, Key: original }));
    await signedGet.Body?.transformToByteArray();

    // Assess
    assert.equal(presigned.status, 200);
    assert.equal(presigned.headers.get('content-type'), 'image/jpeg');
    assert.ok(presignedBody.length > 0);
    assert.equal(plain.status, 403);
    assert.match(await plain.text(), /<Code>AccessDenied<\/Code>/);
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(originalGet.status, 403);
    assert.match(await originalGet.text(), /<Code>AccessDenied<\/Code>/);
    assert.equal(listing.status, 403);
    assert.match(await listing.text(), /<Code>AccessDenied<\/Code>/);
    assert.equal(buckets.status, 403);
    await buckets.arrayBuffer();
    assert.equal(signedGet.$metadata.httpStatusCode, 200);
  });

  it('rejects a presigned GET signed with another secret', async () => {
    // Prepare
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const [original] = await listKeys('photos/');
    assert.ok(original);
    const forger = new S3Client({ endpoint: embedded.s3Endpoint, region: LOCAL_REGION, credentials: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: 'guessed' }, forcePathStyle: true });
    const url = await getSignedUrl(forger, new GetObjectCommand({ Bucket: embedded.bucketName, Key: original }), { expiresIn: 60 });
    forger.destroy();

    // Act
    const response = await fetch(url);

    // Assess
    assert.equal(response.status, 403);
    assert.match(await response.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});
