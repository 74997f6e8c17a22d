/**
 * Request and response shapes of the drink-widgets HTTP API.
 *
 * This module holds types only, so the widgets import it with `import type` and nothing of the
 * backend reaches the browser bundle. `backend/openapi.yaml` describes the same contract for other
 * clients; change both together.
 */

/** Body of `POST /uploads`. */
export interface CreateUploadRequest {
  /** Name of the bar as the visitor typed it. */
  readonly barName: string;
  /** Name of the drink as the visitor typed it. */
  readonly drinkName: string;
  /** MIME type of the file the browser will send, for example `image/jpeg`. */
  readonly contentType: string;
  /** Size in bytes of the file the browser will send. */
  readonly contentLength: number;
}

/** Response of `POST /uploads` (201): a presigned POST for one object. */
export interface CreateUploadResponse {
  readonly uploadId: string;
  /** URL the browser sends the multipart form to. */
  readonly url: string;
  /** Form fields to send before the `file` field, in this order. */
  readonly fields: Record<string, string>;
  /** ISO 8601 time after which the presigned POST is rejected. */
  readonly expiresAt: string;
}

/** One web rendition of a photo, served through a time-limited presigned GET. */
export interface Rendition {
  /** Longest edge class, for example `thumb` (320 px) or `display` (1600 px). */
  readonly size: string;
  readonly format: 'jpeg' | 'webp';
  readonly width: number;
  readonly height: number;
  readonly url: string;
}

/** A photo as the API returns it. */
export interface Photo {
  readonly uploadId: string;
  /** Presigned GET URL of the display rendition (JPEG). */
  readonly url: string;
  /** Width in pixels as displayed, after EXIF orientation. */
  readonly width: number;
  /** Height in pixels as displayed, after EXIF orientation. */
  readonly height: number;
  /** MIME type of the file behind `url`. */
  readonly contentType: string;
  /** ISO 8601 time the upload was indexed. */
  readonly uploadedAt: string;
  readonly renditions?: readonly Rendition[];
  readonly capturedAt?: string;
  readonly cameraMake?: string;
  readonly cameraModel?: string;
  /** MIME type of the original upload, which is never served. */
  readonly originalContentType?: string;
  readonly originalBytes?: number;
}

export type UploadStatus = 'pending' | 'indexed' | 'rejected';

/** Response of `GET /uploads/{uploadId}`. */
export interface UploadStatusResponse {
  readonly uploadId: string;
  readonly status: UploadStatus;
  readonly barName: string;
  readonly drinkName: string;
  /** Reason the pipeline rejected the photo, present only when `status` is `rejected`. */
  readonly reason?: string;
  /** Present only when `status` is `indexed`. */
  readonly photo?: Photo;
}

/** Response of `GET /bars/{barName}/drinks/{drinkName}`. */
export interface DrinkResponse {
  /** The bar's name in the form first used. */
  readonly barName: string;
  /** The drink's name in the form first used. */
  readonly drinkName: string;
  /** The newest photo. */
  readonly photo: Photo;
  /** Earlier photos, newest first. */
  readonly earlierPhotos?: readonly Photo[];
  /** Opaque token for the next page of `earlierPhotos`. */
  readonly nextToken?: string;
}

/** One entry of `GET /bars/{barName}/drinks`. */
export interface DrinkSummary {
  readonly drinkName: string;
  readonly thumbnailUrl?: string;
  readonly updatedAt: string;
}

/** Response of `GET /bars/{barName}/drinks`. */
export interface DrinkListResponse {
  readonly barName: string;
  readonly drinks: readonly DrinkSummary[];
  readonly nextToken?: string;
}

/** One entry of `GET /bars`. */
export interface BarSummary {
  /** The bar's name in the form first used. */
  readonly barName: string;
}

/** Response of `GET /bars`. */
export interface BarListResponse {
  readonly bars: readonly BarSummary[];
  readonly nextToken?: string;
}

/** Body of every error response, whatever its status. */
export interface ErrorResponse {
  /** Stable machine-readable code, for example `InvalidField` or `NotFound`. */
  readonly error: string;
  /** Sentence for a person: what is wrong, with which value, and how to fix it. */
  readonly message: string;
  /** The request field the error is about, when there is one. */
  readonly field?: string;
}
