/**
 * Checks of the Signature Version 4 signature of a request to the local S3 endpoint, from the
 * `Authorization` header or from a presigned URL's query, as S3 makes them for a private bucket.
 * s3rver 3.7 accepts any V4 signature without computing it, and a request with none as anonymous,
 * so the embedded runtime runs these checks in front of it.
 *
 * The payload hash is taken from `x-amz-content-sha256` as sent (`UNSIGNED-PAYLOAD` for a presigned
 * URL); S3 also checks that hash against the body, which this check does not.
 *
 * Source: "Authenticating Requests (AWS Signature Version 4)" in the Amazon S3 API Reference.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import { signingKey, type PolicyCheck } from './post-policy.js';

export interface SignedRequest {
  readonly method: string;
  /** Request target as received: the path, percent-encoded as sent, and the query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Largest difference S3 allows between `x-amz-date` and its clock for header signatures. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Maximum lifetime of a presigned URL in S3, in seconds (7 days). */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

interface SignatureParts {
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
  /** `x-amz-date`, in the basic ISO 8601 format `20261204T205100Z`. */
  readonly amzDate: string;
  readonly payloadHash: string;
  /** Query pairs that the signature covers, still percent-encoded. */
  readonly query: readonly (readonly [string, string])[];
  readonly expiresSeconds?: number;
}

function denied(message: string, code = 'AccessDenied', status = 403): PolicyCheck {
  return { ok: false, status, code, message };
}

/** Encodes as SigV4 requires: every byte except the unreserved characters `A-Z a-z 0-9 - _ . ~`. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

function splitQuery(search: string): [string, string][] {
  if (search === '') return [];

  return search.split('&').map((pair) => {
    const equals = pair.indexOf('=');

    return equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
  });
}

function decodeQueryPart(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, '%20'));
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];

  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(header: string, headers: IncomingHttpHeaders, query: [string, string][]): SignatureParts | PolicyCheck {
  if (!header.startsWith(`${ALGORITHM} `)) return denied(`The authorization mechanism you have provided is not supported. Please use ${ALGORITHM}.`, 'InvalidArgument', 400);

  const fields = new Map(
    header
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((field) => field.trim().split('=', 2) as [string, string | undefined]),
  );
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const amzDate = headerValue(headers, 'x-amz-date');
  const payloadHash = headerValue(headers, 'x-amz-content-sha256');
  if (!credential || !signedHeaders || !signature || !amzDate || !payloadHash) {
    return denied('The authorization header is malformed; it needs Credential, SignedHeaders, Signature, x-amz-date and x-amz-content-sha256.', 'AuthorizationHeaderMalformed', 400);
  }

  return { credential, signedHeaders, signature, amzDate, payloadHash, query };
}

function parsePresignedQuery(query: [string, string][]): SignatureParts | PolicyCheck {
  const parameters = new Map(query.map(([name, value]) => [decodeQueryPart(name), decodeQueryPart(value)]));
  const algorithm = parameters.get('X-Amz-Algorithm');
  const credential = parameters.get('X-Amz-Credential');
  const signedHeaders = parameters.get('X-Amz-SignedHeaders');
  const signature = parameters.get('X-Amz-Signature');
  const amzDate = parameters.get('X-Amz-Date');
  const expiresSeconds = Number(parameters.get('X-Amz-Expires'));
  if (algorithm !== ALGORITHM || !credential || !signedHeaders || !signature || !amzDate) {
    return denied(`Query-string authentication version 4 requires the X-Amz-Algorithm (${ALGORITHM}), X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Expires parameters.`, 'AuthorizationQueryParametersError', 400);
  }
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_EXPIRES_SECONDS) {
    return denied(`X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_EXPIRES_SECONDS}.`, 'AuthorizationQueryParametersError', 400);
  }

  const covered = query.filter(([name]) => decodeQueryPart(name) !== 'X-Amz-Signature');

  return { credential, signedHeaders, signature, amzDate, payloadHash: 'UNSIGNED-PAYLOAD', query: covered, expiresSeconds };
}

/** Parses `20261204T205100Z` as epoch milliseconds, or NaN. */
function parseAmzDate(amzDate: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (match === null) return Number.NaN;

  const [, year, month, day, hour, minute, second] = match;

  return Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
}

