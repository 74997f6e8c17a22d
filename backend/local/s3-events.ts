/**
 * S3 event notifications of the embedded default. s3rver's `event` records are rewritten into the
 * shape AWS sends and filtered like the CDK app's notification (ObjectCreated under `photos/`).
 * They reach process-photo the way Lambda handles an asynchronous invocation: retried twice, then
 * written to a failure file, the local twin of the on-failure SQS destination.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { S3Event, S3EventRecord } from 'aws-lambda';

import { encodeEventKey, ORIGINALS_PREFIX } from '../shared/object-keys.js';

/** A record as s3rver 3.7 builds it (lib/models/event.js); fields it leaves out are optional. */
export interface S3rverEventRecord {
  readonly eventName: string;
  readonly eventTime: string;
  readonly requestParameters?: { readonly sourceIPAddress?: string };
  readonly responseElements?: Record<string, string>;
  readonly userIdentity?: { readonly principalId?: string };
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer?: string };
  };
}

export interface S3rverEvent {
  readonly Records: readonly S3rverEventRecord[];
}

export interface EventShapeOptions {
  readonly region: string;
  /** Name of the notification configuration, as the CDK app's notification would carry. */
  readonly configurationId?: string;
}

let lastSequencer = 0n;

/**
 * Returns a sequencer that grows with every call, as S3's does for one key. s3rver uses the
 * current millisecond, which repeats for two writes in the same millisecond.
 */
function nextSequencer(): string {
  const candidate = BigInt(Date.now()) * 1000n;
  lastSequencer = candidate > lastSequencer ? candidate : lastSequencer + 1n;

  return lastSequencer.toString(16).toUpperCase().padStart(18, '0');
}

/**
 * Rewrites one s3rver record into AWS's shape. s3rver 3.7 differs from S3 in these fields: the key
 * is not URL-encoded, `ObjectCreated:CompleteMultipartUpload` is reported as `Post`, the copy
 * event has no eTag, the region is fixed to us-east-1 and the bucket ARN has spaces in it.
 */
export function toAwsRecord(record: S3rverEventRecord, options: EventShapeOptions): S3EventRecord {
  const bucketName = record.s3.bucket.name;
  const object = record.s3.object;
  const eTag = object.eTag?.replaceAll('"', '') ?? '';
  const eventName = record.eventName === 'ObjectCreated:Post' && eTag.includes('-')
    ? 'ObjectCreated:CompleteMultipartUpload'
    : record.eventName;

  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: options.region,
    eventTime: record.eventTime,
    eventName,
    userIdentity: { principalId: record.userIdentity?.principalId ?? 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: record.requestParameters?.sourceIPAddress ?? '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': record.responseElements?.['x-amz-request-id'] ?? '',
      'x-amz-id-2': record.responseElements?.['x-amz-id-2'] ?? '',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: options.configurationId ?? 'process-photo',
      bucket: {
        name: bucketName,
        ownerIdentity: { principalId: 'LOCAL' },
        arn: `arn:aws:s3:::${bucketName}`,
      },
      object: {
        key: encodeEventKey(object.key),
        size: object.size ?? 0,
        eTag,
        sequencer: nextSequencer(),
      },
    },
  } as S3EventRecord;
}

/** Returns true when the CDK app's notification (ObjectCreated, prefix `photos/`) would send this record. */
export function matchesPhotoNotification(record: S3rverEventRecord): boolean {
  return record.eventName.startsWith('ObjectCreated:') && record.s3.object.key.startsWith(ORIGINALS_PREFIX);
}

/** The record Lambda writes to an on-failure destination after the last retry. */
export interface FailedInvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: S3Event;
  readonly responseContext: { readonly statusCode: 200; readonly executedVersion: '$LATEST'; readonly functionError: 'Unhandled' };
  readonly responsePayload: { readonly errorType: string; readonly errorMessage: string };
}

/** Outcome of one attempt, as the delivery reports it. */
export interface AttemptReport {
  readonly event: S3Event;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly requestId: string;
  readonly error?: Error;
  /** True when the attempt failed and no retry is left. */
  readonly exhausted: boolean;
}

