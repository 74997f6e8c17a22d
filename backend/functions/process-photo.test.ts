import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import type { UploadStatusResponse } from '../shared/api.js';
import { type Harness, loadApi, makeJpeg, parseBody, readFixture, startHarness } from './test-support.js';

const MAX_UPLOAD_BYTES = 1_000_000;
const MAX_INPUT_PIXELS = 5_000_000;

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;

before(async () => {
  harness = await startHarness({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), MAX_INPUT_PIXELS: String(MAX_INPUT_PIXELS) });
  api = await loadApi(harness);
});

after(async () => {
  await harness.stop();
});

async function statusOf(uploadId: string): Promise<UploadStatusResponse> {
  const response = await api.getStatus(uploadId);
  assert.equal(response.statusCode, 200, response.body);

  return parseBody<UploadStatusResponse>(response);
}

/** CRC-32 of PNG chunks (ISO 3309), because Node 20 has no zlib.crc32. */
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }

  return (crc ^ 0xffffffff) >>> 0;
}

/** Builds a valid 1×1 PNG, then rewrites its IHDR to declare `width`×`height` with a correct CRC. */
async function makePngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer();
  // The IHDR chunk follows the 8-byte signature: length (4), type (4), width (4), height (4), …
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);

  return png;
}

/**
 * Builds a progressive JPEG, then repeats its scans until it has more than `minScans`. Each repeat
 * is a well-formed scan, though a decoder may warn about the repeated progression, so the check has
 * to reject the file by its scan count before decoding.
 */
async function makeJpegWithScans(minScans: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).jpeg({ progressive: true }).toBuffer();
  const firstScan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  const head = jpeg.subarray(0, firstScan);
  const scans = jpeg.subarray(firstScan, jpeg.length - 2);
  const scansPerCopy = scans.toString('latin1').split('\xff\xda').length - 1;
  const copies = Array.from({ length: Math.floor(minScans / scansPerCopy) + 1 }, () => scans);

  return Buffer.concat([head, ...copies, Buffer.from([0xff, 0xd9])]);
}

const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>');

describe('process-photo rejections', () => {
  const cases: { name: string; bytes: () => Promise<Buffer>; declared: string; reason: string; declaredLength?: number }[] = [
    { name: 'truncated JPEG', bytes: async () => (await readFixture('portrait-orientation-6.jpg')).subarray(0, 60_000), declared: 'image/jpeg', reason: 'Corrupt' },
    { name: 'PNG declaring 65536×65536', bytes: () => makePngDeclaring(65536, 65536), declared: 'image/png', reason: 'TooManyPixels' },
    { name: 'JPEG over the pixel limit', bytes: () => makeJpeg(1, 3000, 2000), declared: 'image/jpeg', reason: 'TooManyPixels' },
    { name: 'text file named .jpg', bytes: async () => Buffer.from('this is a shopping list, not a photo\n'), declared: 'image/jpeg', reason: 'NotAnImage' },
    { name: 'SVG', bytes: async () => SVG, declared: 'image/png', reason: 'NotAnImage' },
    { name: 'PNG declared as JPEG', bytes: () => makePngDeclaring(1, 1), declared: 'image/jpeg', reason: 'TypeMismatch' },
    { name: 'TIFF declared as JPEG', bytes: () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).tiff().toBuffer(), declared: 'image/jpeg', reason: 'UnsupportedType' },
    { name: 'HEIC from an iPhone', bytes: () => readFixture('iphone-11-pro.heic'), declared: 'image/heic', reason: 'UnsupportedHeic' },
    { name: 'JPEG 40 times taller than wide', bytes: () => makeJpeg(3, 20, 800), declared: 'image/jpeg', reason: 'ExtremeAspectRatio' },
    { name: 'PNG 25 times wider than tall', bytes: () => sharp({ create: { width: 1000, height: 40, channels: 3, background: '#000' } }).png().toBuffer(), declared: 'image/png', reason: 'ExtremeAspectRatio' },
    { name: 'JPEG with 110 scans', bytes: () => makeJpegWithScans(100), declared: 'image/jpeg', reason: 'TooManyScans' },
    {
      name: 'file larger than the policy',
      bytes: async () => Buffer.concat([await makeJpeg(2), Buffer.alloc(MAX_UPLOAD_BYTES)]),
      declared: 'image/jpeg',
      declaredLength: 1000,
      reason: 'TooLarge',
    },
  ];

  for (const testCase of cases) {
    it(`rejects a ${testCase.name}`, async () => {
      // Prepare
      const bytes = await testCase.bytes();

      // Act
      const uploadId = await api.uploadAndProcess('Reject Bar', testCase.name, bytes, testCase.declared, testCase.declaredLength);
      const status = await statusOf(uploadId);
      const drink = await api.getDrink('Reject Bar', testCase.name);

      // Assess
      const { getUpload } = await import('../shared/table-reads.js');
      assert.equal(status.status, 'rejected');
      assert.equal((await getUpload(uploadId))?.reasonCode, testCase.reason);
      assert.equal(typeof status.reason, 'string');
      assert.ok((status.reason ?? '').length > 20, `reason ${JSON.stringify(status.reason)} explains the rejection`);
      assert.equal(status.photo, undefined);
      assert.equal(drink.statusCode, 404);
      assert.equal((await api.listKeys('rejected/')).filter((key) => key.includes(uploadId)).length, 1);
      assert.equal((await api.listKeys('photos/')).filter((key) => key.includes(uploadId)).length, 0);
      assert.equal((await api.listKeys(`renditions/${uploadId}/`)).length, 0);
    });
  }

  it('records the reason code of each rejection', async () => {
    // Prepare
    const { getUpload } = await import('../shared/table-reads.js');
    const bytes = Buffer.from('not an image');

    // Act
    const uploadId = await api.uploadAndProcess('Reject Bar', 'Reason Code', bytes, 'image/jpeg');

    // Assess
    assert.equal((await getUpload(uploadId))?.reasonCode, 'NotAnImage');
  });

  it('ignores a repeated event of a rejected photo', async () => {
    // Prepare
    const { uploadId, event } = await api.uploadOnly('Reject Bar', 'Twice', Buffer.from('not an image'), 'image/jpeg');
    await api.processPhoto(event);

    // Act
    await api.processPhoto(event);

    // Assess
    assert.equal((await statusOf(uploadId)).status, 'rejected');
    assert.equal((await api.listKeys('rejected/')).filter((key) => key.includes(uploadId)).length, 1);
  });
});

