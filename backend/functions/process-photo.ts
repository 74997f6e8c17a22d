/**
 * S3 ObjectCreated on `photos/…`: checks the original, writes its renditions and indexes it, or
 * records why it was rejected and moves it to `rejected/…`.
 *
 * S3 delivers events at least once and in no fixed order. Every write is conditional or
 * idempotent, so a repeated event changes nothing and an older one never replaces a newer photo. A
 * failure part way throws, so the event is retried until the photo ends indexed or rejected.
 *
 * A presigned POST can be sent again until it expires, with other bytes under the same key. The
 * first ETag that process-photo reads claims the upload id (`claimUpload`). An object with another
 * ETag is a re-upload, so it is moved to `rejected/` unchecked and never indexed.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';

import { config } from '../shared/config.js';
import { PhotoRejectedError, RejectReason } from '../shared/errors.js';
import { inspectImage, renderRenditions } from '../shared/image.js';
import { logger } from '../shared/logger.js';
import { publishMetrics, recordPhotoIndexed, recordPhotoRejected, recordProcessingTime } from '../shared/metrics.js';
import { decodeEventKey, type OriginalKey, parseOriginalKey } from '../shared/object-keys.js';
import { moveToRejected, normalizeETag, readETag, readOriginal, writeRenditions } from '../shared/originals.js';
import { getUpload } from '../shared/table-reads.js';
import { claimUpload, indexPhoto, markRejected } from '../shared/table-writes.js';
import { toPhotoOrder } from '../shared/table.js';
import { annotate, inSubsegment, traceInvocation } from '../shared/tracing.js';
import type { PhotoRecord } from '../shared/types.js';

async function reject(key: string, parts: OriginalKey, error: PhotoRejectedError): Promise<void> {
  logger.warn('photo rejected', { reason: error.reason, detail: error.message, cause: error.cause instanceof Error ? error.cause.message : undefined });

  // The status is recorded before the original moves, because a retry finds nothing to
  // re-check once the original is gone.
  await markRejected(parts.uploadId, error.reason, error.message);
  const rejectedKey = await moveToRejected(key);
  logger.info('original moved aside', { objectKey: rejectedKey });
  recordPhotoRejected(error.reason);
  annotate({ outcome: 'rejected' });
}

/**
 * Moves a re-upload aside: the object now at `key`, unless it is the claimed original itself. The
 * indexed photo keeps its renditions and status. Its original is lost, because S3 replaced it when
 * the re-upload was stored, so nothing but checked bytes stays under `photos/`.
 */
async function setAsideReupload(key: string, claimedETag: string | undefined, eventETag: string): Promise<void> {
  const currentETag = await readETag(key);
  logger.warn('upload sent again with other bytes, not indexed', { objectKey: key, claimedETag, eventETag, currentETag });
  annotate({ outcome: 'reupload' });
  if (currentETag === undefined || currentETag === claimedETag) return;

  // NOTE: another re-upload between the HEAD and the copy would be moved instead, which still
  // leaves only checked bytes or nothing under the key.
  const rejectedKey = await moveToRejected(key);
  logger.info('re-upload moved aside', { objectKey: rejectedKey });
}

