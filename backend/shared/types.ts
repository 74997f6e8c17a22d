/**
 * Shapes of the DynamoDB items. Every item has `pk`, `sk` and `type`; see `table.ts` for the keys.
 */
import type { UploadStatus } from './api.js';

/** One rendition object as stored; the API adds a presigned GET URL. */
export interface StoredRendition {
  readonly size: 'thumb' | 'display';
  readonly format: 'jpeg' | 'webp';
  readonly width: number;
  readonly height: number;
  readonly key: string;
  readonly bytes: number;
}

/** Facts process-photo stores about an indexed photo. */
export interface PhotoRecord {
  readonly uploadId: string;
  /** Sort token of the S3 event: event time, then the sequencer left-padded (see `toPhotoOrder`). */
  readonly order: string;
  /** Width in pixels as displayed, after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** MIME type detected from the original's bytes. */
  readonly originalContentType: string;
  readonly originalBytes: number;
  /** SHA-256 of the original, hex. */
  readonly sha256: string;
  /** ISO 8601 time the original was stored in S3, from the event. */
  readonly storedAt: string;
  /** ISO 8601 time the photo was indexed. */
  readonly uploadedAt: string;
  /** EXIF DateTimeOriginal as local time without zone (`2011-04-02T18:30:10`), or with the EXIF offset. */
  readonly capturedAt?: string;
  readonly cameraMake?: string;
  readonly cameraModel?: string;
  readonly renditions: readonly StoredRendition[];
}

export interface UploadItem {
  readonly pk: string;
  readonly sk: string;
  readonly type: 'upload';
  readonly uploadId: string;
  readonly status: UploadStatus;
  readonly barName: string;
  readonly drinkName: string;
  readonly objectKey: string;
  readonly declaredContentType: string;
  readonly declaredContentLength: number;
  readonly requestedAt: string;
  readonly ttl: number;
  readonly reason?: string;
  readonly reasonCode?: string;
  readonly photo?: PhotoRecord;
  /** ETag (without quotes) of the one object process-photo accepted for this upload id. */
  readonly claimedETag?: string;
  /** Photo order of the first event that claimed the upload; every later event of it reuses it. */
  readonly claimedOrder?: string;
}

export interface DrinkItem {
  readonly pk: string;
  readonly sk: string;
  readonly type: 'drink';
  readonly barName: string;
  readonly drinkName: string;
  readonly latest: PhotoRecord;
  readonly latestOrder: string;
  readonly updatedAt: string;
}

export interface BarItem {
  readonly pk: string;
  readonly sk: string;
  readonly type: 'bar';
  readonly barName: string;
}
