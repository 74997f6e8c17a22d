import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { ListObjectsV2Command } from '@aws-sdk/client-s3';

import type { ErrorResponse, UploadStatusResponse } from '../shared/api.js';
import { apiEvent, type Harness, loadApi, makeJpeg, parseBody, startHarness } from './test-support.js';

/**
 * Failures the local servers cannot produce on demand, injected as middleware on the real SDK
 * clients: a matching request fails before it is sent, everything else reaches the servers.
 */
type FaultRule = (commandName: string, input: Record<string, unknown>) => boolean;

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;
let faults: FaultRule[] = [];
let listKeys: (prefix: string) => Promise<string[]>;

before(async () => {
  harness = await startHarness();
  api = await loadApi(harness);
  const { documentClient, s3Client } = await import('../shared/clients.js');
  const injectFaults =
    (next: (args: { input: object }) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: object }) => {
      const index = faults.findIndex((rule) => rule(context.commandName ?? '', args.input as Record<string, unknown>));
      if (index >= 0) {
        faults.splice(index, 1);
        throw Object.assign(new Error(`injected failure of ${context.commandName}`), { name: 'ServiceUnavailable' });
      }

      return next(args);
    };
  // The build step runs after lib-dynamodb marshalled the input, so rules see attribute values.
  documentClient.middlewareStack.add(injectFaults as never, { step: 'build', name: 'faultInjection' });
  s3Client.middlewareStack.add(injectFaults as never, { step: 'build', name: 'faultInjection' });
  listKeys = async (prefix) => {
    const result = await s3Client.send(new ListObjectsV2Command({ Bucket: harness.storage.bucketName, Prefix: prefix }));

    return (result.Contents ?? []).map((object) => object.Key ?? '');
  };
});

beforeEach(() => {
  faults = [];
});

after(async () => {
  await harness.stop();
});

/** Matches a DynamoDB request by the start of its marshalled sort key. */
function dynamoOn(commandName: string, sortKeyPrefix: string): FaultRule {
  return (name, input) => {
    const key = input.Key as { sk?: { S?: string } } | undefined;
    const item = input.Item as { sk?: { S?: string } } | undefined;
    const sk = key?.sk?.S ?? item?.sk?.S ?? '';

    return name === commandName && sk.startsWith(sortKeyPrefix);
  };
}

async function statusOf(uploadId: string): Promise<UploadStatusResponse> {
  return parseBody<UploadStatusResponse>(await api.getStatus(uploadId));
}

describe('failures part way', () => {
  it('retries to indexed after DynamoDB fails', async () => {
    // Prepare
    const { uploadId, event } = await api.uploadOnly('Fault Bar', 'Martini', await makeJpeg(1));
    faults.push(dynamoOn('UpdateItemCommand', 'DRINK#'));

    // Act
    await assert.rejects(api.processPhoto(event), /injected failure of UpdateItemCommand/);
    const between = await statusOf(uploadId);
    await api.processPhoto(event);

    // Assess
    assert.equal(between.status, 'pending');
    assert.equal((await statusOf(uploadId)).status, 'indexed');
    const drink = await api.getDrink('Fault Bar', 'Martini');
    assert.equal(drink.statusCode, 200);
    assert.equal(parseBody<{ photo: { uploadId: string } }>(drink).photo.uploadId, uploadId);
  });

  it('retries to indexed after a rendition write fails', async () => {
    // Prepare
    const { uploadId, event } = await api.uploadOnly('Fault Bar', 'Gimlet', await makeJpeg(2));
    faults.push((name, input) => name === 'PutObjectCommand' && String(input.Key).endsWith('display.webp'));

    // Act
    await assert.rejects(api.processPhoto(event), /injected failure of PutObjectCommand/);
    const between = await statusOf(uploadId);
    const drinkBetween = await api.getDrink('Fault Bar', 'Gimlet');
    await api.processPhoto(event);

    // Assess
    assert.equal(between.status, 'pending');
    assert.equal(drinkBetween.statusCode, 404);
    assert.equal((await statusOf(uploadId)).status, 'indexed');
    assert.equal((await listKeys(`renditions/${uploadId}/`)).length, 4);
  });

  it('retries to rejected after the status write fails', async () => {
    // Prepare
    const { uploadId, event } = await api.uploadOnly('Fault Bar', 'Not A Photo', Buffer.from('plain text'), 'image/jpeg');
    faults.push(dynamoOn('UpdateItemCommand', 'UPLOAD'));

    // Act
    await assert.rejects(api.processPhoto(event), /injected failure/);
    const originalsBetween = await listKeys('photos/');
    await api.processPhoto(event);

    // Assess
    assert.ok(originalsBetween.some((key) => key.includes(uploadId)), 'the original stays for the retry');
    assert.equal((await statusOf(uploadId)).status, 'rejected');
    assert.ok((await listKeys('rejected/')).some((key) => key.includes(uploadId)));
  });

  it('returns 500 with CORS headers when DynamoDB fails', async () => {
    // Prepare
    faults.push(dynamoOn('UpdateItemCommand', 'NAME'));
    const body = JSON.stringify({ barName: 'Fault Bar', drinkName: 'Sazerac', contentType: 'image/jpeg', contentLength: 1000 });

    // Act
    const response = await api.presign(apiEvent({ method: 'POST', resource: '/uploads', path: '/uploads', body }));

    // Assess
    assert.equal(response.statusCode, 500);
    assert.equal(parseBody<ErrorResponse>(response).error, 'InternalError');
    assert.doesNotMatch(response.body, /injected/);
    assert.equal(response.headers?.['Access-Control-Allow-Origin'], '*');
  });
});
