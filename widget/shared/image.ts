/** MIME types the uploader accepts, the same allow-list the API checks. */
export const ACCEPTED_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/avif',
  'image/heic',
  'image/heif',
  'image/gif',
] as const;

/** MIME type by file name extension, for files the browser reports without a type (HEIC in most). */
const TYPE_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  heif: 'image/heif',
  gif: 'image/gif',
};

/** Returns the MIME type of `file`, from its `type` or else from its name's extension. */
export function mimeTypeOf(file: File): string {
  if (file.type) return file.type.toLowerCase();
  const extension = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? '';
  return TYPE_BY_EXTENSION[extension] ?? '';
}

export function isAcceptedType(type: string): boolean {
  return (ACCEPTED_TYPES as readonly string[]).includes(type);
}

export interface ResizeOptions {
  /** Maximum length in pixels of the longest edge after downscaling. */
  readonly maxEdge: number;
  /** Encoder quality between 0 and 1. */
  readonly quality: number;
}

/** The file to send, with its type and the pixel size when the browser could decode it. */
export interface PreparedImage {
  readonly blob: Blob;
  readonly type: string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Downscales `file` so its longest edge is at most `maxEdge`, applying the EXIF orientation, and
 * encodes it as JPEG (WebP stays WebP). Returns the file unchanged when it is a GIF, to keep the
 * animation, or already small enough. A format this browser cannot decode, such as HEIC in
 * Chromium, is also returned unchanged for the API to check; it rejects HEVC-coded HEIC.
 */
export async function prepareImage(file: File, type: string, options: ResizeOptions): Promise<PreparedImage> {
  const unchanged = { blob: file, type };
  if (type === 'image/gif') return unchanged;

  let bitmap: ImageBitmap;
  try {
    // NOTE: this decodes at full size, so a photo of hundreds of megapixels costs seconds and
    // memory in proportion (a 280-megapixel JPEG took about 4 s in desktop Chromium 156). On a
    // phone it may fail, and then the original is sent for the API to check, or crash the tab.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return unchanged;
  }

  try {
    const { width, height } = bitmap;
    const scale = Math.min(1, options.maxEdge / Math.max(width, height));
    if (scale === 1) return { blob: file, type, width, height };

    const targetWidth = Math.max(1, Math.round(width * scale));
    const targetHeight = Math.max(1, Math.round(height * scale));
    const outputType = type === 'image/webp' ? 'image/webp' : 'image/jpeg';
    const blob = await encode(bitmap, targetWidth, targetHeight, outputType, options.quality);
    // A browser that cannot encode the type returns PNG. A downscale can also come out larger than
    // the original. In both cases the original is sent.
    if (!blob || blob.type !== outputType || blob.size >= file.size) {
      return { blob: file, type, width, height };
    }

    // A canvas drops all metadata, so the original's EXIF (capture time, camera) is copied over.
    const exif = type === 'image/jpeg' && outputType === 'image/jpeg' ? await uprightExif(file) : undefined;
    const output = exif ? new Blob([blob.slice(0, 2), exif, blob.slice(2)], { type: outputType }) : blob;
    return { blob: output, type: outputType, width: targetWidth, height: targetHeight };
  } finally {
    bitmap.close();
  }
}

function encode(bitmap: ImageBitmap, width: number, height: number, type: string, quality: number): Promise<Blob | null> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return Promise.resolve(null);
  // JPEG has no alpha channel, so transparent pixels are put on white instead of black.
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/**
 * Returns a copy of the JPEG's EXIF APP1 segment with the orientation tag set to 1 (upright),
 * because the canvas has already rotated the pixels. Returns undefined when the file has no EXIF
 * segment before its image data or the segment is malformed.
 */
export async function uprightExif(jpeg: Blob): Promise<Uint8Array<ArrayBuffer> | undefined> {
  // An APP1 segment is at most 64 KiB and comes before the image data, near the start.
  const bytes = new Uint8Array(await jpeg.slice(0, 256 * 1024).arrayBuffer());
  const view = new DataView(bytes.buffer);
  try {
    if (view.getUint16(0) !== 0xffd8) return undefined;
    for (let offset = 2; offset + 4 <= bytes.length; ) {
      const marker = view.getUint16(offset);
      const length = view.getUint16(offset + 2);
      // Start of scan, or no marker where one must be: there is no EXIF segment to find.
      if (marker === 0xffda || marker >> 8 !== 0xff) return undefined;
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966 && offset + 2 + length <= bytes.length) {
        const segment = bytes.slice(offset, offset + 2 + length);
        setOrientationUpright(new DataView(segment.buffer));
        return segment;
      }
      offset += 2 + length;
    }
  } catch {
    // DataView throws a RangeError on offsets past the end of a malformed segment.
  }
  return undefined;
}

/** Sets tag 0x0112 (Orientation) of IFD0 to 1 in an APP1 segment that starts at offset 0. */
function setOrientationUpright(segment: DataView): void {
  const tiff = 10; // after the marker, the length and "Exif\0\0"
  const littleEndian = segment.getUint16(tiff) === 0x4949;
  const ifd = tiff + segment.getUint32(tiff + 4, littleEndian);
  const count = segment.getUint16(ifd, littleEndian);
  for (let index = 0; index < count; index++) {
    const entry = ifd + 2 + index * 12;
    if (segment.getUint16(entry, littleEndian) === 0x0112) segment.setUint16(entry + 8, 1, littleEndian);
  }
}
