/**
 * `POST /uploads`: checks the request, reserves the names and returns a presigned POST for one
 * original under a key the server chooses. The policy fixes the key, the exact Content-Type, the
 * size range and the metadata, so the browser can change none of them.
 */
import { randomUUID } from 'node:crypto';

import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

import type { CreateUploadResponse } from '../shared/api.js';
import { s3Client } from '../shared/clients.js';
import { config } from '../shared/config.js';
import { HttpError } from '../shared/errors.js';
import { errorResponse, jsonResponse, preflightResponse, readHeader } from '../shared/http.js';
import { ACCEPTED_TYPES } from '../shared/content-types.js';
import { logger } from '../shared/logger.js';
import { publishMetrics, recordUploadRequested } from '../shared/metrics.js';
import { buildOriginalKey } from '../shared/object-keys.js';
import { putPendingUpload, reserveNames } from '../shared/table-writes.js';
import { annotate, currentTraceId, traceInvocation } from '../shared/tracing.js';
import { parseUploadRequest } from '../shared/upload-request.js';

/** Object metadata fields the policy fixes; S3 stores them as `x-amz-meta-*` headers. */
export const METADATA_FIELDS = {
  traceId: 'x-amz-meta-trace-id',
  declaredLength: 'x-amz-meta-declared-length',
} as const;

/** Status items of uploads that never arrive expire this long after the presigned POST does. */
const PENDING_GRACE_SECONDS = 24 * 3600;

async function createUpload(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const request = parseUploadRequest(event.body, event.isBase64Encoded, config.maxUploadBytes);
  const uploadId = randomUUID();
  logger.appendKeys({ uploadId, bar: request.barName, drink: request.drinkName });
  annotate({ uploadId, barName: request.barName, drinkName: request.drinkName });

  const names = await reserveNames(request.barName, request.drinkName);
  const key = buildOriginalKey({ ...names, uploadId, extension: ACCEPTED_TYPES[request.contentType] });
  const traceId = currentTraceId(readHeader(event, 'x-amzn-trace-id'));
  const fields: Record<string, string> = {
    'Content-Type': request.contentType,
    [METADATA_FIELDS.declaredLength]: String(request.contentLength),
    ...(traceId ? { [METADATA_FIELDS.traceId]: traceId } : {}),
  };

  const requestedAt = new Date();
  const expiresAt = new Date(requestedAt.getTime() + config.uploadExpirySeconds * 1000);
  const post = await createPresignedPost(s3Client, {
    Bucket: config.bucketName,
    Key: key,
    Fields: fields,
    // createPresignedPost (3.1178) adds an exact-match condition for the key and for every field.
    Conditions: [['content-length-range', 1, config.maxUploadBytes]],
    Expires: config.uploadExpirySeconds,
  });
  // The URL and the policy fields are not logged, because the signature in them grants the upload.
  logger.info('presigned post created', { objectKey: key, expiresAt: expiresAt.toISOString() });

  await putPendingUpload({
    uploadId,
    ...names,
    objectKey: key,
    declaredContentType: request.contentType,
    declaredContentLength: request.contentLength,
    requestedAt: requestedAt.toISOString(),
    ttl: Math.floor(expiresAt.getTime() / 1000) + PENDING_GRACE_SECONDS,
  });
  logger.info('upload status stored', { status: 'pending' });
  recordUploadRequested();
  annotate({ outcome: 'presigned' });

  const body: CreateUploadResponse = { uploadId, url: post.url, fields: post.fields, expiresAt: expiresAt.toISOString() };

  return jsonResponse(event, 201, body);
}

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return traceInvocation('presign', async () => {
    try {
      if (event.httpMethod === 'OPTIONS') return preflightResponse(event, 'POST, OPTIONS');
      if (event.httpMethod !== 'POST') {
        throw new HttpError(405, 'MethodNotAllowed', `${event.httpMethod} is not allowed on /uploads; use POST.`);
      }

      return await createUpload(event);
    } catch (error) {
      if (error instanceof HttpError) {
        logger.info('request rejected', { statusCode: error.statusCode, error: error.code, field: error.field });
        annotate({ outcome: 'invalid' });
      } else {
        logger.error('upload request failed', error instanceof Error ? error : new Error(String(error)));
        annotate({ outcome: 'error' });
      }

      return errorResponse(event, error);
    } finally {
      publishMetrics();
      logger.resetKeys();
    }
  });
}
