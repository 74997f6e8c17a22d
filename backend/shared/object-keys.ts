/**
 * The object key layout of the bucket, and the URL encoding that S3 event notifications apply to
 * keys.
 *
 * - Original: `photos/<bar>/<drink>/<uploadId>.<ext>`, where each name segment is the normalized
 *   name with only `%` written as `%25`, `/` as `%2F` and `$` as `%24`.
 * - Rejected original: the same path under `rejected/`.
 * - Rendition: `renditions/<uploadId>/<size>.<format>`.
 */

export const ORIGINALS_PREFIX = 'photos/';
export const REJECTED_PREFIX = 'rejected/';
export const RENDITIONS_PREFIX = 'renditions/';

/** Parts of an original's object key. */
export interface OriginalKey {
  readonly barName: string;
  readonly drinkName: string;
  readonly uploadId: string;
  readonly extension: string;
}

const UPLOAD_FILE = /^([0-9a-f-]{36})\.([a-z0-9]{2,5})$/;

/**
 * Escapes a name for one key segment: `%` first so that the other escapes stay unambiguous. `$` is
 * escaped because S3 replaces `${filename}` in a POST form's `key` field with the uploaded file's
 * name, which would let the uploader choose part of the key.
 */
function escapeSegment(name: string): string {
  return name.replaceAll('%', '%25').replaceAll('/', '%2F').replaceAll('$', '%24');
}

const SEGMENT_ESCAPES: Readonly<Record<string, string>> = { '%25': '%', '%2F': '/', '%24': '$' };

/** Reverses `escapeSegment` in one pass. A `$` left unescaped, as keys written before `%24` have it, stays a `$`. */
function unescapeSegment(segment: string): string {
  return segment.replace(/%(?:25|2F|24)/g, (escape) => SEGMENT_ESCAPES[escape] ?? escape);
}

/** Builds the object key of an original upload. */
export function buildOriginalKey(parts: OriginalKey): string {
  return `${ORIGINALS_PREFIX}${escapeSegment(parts.barName)}/${escapeSegment(parts.drinkName)}/${parts.uploadId}.${parts.extension}`;
}

/** Parses the object key of an original, or returns undefined for any key outside that layout. */
export function parseOriginalKey(key: string): OriginalKey | undefined {
  if (!key.startsWith(ORIGINALS_PREFIX)) return undefined;

  const segments = key.slice(ORIGINALS_PREFIX.length).split('/');
  if (segments.length !== 3) return undefined;

  const [bar, drink, file] = segments as [string, string, string];
  const match = UPLOAD_FILE.exec(file);
  if (bar.length === 0 || drink.length === 0 || match === null) return undefined;

  return {
    barName: unescapeSegment(bar),
    drinkName: unescapeSegment(drink),
    uploadId: match[1] as string,
    extension: match[2] as string,
  };
}

/** Builds the key an original moves to when the pipeline rejects it. */
export function toRejectedKey(originalKey: string): string {
  return REJECTED_PREFIX + originalKey.slice(ORIGINALS_PREFIX.length);
}

export function buildRenditionKey(uploadId: string, size: string, format: string): string {
  return `${RENDITIONS_PREFIX}${uploadId}/${size}.${format}`;
}

/**
 * Decodes an object key as S3 event notifications carry it: form URL encoding, where `+` is a
 * space and every other byte outside the unreserved set is `%XX` of its UTF-8.
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replaceAll('+', ' '));
}

/**
 * Encodes an object key the way S3 event notifications do, for servers such as s3rver whose events
 * carry the raw key: a space becomes `+`, and only letters, digits, `/` and `-_.*` stay as they
 * are.
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
    .replaceAll('%2F', '/');
}
