/**
 * Replay: the S3 events of a set of uploads, delivered one to three times each in a seeded random
 * order and partly at once, leave the same index and renditions as one delivery of each in order.
 *
 * The uploads go through the real embedded default while process-photo only records their events.
 * The data folder is then copied, and each copy receives one of the two deliveries.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';

import { startEmbedded } from '../../backend/local/embedded.js';
import { LocalFunction } from '../../backend/local/lambda-runtime.js';
import { LOCAL_REGION } from '../../backend/local/storage.js';
import type { CreateUploadResponse } from '../../backend/shared/api.js';
import { noisyJpeg, solidJpeg } from './hostile-files.js';
import { lazyHandlers, postFile, requestUpload, seededRandom, StorageInspector } from './support.js';

const SEED = 20261204;
/** Attempts of one delivery, as Lambda makes for an asynchronous invocation. */
const ATTEMPTS = 3;
/** Deliveries running at once in the shuffled run, so duplicates of one event can overlap. */
const CONCURRENCY = 4;

/** Fields that hold the time of indexing or expiry, which differ between any two runs. */
const TIME_FIELDS = new Set(['uploadedAt', 'updatedAt', 'ttl']);

interface Snapshot {
  readonly items: unknown[];
  /** Key and ETag (MD5 of the bytes) of every object. */
  readonly objects: string[];
}

let root: string;
const events: S3Event[] = [];
let recordEvents = true;
let processPhoto: ((event: S3Event) => Promise<void>) | undefined;
const handlers = lazyHandlers((real) => {
  processPhoto = real;

  return async (event) => {
    if (recordEvents) events.push(event);
  };
});

function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (typeof value !== 'object' || value === null) return value;

  return Object.fromEntries(Object.entries(value).filter(([name]) => !TIME_FIELDS.has(name)).map(([name, field]) => [name, withoutTimes(field)]));
}

/** Starts the embedded default on `dataDir`, runs `deliver` against the real handler and reads what it left. */
async function runOn(dataDir: string, deliver: (handler: (event: S3Event) => Promise<void>) => Promise<void>): Promise<Snapshot> {
  recordEvents = false;
  const embedded = await startEmbedded({ dataDir, port: 0, handlers });
  const inspector = new StorageInspector(embedded);
  try {
    assert.ok(processPhoto);
    // Each call runs inside a Lambda invocation, with the context and trace the handlers expect.
    const real = processPhoto;
    const local = new LocalFunction<S3Event, void>({ name: 'process-photo', handler: (event) => real(event), region: LOCAL_REGION, timeoutSeconds: 60 });
    await deliver(async (event) => {
      const invocation = await local.invoke(event);
      if (invocation.error !== undefined) throw invocation.error;
    });
    await embedded.idle();

    const items = (await inspector.scanTable()).map(withoutTimes);
    const listing = await inspector.s3.send(new ListObjectsV2Command({ Bucket: embedded.bucketName }));
    const objects = (listing.Contents ?? []).map((object) => `${object.Key} ${object.ETag}`).sort();

    return { items, objects };
  } finally {
    inspector.destroy();
    await embedded.stop();
  }
}

/** Delivers one event, retrying a failed attempt as Lambda does; returns the attempts that failed. */
async function deliverWithRetries(handler: (event: S3Event) => Promise<void>, event: S3Event): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await handler(event);
      return attempt - 1;
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error;
    }
  }
}

describe('replayed S3 events', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'drink-replay-'));
    const dataDir = join(root, 'uploads');
    const embedded = await startEmbedded({ dataDir, port: 0, handlers });
    try {
      const files: { bar: string; drink: string; bytes: Buffer }[] = [];
      for (let index = 0; index < 9; index++) {
        files.push({ bar: index % 2 ? 'Replay Bar' : 'Bar Replay', drink: ['Negroni', 'Martini', 'Gin+Tonic 100%'][index % 3] as string, bytes: await solidJpeg(index) });
      }
      files.push({ bar: 'Replay Bar', drink: 'Negroni', bytes: Buffer.from('not a photo at all, only text'.repeat(10)) });
      files.push({ bar: 'Replay Bar', drink: 'Martini', bytes: (await noisyJpeg()).subarray(0, 5000) });

      for (const file of files) {
        const presign = await requestUpload(embedded, { barName: file.bar, drinkName: file.drink, contentType: 'image/jpeg', contentLength: file.bytes.length });
        assert.equal(presign.status, 201, JSON.stringify(presign.body));
        const post = await postFile(presign.body as unknown as CreateUploadResponse, file.bytes, { contentType: 'image/jpeg' });
        assert.equal(post.status, 204, post.text);
      }
      await embedded.idle();
      assert.equal(events.length, files.length);
    } finally {
      await embedded.stop();
    }
    await cp(dataDir, join(root, 'in-order'), { recursive: true });
    await cp(dataDir, join(root, 'shuffled'), { recursive: true });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('shuffled and repeated delivery matches one in order', { timeout: 120_000 }, async (context) => {
    // Prepare
    const random = seededRandom(SEED);
    const deliveries = events.flatMap((event) => Array.from({ length: 1 + Math.floor(random() * 3) }, () => event));
    for (let index = deliveries.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [deliveries[index], deliveries[other]] = [deliveries[other] as S3Event, deliveries[index] as S3Event];
    }
    let failedAttempts = 0;

    // Act
    const inOrder = await runOn(join(root, 'in-order'), async (handler) => {
      for (const event of events) await handler(event);
    });
    const shuffled = await runOn(join(root, 'shuffled'), async (handler) => {
      const queue = [...deliveries];
      const worker = async () => {
        for (let event = queue.shift(); event !== undefined; event = queue.shift()) failedAttempts += await deliverWithRetries(handler, event);
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    });

    // Assess
    assert.ok(deliveries.length > events.length, `${deliveries.length} deliveries of ${events.length} events`);
    assert.equal(inOrder.items.filter((item) => (item as { type?: string }).type === 'photo').length, 9);
    assert.equal(inOrder.objects.filter((object) => object.startsWith('renditions/')).length, 9 * 4);
    assert.equal(inOrder.objects.filter((object) => object.startsWith('rejected/')).length, 2);
    assert.deepEqual(shuffled.objects, inOrder.objects);
    assert.deepEqual(shuffled.items, inOrder.items);
    context.diagnostic(`${deliveries.length} deliveries of ${events.length} events (seed ${SEED}), ${failedAttempts} attempts failed and were retried`);
  });
});
