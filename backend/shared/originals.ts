/** Reading an original from the bucket, writing its renditions, and moving it aside when rejected. */
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand } from '@aws-sdk/client-s3';

import { s3Client } from './clients.js';
import { config } from './config.js';
import type { RenderedRendition } from './image.js';
import { buildRenditionKey, toRejectedKey } from './object-keys.js';
import type { StoredRendition } from './types.js';

export interface Original {
  readonly bytes: Buffer;
  /** Content-Type the presigned POST fixed, which is the type the visitor declared. */
  readonly declaredType: string;
  /** User metadata without the `x-amz-meta-` prefix, names in lower case. */
  readonly metadata: Record<string, string>;
  /** ETag of the bytes read, without quotes. */
  readonly eTag: string;
}

/** Removes the quotes S3 puts around an ETag in responses and leaves out of event records. */
export function normalizeETag(eTag: string | undefined): string {
  return (eTag ?? '').replaceAll('"', '');
}

/** Downloads an original, or returns undefined when it is gone (moved aside by an earlier event). */
export async function readOriginal(key: string): Promise<Original | undefined> {
  try {
    const object = await s3Client.send(new GetObjectCommand({ Bucket: config.bucketName, Key: key }));
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);

    return { bytes, declaredType: object.ContentType ?? '', metadata: object.Metadata ?? {}, eTag: normalizeETag(object.ETag) };
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw error;
  }
}

/** Writes the renditions of one upload under `renditions/<uploadId>/`; rewriting them is harmless. */
export async function writeRenditions(uploadId: string, renditions: readonly RenderedRendition[]): Promise<StoredRendition[]> {
  return Promise.all(
    renditions.map(async ({ data, ...rendition }) => {
      const key = buildRenditionKey(uploadId, rendition.size, rendition.format);
      await s3Client.send(
        new PutObjectCommand({
          Bucket: config.bucketName,
          Key: key,
          Body: data,
          ContentType: `image/${rendition.format}`,
          CacheControl: 'private, max-age=31536000, immutable',
        }),
      );

      return { ...rendition, key, bytes: data.length };
    }),
  );
}

/** Builds the `CopySource` of a key: bucket and key, URL-encoded except for the slashes. */
function toCopySource(key: string): string {
  return `${config.bucketName}/${encodeURIComponent(key).replaceAll('%2F', '/')}`;
}

/** Moves a rejected original to `rejected/…`: copy first, so a failure leaves it in place for a retry. */
export async function moveToRejected(key: string): Promise<string> {
  const rejectedKey = toRejectedKey(key);
  await s3Client.send(new CopyObjectCommand({ Bucket: config.bucketName, Key: rejectedKey, CopySource: toCopySource(key) }));
  await s3Client.send(new DeleteObjectCommand({ Bucket: config.bucketName, Key: key }));

  return rejectedKey;
}

/** Returns the ETag of the object at `key` without quotes, or undefined when there is none. */
export async function readETag(key: string): Promise<string | undefined> {
  try {
    const head = await s3Client.send(new HeadObjectCommand({ Bucket: config.bucketName, Key: key }));

    return normalizeETag(head.ETag);
  } catch (error) {
    if (error instanceof NotFound || error instanceof NoSuchKey) return undefined;
    throw error;
  }
}
