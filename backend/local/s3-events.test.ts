import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { S3Event } from 'aws-lambda';

import { decodeEventKey } from '../shared/object-keys.js';
import {
  AsyncDelivery,
  matchesPhotoNotification,
  toAwsRecord,
  type AttemptReport,
  type FailedInvocationRecord,
  type S3rverEventRecord,
} from './s3-events.js';

function s3rverRecord(key: string, eventName = 'ObjectCreated:Post', eTag = 'b1946ac92492d2347c6235b4d2611184'): S3rverEventRecord {
  return {
    eventName,
    eventTime: '2026-12-04T19:00:00.000Z',
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'ABC', 'x-amz-id-2': 'DEF' },
    userIdentity: { principalId: 'AWS:XYZ' },
    s3: { bucket: { name: 'drink-photos' }, object: { key, size: 1234, eTag, sequencer: '18D1' } },
  };
}

function eventFor(key: string): S3Event {
  return { Records: [toAwsRecord(s3rverRecord(key), { region: 'us-east-1' })] };
}

describe('toAwsRecord', () => {
  it('URL-encodes the key with + for spaces', () => {
    // Prepare
    const key = "photos/Harry's Bar/Gin+Tonic %25/0b3c7f2e-1d4a-4c8e-9f00-123456789abc.jpg";

    // Act
    const record = toAwsRecord(s3rverRecord(key), { region: 'eu-west-1' });

    // Assess
    assert.equal(record.s3.object.key, 'photos/Harry%27s+Bar/Gin%2BTonic+%2525/0b3c7f2e-1d4a-4c8e-9f00-123456789abc.jpg');
    assert.equal(decodeEventKey(record.s3.object.key), key);
  });

  it('fixes the fields s3rver gets wrong', () => {
    // Act
    const record = toAwsRecord(s3rverRecord('photos/a/b/c.jpg'), { region: 'eu-west-1' });

    // Assess
    assert.equal(record.eventVersion, '2.1');
    assert.equal(record.awsRegion, 'eu-west-1');
    assert.equal(record.s3.bucket.arn, 'arn:aws:s3:::drink-photos');
    assert.equal(record.s3.object.size, 1234);
    assert.equal(record.s3.object.eTag, 'b1946ac92492d2347c6235b4d2611184');
    assert.match(record.s3.object.sequencer, /^[0-9A-F]{18}$/);
  });

  it('issues a growing sequencer', () => {
    // Act
    const sequencers = Array.from({ length: 50 }, () => toAwsRecord(s3rverRecord('photos/a/b/c.jpg'), { region: 'us-east-1' }).s3.object.sequencer);

    // Assess
    const sorted = [...sequencers].sort();
    assert.deepEqual(sequencers, sorted);
    assert.equal(new Set(sequencers).size, sequencers.length);
  });

  it('names a multipart completion as such', () => {
    // Act
    const record = toAwsRecord(s3rverRecord('photos/a/b/c.jpg', 'ObjectCreated:Post', 'abc-3'), { region: 'us-east-1' });

    // Assess
    assert.equal(record.eventName, 'ObjectCreated:CompleteMultipartUpload');
  });
});

describe('matchesPhotoNotification', () => {
  it('takes only object creation under photos/', () => {
    assert.equal(matchesPhotoNotification(s3rverRecord('photos/a/b/c.jpg', 'ObjectCreated:Put')), true);
    assert.equal(matchesPhotoNotification(s3rverRecord('photos/a/b/c.jpg', 'ObjectCreated:Copy')), true);
    assert.equal(matchesPhotoNotification(s3rverRecord('renditions/x/display.jpeg', 'ObjectCreated:Put')), false);
    assert.equal(matchesPhotoNotification(s3rverRecord('rejected/a/b/c.jpg', 'ObjectCreated:Copy')), false);
    assert.equal(matchesPhotoNotification(s3rverRecord('photos/a/b/c.jpg', 'ObjectRemoved:Delete')), false);
  });
});