export interface AsyncDeliveryOptions {
  /** Invokes the function once; resolves with the request id and the error, if any. */
  readonly invoke: (event: S3Event, attempt: number) => Promise<{ requestId: string; error?: Error }>;
  readonly functionArn: string;
  /** Path of the JSON Lines file that takes events whose retries are exhausted. */
  readonly failureFile: string;
  /** Retries after the first attempt; Lambda makes 2. @default 2 */
  readonly retries?: number;
  /**
   * Delay before each retry, in milliseconds, indexed by retry. Lambda waits about 1 then 2
   * minutes; locally a few seconds keep a developer's loop short.
   * @default [1000, 2000]
   */
  readonly retryDelaysMs?: readonly number[];
  /** Invocations running at once; more events wait in a queue. @default 4 */
  readonly concurrency?: number;
  readonly onAttempt?: (report: AttemptReport) => void;
  /** Called when the failure file could not be written. */
  readonly onFailureFileError?: (error: Error, record: FailedInvocationRecord) => void;
}

/** Asynchronous invocations with retries, a failure file and a bound on concurrency. */
export class AsyncDelivery {
  readonly #options: AsyncDeliveryOptions;
  readonly #retries: number;
  readonly #delays: readonly number[];
  readonly #concurrency: number;
  readonly #queue: { event: S3Event; attempt: number }[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #running = 0;
  #pendingRetries = 0;
  #stopped = false;

  constructor(options: AsyncDeliveryOptions) {
    this.#options = options;
    this.#retries = options.retries ?? 2;
    this.#delays = options.retryDelaysMs ?? [1000, 2000];
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Queues one event; returns at once, as an asynchronous invoke does. */
  submit(event: S3Event): void {
    if (this.#stopped) return;

    this.#queue.push({ event, attempt: 1 });
    this.#drain();
  }

  /** Resolves once nothing is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();

    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops queued events and pending retries; invocations already running finish. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#pendingRetries = 0;
    this.#notifyIfIdle();
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#running === 0 && this.#pendingRetries === 0;
  }

  #notifyIfIdle(): void {
    if (!this.#isIdle()) return;

    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #drain(): void {
    while (this.#running < this.#concurrency && this.#queue.length > 0) {
      const { event, attempt } = this.#queue.shift() as { event: S3Event; attempt: number };
      this.#running++;
      void this.#deliver(event, attempt);
    }
  }

  async #deliver(event: S3Event, attempt: number): Promise<void> {
    let requestId = '';
    let error: Error | undefined;
    try {
      ({ requestId, error } = await this.#options.invoke(event, attempt));
    } catch (thrown) {
      error = thrown instanceof Error ? thrown : new Error(String(thrown));
    }

    const exhausted = error !== undefined && attempt > this.#retries;
    this.#options.onAttempt?.({ event, attempt, requestId, error, exhausted });

    if (error !== undefined && !exhausted && !this.#stopped) {
      this.#scheduleRetry(event, attempt + 1);
    } else if (exhausted && error !== undefined) {
      await this.#writeFailure(event, attempt, requestId, error);
    }

    this.#running--;
    this.#drain();
    this.#notifyIfIdle();
  }

  #scheduleRetry(event: S3Event, attempt: number): void {
    const delay = this.#delays[Math.min(attempt - 2, this.#delays.length - 1)] ?? 0;
    this.#pendingRetries++;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#pendingRetries--;
      if (this.#stopped) return;

      this.#queue.unshift({ event, attempt });
      this.#drain();
    }, delay);
    this.#timers.add(timer);
  }

  async #writeFailure(event: S3Event, invokeCount: number, requestId: string, error: Error): Promise<void> {
    const record: FailedInvocationRecord = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${this.#options.functionArn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: invokeCount,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: error.name, errorMessage: error.message },
    };

    try {
      await mkdir(dirname(this.#options.failureFile), { recursive: true });
      await appendFile(this.#options.failureFile, `${JSON.stringify(record)}\n`);
    } catch (writeError) {
      this.#options.onFailureFileError?.(writeError instanceof Error ? writeError : new Error(String(writeError)), record);
    }
  }
}
