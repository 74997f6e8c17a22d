/**
 * A wrapper around s3rver's request listener that adds what s3rver lacks. It checks each browser
 * POST upload against its presigned POST policy and every other request's Signature Version 4
 * signature, as S3 does for a private bucket. It also decodes `x-amz-copy-source` as S3 does, and
 * marks every request with its arrival time for s3rver's synchronous `event` emission.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import { checkPostPolicy, policyErrorXml, type PolicyCheck } from './post-policy.js';
import { checkRequestSignature } from './signature-v4.js';

export interface S3FrontOptions {
  readonly bucket: string;
  readonly secrets: Readonly<Record<string, string>>;
  /** Origins of the bucket's CORS rules, sent back on the errors this front writes itself. */
  readonly allowedOrigins: readonly string[];
  /** Largest POST body read for the check, in bytes; a larger one is rejected as EntityTooLarge. */
  readonly maxBodyBytes: () => number;
}

export interface S3RequestInfo {
  /** Epoch milliseconds the request arrived. */
  readonly startedAt: number;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Moves s3rver's request listeners inside the wrapper. Returns the store that contains the arrival
 * time of the request being handled.
 */
export function installS3Front(s3rver: unknown, options: S3FrontOptions): AsyncLocalStorage<S3RequestInfo> {
  const storage = new AsyncLocalStorage<S3RequestInfo>();
  const httpServer = (s3rver as { httpServer?: Server }).httpServer;
  if (httpServer === undefined) throw new Error('s3rver has no HTTP server; start it before installing the front');

  const listeners = httpServer.listeners('request') as RequestListener[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const info = { startedAt: Date.now() };
    const forward = (forwarded: IncomingMessage) =>
      storage.run(info, () => {
        for (const listener of listeners) listener.call(httpServer, forwarded, response);
      });

    if (!isBrowserPost(request, options.bucket)) {
      // S3 answers CORS preflights without a signature; s3rver applies the bucket's CORS rules.
      const check = request.method === 'OPTIONS' ? { ok: true as const } : checkRequestSignature({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers }, options.secrets);
      if (!check.ok) {
        request.resume();
        writeS3Error(request, response, check, options.allowedOrigins);
        return;
      }
      fixCopySource(request);
      forward(request);
      return;
    }

    checkBrowserPost(request, options).then(
      (result) => {
        if (result.check.ok) forward(replayRequest(request, result.body));
        else writeS3Error(request, response, result.check, options.allowedOrigins);
      },
      () => response.destroy(),
    );
  });

  return storage;
}

/**
 * Rewrites `x-amz-copy-source` for s3rver 3.7, which decodes it with `decodeURI` and so keeps
 * `%2B`, `%23`, `%3F` and the other reserved escapes undecoded, where S3 decodes them. After the
 * rewrite, `decodeURI` yields the key that S3 would read.
 */
function fixCopySource(request: IncomingMessage): void {
  const copySource = request.headers['x-amz-copy-source'];
  if (typeof copySource !== 'string') return;

  try {
    request.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(copySource));
  } catch {
    // A malformed escape goes to s3rver unchanged, which rejects it as S3 would.
  }
}

/**
 * Returns true for a POST Object upload: a multipart form sent to the bucket's path, whatever its
 * query string. The path compares as s3rver routes it, one percent-decoded segment with an optional
 * trailing slash, so `/%64rink-photos?x=1` counts as the bucket too. Every other request needs a
 * signature, so a form that takes another route is rejected rather than stored unchecked.
 */
function isBrowserPost(request: IncomingMessage, bucket: string): boolean {
  if (request.method !== 'POST') return false;
  if (!/^multipart\/form-data/i.test(request.headers['content-type'] ?? '')) return false;

  const path = (request.url ?? '/').split('?', 1)[0] as string;
  const segments = path.split('/');
  const bucketSegment = segments[1];
  if (segments[0] !== '' || bucketSegment === undefined || segments.length > 3 || (segments.length === 3 && segments[2] !== '')) return false;

  try {
    return decodeURIComponent(bucketSegment) === bucket;
  } catch {
    return false;
  }
}

async function checkBrowserPost(
  request: IncomingMessage,
  options: S3FrontOptions,
): Promise<{ check: PolicyCheck; body: Buffer }> {
  const limit = options.maxBodyBytes();
  const chunks: Buffer[] = [];
  let size = 0;
  // A body over the limit is read to its end without being kept, so the response can still be sent.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) {
    return { check: { ok: false, status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' }, body: Buffer.alloc(0) };
  }
  const body = Buffer.concat(chunks);

  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
  } catch {
    return { check: { ok: false, status: 400, code: 'MalformedPOSTRequest', message: 'The body of your POST request is not well-formed multipart/form-data.' }, body };
  }

  // S3 reads the fields before the file and ignores those after it.
  const fields = new Map<string, string>();
  let fileSize: number | undefined;
  for (const [name, value] of form) {
    if (name === 'file') {
      fileSize = typeof value === 'string' ? Buffer.byteLength(value) : value.size;
      break;
    }
    if (typeof value === 'string') fields.set(name, value);
  }
  if (fileSize === undefined) {
    return { check: { ok: false, status: 400, code: 'InvalidArgument', message: 'POST requires exactly one file upload per request.' }, body };
  }

  return { check: checkPostPolicy({ fields, fileSize, bucket: options.bucket, secrets: options.secrets }), body };
}

/** Builds a request that reads the already consumed body again, for s3rver's own handling. */
function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from([body], { objectMode: false });

  return Object.assign(replay, {
    headers: original.headers,
    rawHeaders: original.rawHeaders,
    method: original.method,
    url: original.url,
    httpVersion: original.httpVersion,
    httpVersionMajor: original.httpVersionMajor,
    httpVersionMinor: original.httpVersionMinor,
    socket: original.socket,
    connection: original.socket,
    complete: true,
    aborted: false,
    trailers: {},
    rawTrailers: [],
  }) as unknown as IncomingMessage;
}

function writeS3Error(
  request: IncomingMessage,
  response: ServerResponse,
  check: Extract<PolicyCheck, { ok: false }>,
  allowedOrigins: readonly string[],
): void {
  const origin = request.headers.origin;
  const cors =
    origin !== undefined && (allowedOrigins.includes(origin) || allowedOrigins.includes('*'))
      ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'ETag', Vary: 'Origin' }
      : {};
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = policyErrorXml(check, requestId);

  response.writeHead(check.status, {
    ...cors,
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  response.end(body);
}
