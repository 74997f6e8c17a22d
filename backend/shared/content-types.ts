/**
 * The image types the pipeline accepts. This module imports no image library, so presign, which
 * needs only the list, bundles without sharp and its native binary.
 */

/** MIME types a presigned POST accepts, with the extension of the object key. */
export const ACCEPTED_TYPES = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/gif': 'gif',
} as const;

export type AcceptedType = keyof typeof ACCEPTED_TYPES;

export function isAcceptedType(value: string): value is AcceptedType {
  return Object.hasOwn(ACCEPTED_TYPES, value);
}