/** Orders query pairs by encoded name, then by encoded value, as the canonical query string needs. */
function compareQueryPairs([nameA, valueA]: readonly [string, string], [nameB, valueB]: readonly [string, string]): number {
  if (nameA !== nameB) return nameA < nameB ? -1 : 1;
  if (valueA === valueB) return 0;

  return valueA < valueB ? -1 : 1;
}

function buildCanonicalRequest(request: SignedRequest, path: string, parts: SignatureParts): string | undefined {
  let query: string[];
  try {
    query = parts.query
      .map(([name, value]) => [encodeRfc3986(decodeQueryPart(name)), encodeRfc3986(decodeQueryPart(value))] as const)
      .sort(compareQueryPairs)
      .map(([name, value]) => `${name}=${value}`);
  } catch {
    return undefined;
  }
  const headerNames = parts.signedHeaders.split(';');
  const headers = headerNames.map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`);

  return [request.method, path, query.join('&'), headers.join(''), parts.signedHeaders, parts.payloadHash].join('\n');
}

/**
 * Checks the request's signature, and for a presigned URL its expiry. Returns `ok: false` with S3's
 * error code for a request with no signature, because the bucket is private.
 */
export function checkRequestSignature(request: SignedRequest, secrets: Readonly<Record<string, string>>, now = new Date()): PolicyCheck {
  const queryStart = request.url.indexOf('?');
  const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const query = splitQuery(queryStart === -1 ? '' : request.url.slice(queryStart + 1));
  const authorization = headerValue(request.headers, 'authorization');
  const presigned = query.some(([name]) => name === 'X-Amz-Algorithm');
  if (authorization === undefined && !presigned) return denied('Access Denied');
  if (authorization !== undefined && presigned) {
    return denied('Only one auth mechanism allowed; send either the Authorization header or the X-Amz-Algorithm query parameter.', 'InvalidArgument', 400);
  }

  let parts: SignatureParts | PolicyCheck;
  try {
    parts = authorization !== undefined ? parseAuthorization(authorization, request.headers, query) : parsePresignedQuery(query);
  } catch {
    return denied('The query string has a malformed percent escape.', 'InvalidArgument', 400);
  }
  if ('ok' in parts) return parts;

  const [accessKeyId, date, region, service, terminator] = parts.credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request' || !parts.amzDate.startsWith(date)) {
    return denied('The credential is malformed; expected <key id>/<yyyymmdd>/<region>/s3/aws4_request, dated as x-amz-date.', 'AuthorizationHeaderMalformed', 400);
  }
  const secret = Object.hasOwn(secrets, accessKeyId) ? secrets[accessKeyId] : undefined;
  if (secret === undefined) return denied('The AWS Access Key Id you provided does not exist in our records.', 'InvalidAccessKeyId');

  const signedAt = parseAmzDate(parts.amzDate);
  if (Number.isNaN(signedAt)) return denied(`x-amz-date ${parts.amzDate} is not in the format yyyyMMddTHHmmssZ.`, 'AccessDenied');
  if (parts.expiresSeconds !== undefined) {
    if (now.getTime() > signedAt + parts.expiresSeconds * 1000) return denied('Request has expired');
  } else if (Math.abs(now.getTime() - signedAt) > MAX_CLOCK_SKEW_MS) {
    return denied('The difference between the request time and the current time is too large.', 'RequestTimeTooSkewed');
  }

  const canonicalRequest = buildCanonicalRequest(request, path, parts);
  if (canonicalRequest === undefined) return denied('The query string has a malformed percent escape.', 'InvalidArgument', 400);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, parts.amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const expected = createHmac('sha256', signingKey(secret, date, region, service)).update(stringToSign).digest();
  const provided = Buffer.from(parts.signature, 'hex');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return denied('The request signature we calculated does not match the signature you provided. Check your key and signing method.', 'SignatureDoesNotMatch');
  }

  return { ok: true };
}
