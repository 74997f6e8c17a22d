/**
 * Test photos of the benchmarks, made from a real phone photo in the shared corpus. The corpus has
 * no 12-megapixel photo that sharp decodes, because its one 12-megapixel file is an HEVC-coded HEIC.
 * So the iPhone 5 JPEG (3264×2448, 8 MP, EXIF orientation 3) is resized to each size, with its EXIF
 * (orientation included) and ICC profile kept, and encoded at JPEG quality 95. At 12 MP that gives
 * about 2.8 MB. An upscale is smoother than a sensor's photo, so it stores fewer bits per pixel
 * (1.9) than the source (2.4).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';

/** Folder of the shared corpus of real photos; benchmarks may read it, tests may not. */
export const CORPUS_DIR = process.env.BENCH_CORPUS_DIR ?? join(import.meta.dirname, '../../../shared/corpus');
export const SOURCE_PHOTO = 'jpeg_apple-iphone5_gps_o3.jpg';

/** Folder of generated photos and build output, reused across runs. */
export const CACHE_DIR = join(tmpdir(), 'drink-widgets-bench');

/** Stored sizes (before EXIF orientation, which is 180° and so keeps them) by megapixels. */
export const PHOTO_SIZES: Readonly<Record<number, { width: number; height: number }>> = {
  1: { width: 1152, height: 864 },
  12: { width: 4032, height: 3024 },
  24: { width: 5664, height: 4248 },
};

const GENERATED_QUALITY = 95;

export interface TestPhoto {
  readonly megapixels: number;
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly description: string;
}

export function corpusPath(name: string): string {
  return join(CORPUS_DIR, name);
}

/** Returns the test photo of `megapixels` (1, 12 or 24), generating it on first use. */
export async function testPhoto(megapixels: number): Promise<TestPhoto> {
  const size = PHOTO_SIZES[megapixels];
  if (size === undefined) {
    throw new Error(`no test photo of ${megapixels} MP; choose one of ${Object.keys(PHOTO_SIZES).join(', ')}`);
  }

  const folder = join(CACHE_DIR, 'photos');
  const path = join(folder, `iphone5-${size.width}x${size.height}-q${GENERATED_QUALITY}.jpg`);
  const description = `${SOURCE_PHOTO} resized to ${size.width}×${size.height} (EXIF kept, orientation 3), JPEG q${GENERATED_QUALITY}`;
  try {
    return { megapixels, path, ...size, bytes: statSync(path).size, description };
  } catch {
    // Not generated yet.
  }

  let source: Buffer;
  try {
    source = readFileSync(corpusPath(SOURCE_PHOTO));
  } catch (error) {
    throw new Error(`the source photo ${corpusPath(SOURCE_PHOTO)} could not be read; set BENCH_CORPUS_DIR to the corpus folder`, { cause: error });
  }
  mkdirSync(folder, { recursive: true });
  // No rotate(): the pixels stay as stored, and the kept EXIF still has orientation 3.
  const output = await sharp(source)
    .resize(size.width, size.height, { fit: 'fill' })
    .keepExif()
    .keepIccProfile()
    .jpeg({ quality: GENERATED_QUALITY })
    .toBuffer();
  writeFileSync(path, output);

  return { megapixels, path, ...size, bytes: output.length, description };
}

/**
 * Returns a copy of a JPEG with a comment segment after the start-of-image marker, so every upload
 * of the same photo has its own bytes and checksum.
 */
export function withJpegComment(jpeg: Buffer, comment: string): Buffer {
  const text = Buffer.from(comment, 'utf8');
  const segment = Buffer.alloc(4 + text.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(2 + text.length, 2);
  text.copy(segment, 4);

  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}
