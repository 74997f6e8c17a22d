/**
 * Generators of hostile image files for the reliability tests: truncated and corrupt files,
 * headers that declare huge dimensions, polyglots, broken EXIF and chunk bombs. Everything is
 * built in memory from small images that sharp makes, so no large file is stored.
 */
import { deflateSync } from 'node:zlib';

import sharp from 'sharp';

/** Makes a JPEG of noise, so that its entropy-coded data fills most of the file. */
export function noisyJpeg(width = 320, height = 240): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export function noisyPng(width = 160, height = 120): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
}

/** Makes a JPEG of one colour, which `seed` chooses, so every file is distinct. */
export function solidJpeg(seed: number, width = 96, height = 64): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: (seed * 37) % 256, g: (seed * 11) % 256, b: 200 } } })
    .jpeg()
    .toBuffer();
}

/** Returns the offset of the first start-of-frame marker (baseline or progressive) of a JPEG. */
function findStartOfFrame(jpeg: Buffer): number {
  let offset = 2;
  while (offset + 4 < jpeg.length) {
    if (jpeg[offset] !== 0xff) throw new Error(`no JPEG marker at offset ${offset}`);
    const marker = jpeg[offset + 1] as number;
    if (marker >= 0xc0 && marker <= 0xc2) return offset;

    offset += 2 + jpeg.readUInt16BE(offset + 2);
  }
  throw new Error('the JPEG has no start-of-frame marker');
}

/** Rewrites the width and height in a JPEG's frame header; the pixel data stays as it was. */
export function withJpegDimensions(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  const sof = findStartOfFrame(copy);
  copy.writeUInt16BE(height, sof + 5);
  copy.writeUInt16BE(width, sof + 7);

  return copy;
}

/** Overwrites part of a JPEG's entropy-coded data with seeded garbage that contains no markers. */
export function corruptJpegScan(jpeg: Buffer): Buffer {
  const copy = Buffer.from(jpeg);
  let state = 7;
  const start = Math.floor(copy.length * 0.4);
  for (let offset = start; offset < start + 2000 && offset < copy.length - 2; offset++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    copy[offset] = state % 0xfe;
  }

  return copy;
}

/** Inserts an out-of-sequence restart marker in the middle of a JPEG's entropy-coded data. */
export function withStrayMarker(jpeg: Buffer): Buffer {
  const middle = Math.floor(jpeg.length / 2);

  return Buffer.concat([jpeg.subarray(0, middle), Buffer.from([0xff, 0xd5]), jpeg.subarray(middle)]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;

  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);

  return (crc ^ 0xffffffff) >>> 0;
}

/** Builds one PNG chunk: length, type, data and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));

  return Buffer.concat([length, typeAndData, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Signature and IHDR chunk (8 + 25 bytes) of every PNG. */
const PNG_HEADER_BYTES = 33;

/** Rewrites the IHDR dimensions of a PNG and fixes the chunk's CRC. */
export function withPngDimensions(png: Buffer, width: number, height: number): Buffer {
  const ihdr = Buffer.from(png.subarray(16, 29));
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);

  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), png.subarray(PNG_HEADER_BYTES)]);
}

/** Inserts chunks right after IHDR, where ancillary chunks such as tEXt and iCCP belong. */
export function withPngChunks(png: Buffer, ...chunks: Buffer[]): Buffer {
  return Buffer.concat([png.subarray(0, PNG_HEADER_BYTES), ...chunks, png.subarray(PNG_HEADER_BYTES)]);
}

/** Flips bytes inside the first IDAT chunk, so its CRC and its deflate stream no longer hold. */
export function corruptPngData(png: Buffer): Buffer {
  const copy = Buffer.from(png);
  const idat = copy.indexOf('IDAT', 0, 'latin1');
  for (let offset = idat + 20; offset < idat + 220 && offset < copy.length - 12; offset += 3) copy[offset] = (copy[offset] as number) ^ 0x5a;

  return copy;
}

