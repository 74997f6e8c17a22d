/**
 * Registry of recent uploads as the embedded runtime saw them: the presign call, the upload to S3
 * and each process-photo invocation, with their trace ids. The inspector reads it from memory.
 */

export type UploadStage = 'presigned' | 'uploaded' | 'processing' | 'indexed' | 'rejected' | 'pending' | 'failed';

export interface PresignStep {
  readonly traceId: string;
  readonly requestId: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
}

export interface UploadStep {
  readonly key: string;
  readonly bytes: number;
  readonly eTag: string;
  /** Epoch milliseconds the POST to S3 arrived, when the runtime saw it. */
  readonly startedAt?: number;
  /** Epoch milliseconds S3 stored the object. */
  readonly storedAt: number;
}

export interface ProcessingAttempt {
  readonly traceId: string;
  readonly requestId: string;
  readonly attempt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly error?: string;
}

export interface UploadRecord {
  readonly uploadId: string;
  barName?: string;
  drinkName?: string;
  /** Epoch milliseconds the runtime first saw the upload. */
  readonly firstSeenAt: number;
  stage: UploadStage;
  /** Reason the pipeline rejected the photo, from the status the query handler returns. */
  reason?: string;
  presign?: PresignStep;
  upload?: UploadStep;
  readonly processing: ProcessingAttempt[];
  /** Milliseconds from the object's arrival in S3 to the end of the invocation that indexed it. */
  uploadToIndexedMs?: number;
}

/** The most recent uploads, by upload id. */
export class UploadRegistry {
  readonly #records = new Map<string, UploadRecord>();
  readonly #limit: number;

  /** @param limit uploads kept; the oldest is dropped first */
  constructor(limit = 200) {
    this.#limit = limit;
  }

  get(uploadId: string): UploadRecord | undefined {
    return this.#records.get(uploadId);
  }

  /** Returns the record of an upload, created when missing. */
  ensure(uploadId: string, now = Date.now()): UploadRecord {
    let record = this.#records.get(uploadId);
    if (record === undefined) {
      record = { uploadId, firstSeenAt: now, stage: 'presigned', processing: [] };
      this.#records.set(uploadId, record);
      if (this.#records.size > this.#limit) {
        this.#records.delete(this.#records.keys().next().value as string);
      }
    }

    return record;
  }

  /** Records, newest first. */
  list(): UploadRecord[] {
    return [...this.#records.values()].reverse();
  }

  /** Trace ids of an upload's presign call and processing attempts. */
  traceIds(record: UploadRecord): string[] {
    return [...(record.presign ? [record.presign.traceId] : []), ...record.processing.map((attempt) => attempt.traceId)];
  }
}
