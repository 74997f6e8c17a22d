/** Reading and checking the path and query parameters of the read routes. */
import type { APIGatewayProxyEvent } from 'aws-lambda';

import { HttpError } from './errors.js';
import { findNameProblem, MAX_NAME_LENGTH, normalizeName } from './names.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Normalizes a bar or drink name from a path as `POST /uploads` does, so lookups match. */
export function checkPathName(value: string | undefined, field: string): string {
  const name = normalizeName(value ?? '');
  const problem = findNameProblem(name);
  if (problem !== undefined) {
    throw new HttpError(400, 'InvalidParameter', `${field} ${problem}; send a percent-encoded name of 1 to ${MAX_NAME_LENGTH} characters.`, field);
  }

  return name;
}

export function checkUploadId(value: string | undefined): string {
  const uploadId = (value ?? '').toLowerCase();
  if (!UPLOAD_ID.test(uploadId)) {
    throw new HttpError(400, 'InvalidParameter', `uploadId ${JSON.stringify(value)} is not an upload id; send the uploadId that POST /uploads returned.`, 'uploadId');
  }

  return uploadId;
}

/** Reads `limit`, an integer from 1 to `max`. */
export function readLimit(event: APIGatewayProxyEvent, fallback: number, max: number): number {
  const raw = event.queryStringParameters?.limit;
  if (raw === undefined || raw === null || raw === '') return fallback;

  const limit = Number(raw);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new HttpError(400, 'InvalidParameter', `limit ${JSON.stringify(raw)} is not valid; send an integer from 1 to ${max}.`, 'limit');
  }

  return limit;
}

/** Reads `prefix`, normalized like a name; an empty prefix matches everything. */
export function readPrefix(event: APIGatewayProxyEvent): string {
  const prefix = normalizeName(event.queryStringParameters?.prefix ?? '');
  if (prefix === '') return prefix;

  // A prefix travels in the query string, so "." and ".." are valid prefixes of names such as "...".
  const problem = prefix === '.' || prefix === '..' ? undefined : findNameProblem(prefix);
  if (problem !== undefined) throw new HttpError(400, 'InvalidParameter', `prefix ${problem}; send the first characters of a name.`, 'prefix');

  return prefix;
}

export function readNextToken(event: APIGatewayProxyEvent): string | undefined {
  return event.queryStringParameters?.nextToken ?? undefined;
}