describe('AsyncDelivery', () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-delivery-'));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('retries a failed invocation and stops at success', async () => {
    // Prepare
    const failureFile = join(dataDir, 'retry-then-success.jsonl');
    const attempts: AttemptReport[] = [];
    let calls = 0;
    const delivery = new AsyncDelivery({
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:process-photo',
      failureFile,
      retryDelaysMs: [10, 20],
      invoke: async () => {
        calls++;
        return { requestId: `request-${calls}`, error: calls === 1 ? new Error('first attempt fails') : undefined };
      },
      onAttempt: (report) => attempts.push(report),
    });

    // Act
    delivery.submit(eventFor('photos/a/b/c.jpg'));
    await delivery.idle();

    // Assess
    assert.equal(calls, 2);
    assert.deepEqual(attempts.map((report) => [report.attempt, report.error?.message, report.exhausted]), [
      [1, 'first attempt fails', false],
      [2, undefined, false],
    ]);
    await assert.rejects(readFile(failureFile), { code: 'ENOENT' });
  });

  it('writes the event to the failure file after two retries', async () => {
    // Prepare
    const failureFile = join(dataDir, 'exhausted.jsonl');
    const event = eventFor('photos/a/b/c.jpg');
    const delays: number[] = [];
    let last = Date.now();
    const delivery = new AsyncDelivery({
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:process-photo',
      failureFile,
      retryDelaysMs: [30, 60],
      invoke: async (_event, attempt) => {
        delays.push(Date.now() - last);
        last = Date.now();
        return { requestId: `request-${attempt}`, error: new TypeError(`attempt ${attempt} fails`) };
      },
    });

    // Act
    delivery.submit(event);
    await delivery.idle();

    // Assess
    assert.equal(delays.length, 3);
    assert.ok((delays[1] ?? 0) >= 25, `first retry came after ${delays[1]} ms`);
    assert.ok((delays[2] ?? 0) >= 55, `second retry came after ${delays[2]} ms`);
    const lines = (await readFile(failureFile, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0] as string) as FailedInvocationRecord;
    assert.equal(record.requestContext.condition, 'RetriesExhausted');
    assert.equal(record.requestContext.approximateInvokeCount, 3);
    assert.equal(record.requestContext.requestId, 'request-3');
    assert.equal(record.requestContext.functionArn, 'arn:aws:lambda:us-east-1:000000000000:function:process-photo:$LATEST');
    assert.deepEqual(record.requestPayload, event);
    assert.deepEqual(record.responsePayload, { errorType: 'TypeError', errorMessage: 'attempt 3 fails' });
  });

  it('runs no more invocations at once than its concurrency', async () => {
    // Prepare
    let runningNow = 0;
    let maxRunning = 0;
    let calls = 0;
    const delivery = new AsyncDelivery({
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:process-photo',
      failureFile: join(dataDir, 'concurrency.jsonl'),
      concurrency: 2,
      invoke: async () => {
        calls++;
        runningNow++;
        maxRunning = Math.max(maxRunning, runningNow);
        await new Promise((resolve) => setTimeout(resolve, 15));
        runningNow--;
        return { requestId: 'request' };
      },
    });

    // Act
    for (let index = 0; index < 7; index++) delivery.submit(eventFor(`photos/a/b/${index}.jpg`));
    await delivery.idle();

    // Assess
    assert.equal(calls, 7);
    assert.equal(maxRunning, 2);
  });

  it('drops pending retries when stopped', async () => {
    // Prepare
    let calls = 0;
    const delivery = new AsyncDelivery({
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:process-photo',
      failureFile: join(dataDir, 'stopped.jsonl'),
      retryDelaysMs: [10_000],
      invoke: async () => {
        calls++;
        return { requestId: 'request', error: new Error('fails') };
      },
    });
    delivery.submit(eventFor('photos/a/b/c.jpg'));
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Act
    delivery.stop();
    await delivery.idle();

    // Assess
    assert.equal(calls, 1);
  });
});