/** Keeps only a PNG's signature and header, so the file has no image data and no end chunk. */
export function pngHeaderOnly(png: Buffer): Buffer {
  return Buffer.from(png.subarray(0, PNG_HEADER_BYTES));
}

/** Compresses `inflatedBytes` zero bytes, as the payload of a zTXt or iCCP bomb. */
export function deflateBomb(inflatedBytes: number): Buffer {
  return deflateSync(Buffer.alloc(inflatedBytes), { level: 9 });
}

/**
 * Builds an animated GIF of `frames` frames on a `width`×`height` screen, with the NETSCAPE2.0
 * loop extension. Each frame takes 23 bytes: its descriptor declares `frameWidth`×`frameHeight`,
 * and its data contains one pixel.
 */
export function animatedGif(frames: number, width = 1, height = 1, frameWidth = 1, frameHeight = 1): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  screen[4] = 0x80; // global colour table of 2 entries
  const colours = Buffer.from([0xff, 0x00, 0x00, 0x00, 0x00, 0xff]);
  const loop = Buffer.concat([Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0', 'latin1'), Buffer.from([0x03, 0x01, 0x00, 0x00, 0x00])]);
  const frame = Buffer.from([
    0x21, 0xf9, 0x04, 0x04, 0x0a, 0x00, 0x00, 0x00, // graphic control: disposal 1, 0.1 s
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor at 0,0
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW data of one pixel
  ]);
  frame.writeUInt16LE(frameWidth, 13);
  frame.writeUInt16LE(frameHeight, 15);

  return Buffer.concat([Buffer.from('GIF89a', 'latin1'), screen, colours, loop, ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])]);
}

/** Builds one 12-byte TIFF IFD entry, little-endian. */
function ifdEntry(tag: number, type: number, count: number, value: Buffer | number): Buffer {
  const entry = Buffer.alloc(12);
  entry.writeUInt16LE(tag, 0);
  entry.writeUInt16LE(type, 2);
  entry.writeUInt32LE(count >>> 0, 4);
  if (typeof value === 'number') entry.writeUInt32LE(value >>> 0, 8);
  else value.copy(entry, 8, 0, 4);

  return entry;
}

/** Builds a little-endian TIFF block with IFD0 at offset 8. */
function tiffBlock(ifd0Offset: number, entries: Buffer[], nextIfd: number): Buffer {
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0, 0, 0, 0]);
  header.writeUInt32LE(ifd0Offset >>> 0, 4);
  const count = Buffer.alloc(2);
  count.writeUInt16LE(entries.length);
  const next = Buffer.alloc(4);
  next.writeUInt32LE(nextIfd >>> 0);

  return Buffer.concat([header, count, ...entries, next]);
}

/** EXIF blocks whose offsets lead outside the block or back into themselves. */
export const BROKEN_EXIF = {
  /** IFD0 starts 2 GB past the start of the block. */
  ifdOutside: () => tiffBlock(0x7ffffff0, [], 0),
  /** IFD0's next-IFD offset and its Exif IFD pointer both point at IFD0 itself. */
  ifdLoop: () => tiffBlock(8, [ifdEntry(0x010f, 2, 4, Buffer.from('Foo\0', 'latin1')), ifdEntry(0x8769, 4, 1, 8)], 8),
  /** A Model tag that claims 4 GB of text at an offset outside the block. */
  hugeCount: () => tiffBlock(8, [ifdEntry(0x0110, 2, 0xfffffff0, 0x7ffffff0)], 0),
} as const;

/** Inserts an APP1 Exif segment holding `tiff` right after a JPEG's start-of-image marker. */
export function withExif(jpeg: Buffer, tiff: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);

  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/**
 * Builds a ZIP archive of one stored (uncompressed) file, enough for a ZIP reader that starts at
 * the end of the file, as appending it to a JPEG makes a JPEG that is also a ZIP.
 */
export function storedZip(name: string, content: Buffer): Buffer {
  const fileName = Buffer.from(name, 'latin1');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);

  return Buffer.concat([local, fileName, content, central, fileName, end]);
}
