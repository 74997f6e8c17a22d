/**
 * Checks on an uploaded original and the renditions made from it, all from the bytes in memory.
 *
 * The type comes from the bytes (file-type), never from the object key or the declared type. The
 * pixel count comes from the header (sharp metadata) before anything is decoded, and the decoder
 * gets the same limit, so a decompression bomb is rejected without being decoded.
 */
import { createHash } from 'node:crypto';

import exifr from 'exifr';
import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata, type OutputInfo } from 'sharp';

import { type AcceptedType, isAcceptedType } from './content-types.js';
import { PhotoRejectedError, RejectReason } from './errors.js';
import type { StoredRendition } from './types.js';

// libvips caches operations and their results per process. Each photo is decoded once and never
// again, so the cache would only grow the memory of a long-lived Lambda execution environment.
sharp.cache(false);


/** Rendition sizes, by the longest edge in pixels. */
export const RENDITION_SIZES = { thumb: 320, display: 1600 } as const;

/** Facts the checks read from an accepted original. */
export interface InspectedImage {
  readonly contentType: AcceptedType;
  readonly format: string;
  /** Width and height as displayed, after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly capturedAt?: string;
  readonly cameraMake?: string;
  readonly cameraModel?: string;
}

export interface RenderedRendition extends Omit<StoredRendition, 'key' | 'bytes'> {
  readonly data: Buffer;
}

/** Limits an original must stay within. */
export interface ImageLimits {
  readonly maxBytes: number;
  readonly maxPixels: number;
}

/**
 * Maps a MIME type to its family, because file-type names an iPhone photo `image/heic` while a
 * browser may send `image/heif`. Image sequences count as photos here.
 */
function typeFamily(type: string): string {
  if (type.startsWith('image/heic') || type.startsWith('image/heif')) return 'heif';

  return type;
}

function reject(reason: RejectReason, message: string, cause?: unknown): never {
  throw new PhotoRejectedError(reason, message, cause === undefined ? undefined : { cause });
}

/** Detects the type from the bytes, checks it against the declared type and the allow-list. */
async function detectType(bytes: Buffer, declaredType: string): Promise<AcceptedType> {
  const detected = await fileTypeFromBuffer(bytes);
  if (detected === undefined) reject(RejectReason.NotAnImage, 'The file is not an image in any format this service reads; upload a JPEG, PNG, WebP, AVIF, HEIC or GIF photo.');

  const contentType = detected.mime.replace(/-sequence$/, '');
  if (!isAcceptedType(contentType)) {
    reject(RejectReason.UnsupportedType, `The file is ${detected.mime}, which this service does not accept; upload a JPEG, PNG, WebP, AVIF, HEIC or GIF photo.`);
  }
  if (typeFamily(contentType) !== typeFamily(declaredType)) {
    reject(RejectReason.TypeMismatch, `The file is ${contentType} but was declared as ${declaredType}; request a new upload with contentType ${contentType}.`);
  }

  return contentType;
}

/**
 * Largest HEIF or AVIF original, in pixels, below the general limit. libheif in prebuilt sharp 0.35
 * decodes the whole frame with no shrink-on-load, at about 19 bytes a pixel. Decoding to 1600 px
 * peaked at 1.9 GB RSS for a 10000×10000 AVIF, and at 1.3 GB for an 8000×6000 10-bit AVIF with
 * alpha (2-core x86-64 machine). 50 MP keeps that within process-photo's 1,769 MB and covers 48 MP
 * phone photos.
 */
export const MAX_HEIF_PIXELS = 50_000_000;

/** Largest ratio of the long edge to the short edge. Panoramas stay under it; a 1×100,000,000 PNG took 16 s of CPU. */
export const MAX_ASPECT_RATIO = 20;

/**
 * Most scans a JPEG may have. libjpeg-turbo decodes every progressive scan over the whole frame, so
 * a 495 KB JPEG with 2,080 scans took 39 s of CPU; encoders write about 10. libjpeg-turbo's own
 * tools offer `-maxscans` for this reason, and sharp has no such option.
 */
export const MAX_JPEG_SCANS = 100;

function isRestartMarker(marker: number): boolean {
  return marker >= 0xd0 && marker <= 0xd7;
}

/**
 * Counts the start-of-scan (SOS) markers of a JPEG's first image by walking its segments, without
 * decoding. Entropy-coded data after each SOS is skipped up to the next marker, because a 0xFF byte
 * there is followed by a stuffed 0x00 or a restart marker. The walk stops at the end-of-image marker,
 * so images appended after it (multi-picture JPEGs) and thumbnails inside APPn segments do not count.
 */
export function countJpegScans(bytes: Uint8Array): number {
  let scans = 0;
  let offset = 2;
  while (offset + 1 < bytes.length) {
    const marker = bytes[offset + 1] as number;
    if (bytes[offset] !== 0xff || marker === 0xff) {
      // A fill byte before a marker, or garbage that the decoder reports itself.
      offset += 1;
      continue;
    }
    if (marker === 0xd9) break;
    if (marker === 0x01 || isRestartMarker(marker)) {
      offset += 2;
      continue;
    }
    if (offset + 3 >= bytes.length) break;

    offset += 2 + (((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number));
    if (marker !== 0xda) continue;

    scans += 1;
    while (offset + 1 < bytes.length) {
      const next = bytes[offset + 1] as number;
      if (bytes[offset] === 0xff && next !== 0x00 && !isRestartMarker(next)) break;
      offset += 1;
    }
  }

  return scans;
}

/**
 * Reads the header without decoding pixels, and checks the pixel count, the shape, the number of
 * JPEG scans and the codec.
 */
async function readHeader(bytes: Buffer, maxPixels: number): Promise<Metadata> {
  let metadata: Metadata;
  try {
    // The limit is off here because metadata() reads only the header; the check follows below.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    reject(RejectReason.Corrupt, 'The image header cannot be read; the file is damaged or cut off. Upload the photo again.', error);
  }

  const { width, height } = metadata;
  if (!width || !height) reject(RejectReason.Corrupt, 'The image header has no width or height; the file is damaged. Upload the photo again.');
  // NOTE: prebuilt sharp ships libheif without an HEVC decoder (libde265), so HEIC photos from
  // phones are rejected here; AVIF-coded HEIF decodes. This check comes first because a smaller
  // HEIC would not decode either.
  if (metadata.format === 'heif' && metadata.compression === 'hevc') {
    reject(RejectReason.UnsupportedHeic, 'HEIC photos (HEVC) cannot be processed; upload the photo as JPEG, for example with the iPhone setting Camera > Formats > Most Compatible.');
  }
  const pixelLimit = metadata.format === 'heif' ? Math.min(maxPixels, MAX_HEIF_PIXELS) : maxPixels;
  if (width * height > pixelLimit) {
    reject(RejectReason.TooManyPixels, `The image is ${width}×${height} pixels, more than the ${pixelLimit} pixels accepted for ${metadata.format.toUpperCase()}; upload a smaller photo.`);
  }
  if (Math.max(width, height) > MAX_ASPECT_RATIO * Math.min(width, height)) {
    reject(RejectReason.ExtremeAspectRatio, `The image is ${width}×${height} pixels, and its long edge is more than ${MAX_ASPECT_RATIO} times its short edge; upload a photo with a less extreme shape.`);
  }
  if (metadata.format === 'jpeg') {
    const scans = countJpegScans(bytes);
    if (scans > MAX_JPEG_SCANS) {
      reject(RejectReason.TooManyScans, `The JPEG has ${scans} progressive scans, more than the ${MAX_JPEG_SCANS} accepted; save the photo again as an ordinary JPEG.`);
    }
  }

  return metadata;
}

/** Formats an EXIF time `2011:04:02 18:30:10` as ISO 8601, with the EXIF offset when present. */
function toCaptureTime(value: unknown, offset: unknown): string | undefined {
  const match = typeof value === 'string' ? /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(value) : null;
  if (match === null) return undefined;

  const [, year, month, day, hour, minute, second] = match;
  // Cameras without a clock write zeros; such a time is no capture time.
  if (year === '0000' || month === '00' || day === '00') return undefined;

  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '';

  return `${year}-${month}-${day}T${hour}:${minute}:${second}${zone}`;
}

function cleanText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;

  const text = value.replace(/\0+$/, '').trim();

  return text.length > 0 ? text : undefined;
}

const EXIF_TAGS = ['Make', 'Model', 'DateTimeOriginal', 'OffsetTimeOriginal', 'CreateDate'];

/** Parses the EXIF tags of interest, or returns undefined when there are none or they are unreadable. */
async function parseExif(input: Buffer): Promise<Record<string, unknown> | undefined> {
  try {
    return await exifr.parse(input, { pick: EXIF_TAGS, reviveValues: false, gps: false });
  } catch {
    return undefined;
  }
}

/**
 * Reads capture time and camera from EXIF. exifr 7 reads no WebP and misses the EXIF of some AVIF
 * files, so the EXIF block sharp extracts from the header is parsed as TIFF when the file itself
 * yields none of the tags. Unreadable EXIF leaves the
 * fields out instead of failing.
 *
 * A PNG goes straight to the block: exifr 7.1.3 inflates a PNG's iCCP chunk even with the option
 * `icc: false`, so a 1 MB file with a deflate bomb in that chunk took 2.2 GB of memory.
 */
async function readExif(bytes: Buffer, exifBlock: Buffer | undefined, format: string): Promise<Pick<InspectedImage, 'capturedAt' | 'cameraMake' | 'cameraModel'>> {
  let tags = format === 'png' ? undefined : await parseExif(bytes);
  const found = (candidate: Record<string, unknown> | undefined) => EXIF_TAGS.some((tag) => candidate?.[tag] !== undefined);
  if (!found(tags) && exifBlock !== undefined) {
    // sharp returns the EXIF block as stored: JPEG and AVIF prefix it with `Exif\0\0`, WebP does not.
    const tiff = exifBlock.subarray(0, 4).toString('latin1') === 'Exif' ? exifBlock.subarray(6) : exifBlock;
    tags = await parseExif(tiff);
  }
  if (tags === undefined) return {};

  const capturedAt = toCaptureTime(tags.DateTimeOriginal ?? tags.CreateDate, tags.OffsetTimeOriginal);
  const cameraMake = cleanText(tags.Make);
  const cameraModel = cleanText(tags.Model);

  return { ...(capturedAt ? { capturedAt } : {}), ...(cameraMake ? { cameraMake } : {}), ...(cameraModel ? { cameraModel } : {}) };
}

/** Checks an original and returns what the index stores about it. Throws `PhotoRejectedError` to reject it. */
export async function inspectImage(bytes: Buffer, declaredType: string, limits: ImageLimits): Promise<InspectedImage> {
  if (bytes.length > limits.maxBytes) {
    reject(RejectReason.TooLarge, `The file has ${bytes.length} bytes, more than the ${limits.maxBytes} bytes accepted; upload a smaller photo.`);
  }

  const contentType = await detectType(bytes, declaredType);
  const metadata = await readHeader(bytes, limits.maxPixels);
  const exif = await readExif(bytes, metadata.exif, metadata.format);

  return {
    contentType,
    format: metadata.format,
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...exif,
  };
}

/**
 * JPEG settings of the renditions: libjpeg-turbo with optimized Huffman tables rather than
 * mozjpeg's trellis search, which took about 6 times as long for a 1600 px rendition (bench/process.ts)
 * for files a few percent smaller.
 */
export const JPEG_RENDITION_OPTIONS = { quality: 82, progressive: true, optimiseCoding: true } as const;

/** WebP settings of the renditions: effort 2 of 6 took half the time of the default 4 (bench/process.ts). */
export const WEBP_RENDITION_OPTIONS = { quality: 80, effort: 2 } as const;

/**
 * Renders the renditions. The original is decoded once, turned upright by its EXIF orientation and
 * scaled to the display size, and every rendition is encoded from that one bitmap. sharp writes no
 * metadata unless asked, so no EXIF, GPS or XMP reaches a rendition. An animated image contributes
 * its first frame.
 */
export async function renderRenditions(bytes: Buffer, maxPixels: number): Promise<RenderedRendition[]> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // failOn 'warning' (the default, stated because it matters) rejects truncated scans.
    decoded = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' })
      .rotate()
      .resize(RENDITION_SIZES.display, RENDITION_SIZES.display, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    reject(RejectReason.Corrupt, 'The image cannot be decoded; the file is damaged or cut off. Upload the photo again.', error);
  }

  const { width, height, channels } = decoded.info;
  const raw = { raw: { width, height, channels } };
  const sizes = Object.entries(RENDITION_SIZES) as [keyof typeof RENDITION_SIZES, number][];

  // The encodes dominate the time, so they run at once, one libuv thread each.
  const encodes = sizes.flatMap(([size, edge]) => {
    const scaled = sharp(decoded.data, raw).resize(edge, edge, { fit: 'inside', withoutEnlargement: true });
    const jpeg = scaled.clone().flatten({ background: '#ffffff' }).jpeg(JPEG_RENDITION_OPTIONS);
    const webp = scaled.clone().webp(WEBP_RENDITION_OPTIONS);

    return [
      { size, format: 'jpeg' as const, output: jpeg.toBuffer({ resolveWithObject: true }) },
      { size, format: 'webp' as const, output: webp.toBuffer({ resolveWithObject: true }) },
    ];
  });
  const outputs = await Promise.all(encodes.map((encode) => encode.output));

  return encodes.map(({ size, format }, index) => {
    const { data, info } = outputs[index]!;

    return { size, format, width: info.width, height: info.height, data };
  });
}
