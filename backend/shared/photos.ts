/** Turns stored photo records into the API's `Photo`, with presigned GET URLs of the renditions. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

import type { Photo, Rendition } from './api.js';
import { s3Client } from './clients.js';
import { config } from './config.js';
import type { PhotoRecord, StoredRendition } from './types.js';

const RENDITION_TYPES = { jpeg: 'image/jpeg', webp: 'image/webp' } as const;

/** Presigns a GET of one rendition; the bucket stays private and originals are never served. */
export function presignRendition(rendition: StoredRendition): Promise<string> {
  return getSignedUrl(
    s3Client,
    new GetObjectCommand({
      Bucket: config.bucketName,
      Key: rendition.key,
      ResponseContentType: RENDITION_TYPES[rendition.format],
      // Renditions never change, so a browser may keep them as long as the URL lives.
      ResponseCacheControl: `private, max-age=${config.downloadExpirySeconds}, immutable`,
    }),
    { expiresIn: config.downloadExpirySeconds },
  );
}

function findRendition(record: PhotoRecord, size: string, format: string): StoredRendition {
  const rendition = record.renditions.find((candidate) => candidate.size === size && candidate.format === format);
  if (rendition === undefined) throw new Error(`photo ${record.uploadId} has no ${size} ${format} rendition`);

  return rendition;
}

export async function toApiPhoto(record: PhotoRecord): Promise<Photo> {
  const renditions: Rendition[] = await Promise.all(
    record.renditions.map(async (rendition) => ({
      size: rendition.size,
      format: rendition.format,
      width: rendition.width,
      height: rendition.height,
      url: await presignRendition(rendition),
    })),
  );
  const display = findRendition(record, 'display', 'jpeg');

  return {
    uploadId: record.uploadId,
    url: await presignRendition(display),
    width: record.width,
    height: record.height,
    contentType: RENDITION_TYPES.jpeg,
    uploadedAt: record.uploadedAt,
    renditions,
    originalContentType: record.originalContentType,
    originalBytes: record.originalBytes,
    ...(record.capturedAt ? { capturedAt: record.capturedAt } : {}),
    ...(record.cameraMake ? { cameraMake: record.cameraMake } : {}),
    ...(record.cameraModel ? { cameraModel: record.cameraModel } : {}),
  };
}

/** Presigns the JPEG thumbnail of a photo. */
export function thumbnailUrl(record: PhotoRecord): Promise<string> {
  return presignRendition(findRendition(record, 'thumb', 'jpeg'));
}