async function processRecord(record: S3EventRecord): Promise<void> {
  const key = decodeEventKey(record.s3.object.key);
  const parts = parseOriginalKey(key);
  if (parts === undefined) {
    logger.info('object outside the photo layout ignored', { objectKey: key });

    return;
  }
  logger.appendKeys({ uploadId: parts.uploadId, bar: parts.barName, drink: parts.drinkName });
  annotate({ uploadId: parts.uploadId, barName: parts.barName, drinkName: parts.drinkName });

  const status = await getUpload(parts.uploadId);
  const eventETag = normalizeETag(record.s3.object.eTag);
  const order = toPhotoOrder(record.eventTime, record.s3.object.sequencer);
  // Items indexed before claims existed have no claimedETag; their events count as repeats.
  const claimedByOther = status?.claimedETag !== undefined && status.claimedETag !== eventETag;
  if (status?.status === 'indexed' && !claimedByOther) {
    logger.info('photo already indexed, event repeated');
    annotate({ outcome: 'repeated' });

    return;
  }
  if (claimedByOther && status?.status !== 'pending') {
    await setAsideReupload(key, status?.claimedETag, eventETag);

    return;
  }
  if (record.s3.object.size > config.maxUploadBytes) {
    // s3rver does not enforce the POST policy, and neither does S3 for a key written another way.
    // The size in the event spares the download.
    const claim = await claimUpload(parts.uploadId, eventETag, order);
    if (!claim.claimed) {
      await setAsideReupload(key, claim.claimedETag, eventETag);

      return;
    }
    const tooLarge = new PhotoRejectedError(RejectReason.TooLarge, `The file has ${record.s3.object.size} bytes, more than the ${config.maxUploadBytes} bytes accepted; upload a smaller photo.`);
    await reject(key, parts, tooLarge);

    return;
  }

  const original = await readOriginal(key);
  if (original === undefined) {
    logger.info('original not found, event handled before', { objectKey: key, status: status?.status });
    annotate({ outcome: 'repeated' });

    return;
  }
  // The claim uses the ETag of the bytes read, not the event's: when two sends of one form race,
  // the object may already hold the other send's bytes, and only the bytes read get checked.
  const claim = await claimUpload(parts.uploadId, original.eTag, order);
  if (!claim.claimed) {
    await setAsideReupload(key, claim.claimedETag, original.eTag);

    return;
  }
  const presignTraceId = original.metadata['trace-id'];
  logger.appendKeys({ presignTraceId });
  annotate({ presignTraceId });
  logger.info('original downloaded', {
    bytes: original.bytes.length,
    declaredType: original.declaredType,
    declaredLength: original.metadata['declared-length'],
  });

  let image: Awaited<ReturnType<typeof inspectImage>>;
  let renditions: Awaited<ReturnType<typeof renderRenditions>>;
  try {
    ({ image, renditions } = await inSubsegment('image', async () => {
      const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxInputPixels };
      const inspected = await inspectImage(original.bytes, original.declaredType, limits);

      return { image: inspected, renditions: await renderRenditions(original.bytes, limits.maxPixels) };
    }));
  } catch (error) {
    if (!(error instanceof PhotoRejectedError)) throw error;
    await reject(key, parts, error);

    return;
  }
  logger.info('image checked and rendered', { contentType: image.contentType, width: image.width, height: image.height });

  const stored = await writeRenditions(parts.uploadId, renditions);
  logger.info('renditions written', { count: stored.length });

  const indexedAt = new Date();
  const photo: PhotoRecord = {
    uploadId: parts.uploadId,
    order: claim.order,
    width: image.width,
    height: image.height,
    originalContentType: image.contentType,
    originalBytes: image.bytes,
    sha256: image.sha256,
    storedAt: record.eventTime,
    uploadedAt: indexedAt.toISOString(),
    ...(image.capturedAt ? { capturedAt: image.capturedAt } : {}),
    ...(image.cameraMake ? { cameraMake: image.cameraMake } : {}),
    ...(image.cameraModel ? { cameraModel: image.cameraModel } : {}),
    renditions: stored,
  };
  const isLatest = await indexPhoto(parts.barName, parts.drinkName, photo);
  logger.info('photo indexed', { isLatest, order: photo.order });
  recordPhotoIndexed(indexedAt.getTime() - Date.parse(record.eventTime), image.bytes);
  annotate({ outcome: 'indexed' });
}

export async function handler(event: S3Event): Promise<void> {
  await traceInvocation('process-photo', async () => {
    try {
      for (const record of event.Records) {
        const started = Date.now();
        try {
          await processRecord(record);
        } catch (error) {
          logger.error('photo processing failed, the event will be retried', error instanceof Error ? error : new Error(String(error)));
          annotate({ outcome: 'error' });
          throw error;
        } finally {
          recordProcessingTime(Date.now() - started);
          logger.resetKeys();
        }
      }
    } finally {
      publishMetrics();
    }
  });
}
