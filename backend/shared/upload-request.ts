/**
 * Reading and checking the body of `POST /uploads`. Every problem becomes an `HttpError` that
 * names the field and the fix, so a bad request never ends in a 500.
 */
import { HttpError } from './errors.js';
import { ACCEPTED_TYPES, type AcceptedType, isAcceptedType } from './content-types.js';
import { findNameProblem, MAX_NAME_LENGTH, normalizeName } from './names.js';

/** Largest request body read, in bytes; four fields fit in far less. */
export const MAX_BODY_BYTES = 4096;

const FIELDS = ['barName', 'drinkName', 'contentType', 'contentLength'] as const;

export interface UploadRequest {
  readonly barName: string;
  readonly drinkName: string;
  readonly contentType: AcceptedType;
  readonly contentLength: number;
}

function invalid(field: string, message: string): HttpError {
  return new HttpError(400, 'InvalidField', message, field);
}

function readName(body: Record<string, unknown>, field: 'barName' | 'drinkName'): string {
  const value = body[field];
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string of 1 to ${MAX_NAME_LENGTH} characters, not ${JSON.stringify(value)}.`);

  const name = normalizeName(value);
  const problem = findNameProblem(name);
  if (problem !== undefined) throw invalid(field, `${field} ${problem}; send a name of 1 to ${MAX_NAME_LENGTH} printable characters.`);

  return name;
}

/** Parses the raw body of `POST /uploads` and checks every field against `maxUploadBytes`. */
export function parseUploadRequest(rawBody: string | null, isBase64Encoded: boolean, maxUploadBytes: number): UploadRequest {
  const text = isBase64Encoded && rawBody !== null ? Buffer.from(rawBody, 'base64').toString('utf8') : rawBody;
  if (text === null || text.trim() === '') {
    throw new HttpError(400, 'MissingBody', 'The request has no body; send JSON with barName, drinkName, contentType and contentLength.');
  }
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new HttpError(413, 'BodyTooLarge', `The request body has ${Buffer.byteLength(text)} bytes, more than the ${MAX_BODY_BYTES} accepted; send only the four fields.`);
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'MalformedJson', 'The request body is not valid JSON; send an object such as {"barName": "…", "drinkName": "…", "contentType": "image/jpeg", "contentLength": 123456}.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'MalformedJson', 'The request body must be a JSON object with barName, drinkName, contentType and contentLength.');
  }

  const record = body as Record<string, unknown>;
  const unknownField = Object.keys(record).find((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknownField !== undefined) throw new HttpError(400, 'UnknownField', `${unknownField} is not a field of this request; send only ${FIELDS.join(', ')}.`, unknownField);
  const missingField = FIELDS.find((field) => !(field in record));
  if (missingField !== undefined) throw new HttpError(400, 'MissingField', `${missingField} is missing; send it with the other fields.`, missingField);

  const barName = readName(record, 'barName');
  const drinkName = readName(record, 'drinkName');

  const contentType = record.contentType;
  if (typeof contentType !== 'string' || !isAcceptedType(contentType)) {
    throw invalid('contentType', `contentType ${JSON.stringify(contentType)} is not accepted; send one of ${Object.keys(ACCEPTED_TYPES).join(', ')}.`);
  }

  const contentLength = record.contentLength;
  if (typeof contentLength !== 'number' || !Number.isSafeInteger(contentLength) || contentLength <= 0) {
    throw invalid('contentLength', `contentLength ${JSON.stringify(contentLength)} is not valid; send the file size in bytes as a positive integer.`);
  }
  if (contentLength > maxUploadBytes) {
    throw invalid('contentLength', `contentLength ${contentLength} is more than the ${maxUploadBytes} bytes accepted; upload a smaller photo.`);
  }

  return { barName, drinkName, contentType, contentLength };
}
