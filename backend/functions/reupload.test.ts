/**
 * One presigned POST sent more than once, within its expiry: at most one photo per upload id, and
 * only checked bytes under `photos/`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { S3Event } from 'aws-lambda';

import type { DrinkResponse, UploadStatusResponse } from '../shared/api.js';
import { type Harness, loadApi, makeJpeg, parseBody, postFile, startHarness } from './test-support.js';

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;

before(async () => {
  harness = await startHarness();
  api = await loadApi(harness);
});

after(async () => {
  await harness.stop();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Returns the S3 events of the originals of `uploadId`, once `count` of them have arrived. */
async function eventsFor(uploadId: string, count: number): Promise<S3Event[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const records = harness.records.filter((record) => record.s3.object.key.startsWith('photos/') && record.s3.object.key.includes(uploadId));
    if (records.length >= count) return records.map((record) => ({ Records: [record] }));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`s3rver emitted fewer than ${count} events for upload ${uploadId}`);
}

async function photosOf(barName: string, drinkName: string): Promise<DrinkResponse> {
  const response = await api.getDrink(barName, drinkName);
  assert.equal(response.statusCode, 200, response.body);

  return parseBody<DrinkResponse>(response);
}

async function statusOf(uploadId: string): Promise<UploadStatusResponse> {
  return parseBody<UploadStatusResponse>(await api.getStatus(uploadId));
}

describe('process-photo with a presigned POST sent twice', () => {
  it('indexes one photo for two parallel sends', async () => {
    // Prepare
    const [first, second] = await Promise.all([makeJpeg(11), makeJpeg(12)]);
    const upload = await api.requestUpload('Reuse Bar', 'Parallel', 'image/jpeg', first.length);
    const statuses = await Promise.all([postFile(upload, first), postFile(upload, second)]);
    assert.deepEqual(statuses, [204, 204]);
    const events = await eventsFor(upload.uploadId, 2);

    // Act
    await Promise.all(events.map((event) => api.processPhoto(event)));
    for (const event of events) await api.processPhoto(event);

    // Assess
    const drink = await photosOf('Reuse Bar', 'Parallel');
    const status = await statusOf(upload.uploadId);
    const { getUpload } = await import('../shared/table-reads.js');
    const indexed = (await getUpload(upload.uploadId))?.photo;
    assert.equal(status.status, 'indexed');
    assert.equal(drink.photo.uploadId, upload.uploadId);
    assert.deepEqual(drink.earlierPhotos ?? [], []);
    assert.ok(indexed);
    assert.ok([sha256(first), sha256(second)].includes(indexed.sha256), 'the photo is one of the two files sent');
  });

  it('moves a send after indexing aside', async () => {
    // Prepare
    const photo = await makeJpeg(13);
    const upload = await api.requestUpload('Reuse Bar', 'After Indexing', 'image/jpeg', photo.length);
    assert.equal(await postFile(upload, photo), 204);
    const [firstEvent] = await eventsFor(upload.uploadId, 1);
    assert.ok(firstEvent);
    await api.processPhoto(firstEvent);
    const text = Buffer.from('not a photo, sent with the same form after it was indexed\n');

    // Act
    assert.equal(await postFile(upload, text), 204);
    const [, secondEvent] = await eventsFor(upload.uploadId, 2);
    assert.ok(secondEvent);
    await api.processPhoto(secondEvent);
    await api.processPhoto(secondEvent);
    await api.processPhoto(firstEvent);

    // Assess
    const { getUpload } = await import('../shared/table-reads.js');
    const item = await getUpload(upload.uploadId);
    const drink = await photosOf('Reuse Bar', 'After Indexing');
    assert.equal(item?.status, 'indexed');
    assert.equal(item?.photo?.sha256, sha256(photo));
    assert.equal(drink.photo.uploadId, upload.uploadId);
    assert.deepEqual(drink.earlierPhotos ?? [], []);
    assert.deepEqual((await api.listKeys('photos/')).filter((key) => key.includes(upload.uploadId)), []);
    assert.equal((await api.listKeys('rejected/')).filter((key) => key.includes(upload.uploadId)).length, 1);
    assert.equal((await api.listKeys(`renditions/${upload.uploadId}/`)).length, 4);
  });

  it('keeps a rejected upload rejected when sent again', async () => {
    // Prepare
    const text = Buffer.from('not a photo\n');
    const upload = await api.requestUpload('Reuse Bar', 'After Rejection', 'image/jpeg', text.length);
    assert.equal(await postFile(upload, text), 204);
    const [firstEvent] = await eventsFor(upload.uploadId, 1);
    assert.ok(firstEvent);
    await api.processPhoto(firstEvent);

    // Act
    assert.equal(await postFile(upload, await makeJpeg(14)), 204);
    const [, secondEvent] = await eventsFor(upload.uploadId, 2);
    assert.ok(secondEvent);
    await api.processPhoto(secondEvent);

    // Assess
    assert.equal((await statusOf(upload.uploadId)).status, 'rejected');
    assert.equal((await api.getDrink('Reuse Bar', 'After Rejection')).statusCode, 404);
    assert.deepEqual((await api.listKeys('photos/')).filter((key) => key.includes(upload.uploadId)), []);
    assert.deepEqual(await api.listKeys(`renditions/${upload.uploadId}/`), []);
  });
});