describe('process-photo formats', () => {
  const cases: { name: string; bytes: () => Promise<Buffer>; declared: string; width: number; height: number }[] = [
    { name: 'CMYK JPEG with ICC profile', bytes: () => readFixture('cmyk-icc.jpg'), declared: 'image/jpeg', width: 140, height: 140 },
    { name: 'progressive JPEG', bytes: () => readFixture('progressive-zero-date.jpg'), declared: 'image/jpeg', width: 250, height: 250 },
    { name: 'animated GIF', bytes: () => readFixture('animated.gif'), declared: 'image/gif', width: 48, height: 22 },
    { name: 'AVIF', bytes: () => sharp({ create: { width: 200, height: 100, channels: 3, background: '#a05020' } }).avif().toBuffer(), declared: 'image/avif', width: 200, height: 100 },
    { name: 'PNG with alpha', bytes: () => sharp({ create: { width: 90, height: 60, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer(), declared: 'image/png', width: 90, height: 60 },
    { name: 'WebP', bytes: () => sharp({ create: { width: 2400, height: 1200, channels: 3, background: '#205080' } }).webp().toBuffer(), declared: 'image/webp', width: 2400, height: 1200 },
  ];

  for (const testCase of cases) {
    it(`indexes a ${testCase.name}`, async () => {
      // Prepare
      const bytes = await testCase.bytes();

      // Act
      const uploadId = await api.uploadAndProcess('Format Bar', testCase.name, bytes, testCase.declared);
      const status = await statusOf(uploadId);

      // Assess
      assert.equal(status.status, 'indexed', status.reason);
      assert.equal(status.photo?.width, testCase.width);
      assert.equal(status.photo?.height, testCase.height);
      assert.equal(status.photo?.originalContentType, testCase.declared);
      for (const rendition of status.photo?.renditions ?? []) {
        const metadata = await sharp(Buffer.from(await (await fetch(rendition.url)).arrayBuffer())).metadata();
        const edge = rendition.size === 'thumb' ? 320 : 1600;
        assert.equal(metadata.space, 'srgb', `${rendition.size}.${rendition.format} colour space`);
        assert.equal(metadata.width, rendition.width);
        assert.equal(metadata.height, rendition.height);
        assert.equal(Math.max(rendition.width, rendition.height), Math.min(edge, Math.max(testCase.width, testCase.height)));
        assert.equal(metadata.pages ?? 1, 1, 'renditions are still images');
      }
    });
  }

  it('reads EXIF and orientation of a WebP', async () => {
    // Prepare
    const bytes = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } })
      .withExif({ IFD0: { Make: 'TestMake', Model: 'TestModel' }, IFD2: { DateTimeOriginal: '2020:01:02 03:04:05' } })
      .withMetadata({ orientation: 6 })
      .webp()
      .toBuffer();

    // Act
    const uploadId = await api.uploadAndProcess('Format Bar', 'WebP EXIF', bytes, 'image/webp');

    // Assess
    const photo = (await statusOf(uploadId)).photo;
    assert.equal(photo?.width, 100);
    assert.equal(photo?.height, 200);
    assert.equal(photo?.cameraMake, 'TestMake');
    assert.equal(photo?.cameraModel, 'TestModel');
    assert.equal(photo?.capturedAt, '2020-01-02T03:04:05');
    const display = photo?.renditions?.find((rendition) => rendition.size === 'display' && rendition.format === 'webp');
    assert.equal(display?.width, 100);
    assert.equal(display?.height, 200);
  });

  it('turns an AVIF by its container once', async () => {
    // Prepare: sharp writes the orientation of a HEIF-family file as the container's irot box.
    const bytes = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#663399' } }).withMetadata({ orientation: 6 }).avif().toBuffer();

    // Act
    const uploadId = await api.uploadAndProcess('Format Bar', 'AVIF Rotated', bytes, 'image/avif');

    // Assess
    const photo = (await statusOf(uploadId)).photo;
    assert.equal(photo?.width, 100);
    assert.equal(photo?.height, 200);
    for (const rendition of photo?.renditions ?? []) {
      const metadata = await sharp(Buffer.from(await (await fetch(rendition.url)).arrayBuffer())).metadata();
      assert.equal(metadata.width, 100, `${rendition.size}.${rendition.format} width`);
      assert.equal(metadata.height, 200, `${rendition.size}.${rendition.format} height`);
    }
  });

  it('leaves out an all-zero capture time', async () => {
    // Prepare
    const bytes = await readFixture('progressive-zero-date.jpg');

    // Act
    const uploadId = await api.uploadAndProcess('Format Bar', 'Zero Date', bytes);

    // Assess
    const photo = (await statusOf(uploadId)).photo;
    assert.equal(photo?.capturedAt, undefined);
    assert.equal(photo?.cameraModel, 'C750UZ');
  });
});
