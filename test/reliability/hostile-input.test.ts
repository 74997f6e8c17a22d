/**
 * Hostile input against the real embedded default (s3rver, dynalite, the HTTP adapter, the S3
 * front and the real handlers): request bodies of POST /uploads, files sent through presign, the
 * presigned POST and the S3 event, and misuse of HTTP. Every case states its expected outcome, and
 * every file case also checks what the pipeline left behind: the status record, the index, the
 * renditions and where the original ended.
 */
import assert from 'node:assert/strict';
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import sharp from 'sharp';

import { startEmbedded, type Embedded } from '../../backend/local/embedded.js';
import type { PipelineStep } from '../../backend/local/steps.js';
import type { CreateUploadResponse } from '../../backend/shared/api.js';
import {
  animatedGif,
  BROKEN_EXIF,
  corruptJpegScan,
  corruptPngData,
  deflateBomb,
  noisyJpeg,
  noisyPng,
  pngChunk,
  pngHeaderOnly,
  solidJpeg,
  storedZip,
  withExif,
  withJpegDimensions,
  withPngChunks,
  withPngDimensions,
  withStrayMarker,
} from './hostile-files.js';
import { callApi, indexItemsOf, postFile, rawRequest, requestUpload, StorageInspector, waitForStatus } from './support.js';

/** Policy limit of this test, small so the over-limit cases stay cheap. */
const MAX_UPLOAD_BYTES = 6 * 1024 * 1024;
/** An origin that the embedded default does not allow; it allows only its own origins. */
const FOREIGN_ORIGIN = 'https://attacker.example';
const FIXTURES = new URL('../fixtures/', import.meta.url);

let embedded: Embedded;
let inspector: StorageInspector;
let dataDir: string;
let origin: string;
const steps: PipelineStep[] = [];
const savedEnv = { MAX_UPLOAD_BYTES: process.env.MAX_UPLOAD_BYTES, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL };

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'drink-hostile-'));
  process.env.MAX_UPLOAD_BYTES = String(MAX_UPLOAD_BYTES);
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  embedded = await startEmbedded({ dataDir, port: 0, retryDelaysMs: [50, 100], onStep: (step) => steps.push(step) });
  inspector = new StorageInspector(embedded);
  origin = new URL(embedded.url).origin;
});

after(async () => {
  inspector?.destroy();
  await embedded?.stop();
  await rm(dataDir, { recursive: true, force: true });
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const VALID = { barName: 'Bar Basso', drinkName: 'Negroni Sbagliato', contentType: 'image/jpeg', contentLength: 1000 };

interface BodyCase {
  readonly name: string;
  /** The raw body; a string is sent as it is. */
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  readonly status: number;
  /** Expected `error` code of a 4xx body. */
  readonly error?: string;
  /** Expected `field` of a 4xx body. */
  readonly field?: string;
}

const BODY_CASES: BodyCase[] = [
  { name: 'valid request', body: VALID, status: 201 },
  { name: 'empty body', body: '', status: 400, error: 'MissingBody' },
  { name: 'whitespace body', body: ' \n\t ', status: 400, error: 'MissingBody' },
  { name: 'malformed JSON', body: '{barName: "x"}', status: 400, error: 'MalformedJson' },
  { name: 'truncated JSON', body: JSON.stringify(VALID).slice(0, 40), status: 400, error: 'MalformedJson' },
  { name: 'JSON null', body: 'null', status: 400, error: 'MalformedJson' },
  { name: 'JSON array', body: '[1,2,3]', status: 400, error: 'MalformedJson' },
  { name: 'JSON string', body: '"barName"', status: 400, error: 'MalformedJson' },
  { name: 'body over 4 KiB', body: { ...VALID, barName: 'x'.repeat(5000) }, status: 413, error: 'BodyTooLarge' },
  { name: 'body over 10 MiB', body: 'x'.repeat(10 * 1024 * 1024 + 1), status: 413, error: 'PayloadTooLarge' },
  { name: 'deeply nested JSON', body: '['.repeat(2000) + ']'.repeat(2000), status: 400, error: 'MalformedJson' },
  { name: 'unknown field', body: { ...VALID, admin: true }, status: 400, error: 'UnknownField', field: 'admin' },
  { name: 'prototype field', body: `{"__proto__":{"x":1},${JSON.stringify(VALID).slice(1)}`, status: 400, error: 'UnknownField', field: '__proto__' },
  { name: 'missing barName', body: { drinkName: 'x', contentType: 'image/jpeg', contentLength: 5 }, status: 400, error: 'MissingField', field: 'barName' },
  { name: 'missing contentLength', body: { barName: 'x', drinkName: 'y', contentType: 'image/jpeg' }, status: 400, error: 'MissingField', field: 'contentLength' },
  { name: 'barName number', body: { ...VALID, barName: 42 }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'drinkName null', body: { ...VALID, drinkName: null }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'barName array', body: { ...VALID, barName: ['a'] }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'contentLength string', body: { ...VALID, contentLength: '1000' }, status: 400, error: 'InvalidField', field: 'contentLength' },
  { name: 'contentLength zero', body: { ...VALID, contentLength: 0 }, status: 400, error: 'InvalidField', field: 'contentLength' },
  { name: 'contentLength negative', body: { ...VALID, contentLength: -1 }, status: 400, error: 'InvalidField', field: 'contentLength' },
  { name: 'contentLength fraction', body: { ...VALID, contentLength: 1.5 }, status: 400, error: 'InvalidField', field: 'contentLength' },
  { name: 'contentLength over policy', body: { ...VALID, contentLength: MAX_UPLOAD_BYTES + 1 }, status: 400, error: 'InvalidField', field: 'contentLength' },
  { name: 'contentLength 1e400', body: `${JSON.stringify(VALID).slice(0, -5)}1e400}`, status: 400, error: 'InvalidField', field: 'contentLength' },
  { name: 'contentType svg', body: { ...VALID, contentType: 'image/svg+xml' }, status: 400, error: 'InvalidField', field: 'contentType' },
  { name: 'contentType with parameter', body: { ...VALID, contentType: 'image/jpeg; charset=utf-8' }, status: 400, error: 'InvalidField', field: 'contentType' },
  { name: 'contentType upper case', body: { ...VALID, contentType: 'IMAGE/JPEG' }, status: 400, error: 'InvalidField', field: 'contentType' },
  { name: 'name of 0 characters', body: { ...VALID, barName: '' }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'name of spaces only', body: { ...VALID, drinkName: '   ' }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'name of 101 characters', body: { ...VALID, barName: 'b'.repeat(101) }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'name of 101 emoji', body: { ...VALID, drinkName: '🍸'.repeat(101) }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'name with a NUL', body: { ...VALID, barName: 'Bar\u0000Basso' }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'name with a line break', body: { ...VALID, drinkName: 'Gin\nTonic' }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'name with an escape sequence', body: { ...VALID, drinkName: 'Red\u001b[31m' }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'name with a C1 control', body: { ...VALID, barName: 'Bar\u0085' }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'name with a line separator', body: { ...VALID, barName: 'Bar\u2028Basso' }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'name of one dot', body: { ...VALID, barName: '.' }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'name of two dots', body: { ...VALID, drinkName: ' .. ' }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'name with a right-to-left mark', body: { ...VALID, barName: '\u200fבר\u200f' }, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'name with a right-to-left override', body: { ...VALID, drinkName: 'Gin \u202egnp.exe' }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'name with a zero-width space', body: { ...VALID, drinkName: 'Neg\u200broni' }, status: 400, error: 'InvalidField', field: 'drinkName' },
  { name: 'name with a lone surrogate', body: `{"barName":"Bar \\ud800","drinkName":"x","contentType":"image/jpeg","contentLength":5}`, status: 400, error: 'InvalidField', field: 'barName' },
  { name: 'JSON sent as octet-stream', body: VALID, headers: { 'Content-Type': 'application/octet-stream' }, status: 201 },
  { name: 'binary garbage as octet-stream', body: '\u0000\u00ff\u00fe garbage', headers: { 'Content-Type': 'application/octet-stream' }, status: 400, error: 'MalformedJson' },
];

describe('POST /uploads bodies', () => {
  for (const testCase of BODY_CASES) {
    it(`${testCase.name} returns ${testCase.status}`, async () => {
      // Act
      const result = await requestUpload(embedded, testCase.body, testCase.headers);

      // Assess
      assert.equal(result.status, testCase.status, JSON.stringify(result.body));
      if (testCase.error !== undefined) assert.equal(result.body.error, testCase.error);
      if (testCase.field !== undefined) assert.equal(result.body.field, testCase.field);
      if (testCase.status >= 400) assert.equal(typeof result.body.message, 'string');
    });
  }
});

interface NameCase {
  readonly name: string;
  readonly barName: string;
  readonly drinkName: string;
  /** The names as stored, after normalization; the request's names when left out. */
  readonly stored?: { barName: string; drinkName: string };
}

const NAME_CASES: NameCase[] = [
  { name: '1 character', barName: 'B', drinkName: 'D' },
  { name: '100 characters', barName: 'b'.repeat(100), drinkName: 'd'.repeat(100) },
  { name: '100 accented letters', barName: 'Accent Bar', drinkName: 'é'.repeat(100) },
  // NOTE: s3rver stores each key segment as a directory, so a name over 255 bytes of UTF-8, such as
  // 100 emoji, fails locally with a 500 from the S3 endpoint. S3 itself takes keys of 1024 bytes.
  { name: '63 emoji', barName: 'Emoji Bar', drinkName: '🍹'.repeat(63) },
  { name: 'right-to-left script', barName: 'בר הים', drinkName: 'עראק' },
  { name: 'combining accents', barName: 'Cafe\u0301 Ne\u0301ant', drinkName: 'Cre\u0300me', stored: { barName: 'Café Néant', drinkName: 'Crème' } },
  { name: 'dot-dot slash', barName: '../..', drinkName: '../../etc/passwd' },
  { name: 'three dots', barName: '...', drinkName: '.x.' },
  { name: 'percent escapes', barName: 'a%2Fb', drinkName: '%2e%2e%2F%25' },
  { name: 'plus signs', barName: 'Gin+Tonic Bar', drinkName: '+ +' },
  { name: 'hash and query characters', barName: 'Bar #1?', drinkName: 'Drink#2&x=y' },
  { name: 'HTML markup', barName: '<script>alert(1)</script>', drinkName: '"><img src=x>' },
];

describe('names through the whole pipeline', () => {
  for (const testCase of NAME_CASES) {
    it(`${testCase.name} are indexed and found`, async () => {
      // Prepare
      const stored = testCase.stored ?? { barName: testCase.barName, drinkName: testCase.drinkName };
      const photo = await solidJpeg(NAME_CASES.indexOf(testCase));

      // Act
      const presign = await requestUpload(embedded, { barName: testCase.barName, drinkName: testCase.drinkName, contentType: 'image/jpeg', contentLength: photo.length });
      assert.equal(presign.status, 201, JSON.stringify(presign.body));
      const upload = presign.body as unknown as CreateUploadResponse;
      const post = await postFile(upload, photo, { contentType: 'image/jpeg' });
      const status = await waitForStatus(embedded, upload.uploadId);
      const drink = await callApi(embedded, 'GET', `/bars/${encodeURIComponent(testCase.barName)}/drinks/${encodeURIComponent(testCase.drinkName)}`);
      const originals = await inspector.listKeys('photos/');

      // Assess
      assert.equal(post.status, 204, post.text);
      assert.equal(status.status, 'indexed', JSON.stringify(status));
      assert.equal(status.barName, stored.barName);
      assert.equal(status.drinkName, stored.drinkName);
      assert.equal(drink.status, 200, JSON.stringify(drink.body));
      assert.equal((drink.body.photo as { uploadId?: string } | undefined)?.uploadId, upload.uploadId);
      assert.equal(originals.filter((key) => key.includes(upload.uploadId)).length, 1, 'the original is listed once under photos/');
    });
  }
});

type FileOutcome =
  | { readonly status: 'indexed' }
  | { readonly status: 'rejected'; readonly reasons: readonly string[] }
  /** The S3 front refuses the POST; nothing is stored and the status stays pending. */
  | { readonly status: 'refused'; readonly httpStatus: number; readonly code: string };

interface FileCase {
  readonly name: string;
  readonly file: () => Promise<Buffer> | Buffer;
  /** The type presign is asked for, which the policy then fixes. */
  readonly declaredType: string;
  readonly expected: FileOutcome;
  /** `put` writes the object with PutObject, past the policy, as another writer to the bucket could. */
  readonly via?: 'post' | 'put';
  /** Bytes that must not reach any rendition, such as an appended payload. */
  readonly absentFromRenditions?: string;
  /** Largest growth of this process's resident memory while the case runs, for decompression bombs. */
  readonly maxMemoryGrowthBytes?: number;
}

const rejected = (...reasons: string[]): FileOutcome => ({ status: 'rejected', reasons });
const indexed: FileOutcome = { status: 'indexed' };
const fixture = (name: string) => () => readFile(new URL(name, FIXTURES));

const FILE_CASES: FileCase[] = [
  { name: 'valid JPEG', file: () => noisyJpeg(), declaredType: 'image/jpeg', expected: indexed },
  { name: 'phone JPEG with GPS', file: fixture('iphone-xr-gps-1x1.jpg'), declaredType: 'image/jpeg', expected: indexed },
  { name: 'truncated JPEG', file: async () => (await noisyJpeg()).subarray(0, 9000), declaredType: 'image/jpeg', expected: rejected('Corrupt') },
  { name: 'JPEG cut after its header', file: async () => (await noisyJpeg()).subarray(0, 700), declaredType: 'image/jpeg', expected: rejected('Corrupt') },
  { name: 'JPEG of start and end markers only', file: () => Buffer.from([0xff, 0xd8, 0xff, 0xd9]), declaredType: 'image/jpeg', expected: rejected('Corrupt', 'NotAnImage') },
  // Garbage without markers decodes to other pixels, which no decoder can tell from a photo.
  { name: 'JPEG with garbage in its scan', file: async () => corruptJpegScan(await noisyJpeg()), declaredType: 'image/jpeg', expected: indexed },
  { name: 'JPEG with a stray marker in its scan', file: async () => withStrayMarker(await noisyJpeg()), declaredType: 'image/jpeg', expected: rejected('Corrupt') },
  { name: 'truncated PNG', file: async () => (await noisyPng()).subarray(0, 20000), declaredType: 'image/png', expected: rejected('Corrupt') },
  { name: 'PNG with corrupt data', file: async () => corruptPngData(await noisyPng()), declaredType: 'image/png', expected: rejected('Corrupt') },
  { name: 'PNG header only', file: async () => pngHeaderOnly(await noisyPng()), declaredType: 'image/png', expected: rejected('Corrupt') },
  { name: 'PNG of zero width', file: async () => withPngDimensions(await noisyPng(), 0, 120), declaredType: 'image/png', expected: rejected('Corrupt') },
  { name: 'text file named .jpg', file: () => Buffer.from('just some text, not a photo\n'.repeat(40)), declaredType: 'image/jpeg', expected: rejected('NotAnImage') },
  { name: 'HTML page', file: () => Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>'), declaredType: 'image/jpeg', expected: rejected('NotAnImage', 'UnsupportedType') },
  { name: 'SVG', file: () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'), declaredType: 'image/png', expected: rejected('NotAnImage', 'UnsupportedType') },
  { name: 'SVG with XML declaration', file: () => Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), declaredType: 'image/png', expected: rejected('NotAnImage', 'UnsupportedType') },
  { name: 'JPEG declaring 65500x65500', file: async () => withJpegDimensions(await noisyJpeg(), 65500, 65500), declaredType: 'image/jpeg', expected: rejected('TooManyPixels') },
  { name: 'PNG declaring 100000x100000', file: async () => withPngDimensions(await noisyPng(), 100_000, 100_000), declaredType: 'image/png', expected: rejected('TooManyPixels') },
  { name: 'PNG declaring one row over the limit', file: async () => withPngDimensions(await noisyPng(), 10_000, 10_001), declaredType: 'image/png', expected: rejected('TooManyPixels') },
  // The decoder sizes the image by its frames, so a huge logical screen alone allocates nothing.
  { name: 'GIF screen of 65535x65535', file: () => animatedGif(2, 65535, 65535), declaredType: 'image/gif', expected: indexed },
  { name: 'GIF frame of 65535x65535', file: () => animatedGif(2, 65535, 65535, 65535, 65535), declaredType: 'image/gif', expected: rejected('TooManyPixels') },
  { name: 'GIF with 5000 frames', file: () => animatedGif(5000), declaredType: 'image/gif', expected: indexed },
  {
    name: 'JPEG that is also a ZIP',
    file: async () => Buffer.concat([await noisyJpeg(), storedZip('payload.txt', Buffer.from('ZIP-PAYLOAD-MARKER'))]),
    declaredType: 'image/jpeg',
    expected: indexed,
    absentFromRenditions: 'ZIP-PAYLOAD-MARKER',
  },
  {
    name: 'JPEG followed by HTML',
    file: async () => Buffer.concat([await noisyJpeg(), Buffer.from('<html><script>HTML-PAYLOAD-MARKER</script></html>')]),
    declaredType: 'image/jpeg',
    expected: indexed,
    absentFromRenditions: 'HTML-PAYLOAD-MARKER',
  },
  { name: 'ZIP named .jpg', file: () => storedZip('photo.jpg', Buffer.from('not a photo')), declaredType: 'image/jpeg', expected: rejected('UnsupportedType') },
  {
    name: 'PNG with a 3 MB tEXt chunk',
    file: async () => withPngChunks(await noisyPng(), pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(3_000_000, 0x41)]))),
    declaredType: 'image/png',
    expected: indexed,
  },
  {
    name: 'PNG with a zTXt bomb',
    file: async () => withPngChunks(await noisyPng(), pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateBomb(256 * 1024 * 1024)]))),
    declaredType: 'image/png',
    expected: indexed,
  },
  {
    name: 'PNG with an iCCP bomb',
    file: async () => withPngChunks(await noisyPng(), pngChunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateBomb(1024 * 1024 * 1024)]))),
    declaredType: 'image/png',
    expected: indexed,
    maxMemoryGrowthBytes: 600 * 1024 * 1024,
  },
  { name: 'EXIF IFD outside the file', file: async () => withExif(await noisyJpeg(), BROKEN_EXIF.ifdOutside()), declaredType: 'image/jpeg', expected: indexed },
  { name: 'EXIF IFD that loops', file: async () => withExif(await noisyJpeg(), BROKEN_EXIF.ifdLoop()), declaredType: 'image/jpeg', expected: indexed },
  { name: 'EXIF tag with a 4 GB count', file: async () => withExif(await noisyJpeg(), BROKEN_EXIF.hugeCount()), declaredType: 'image/jpeg', expected: indexed },
  {
    name: '100-megapixel JPEG',
    file: () => sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#c84' } }).jpeg({ quality: 50 }).toBuffer(),
    declaredType: 'image/jpeg',
    expected: indexed,
  },
  { name: 'PNG declared as JPEG', file: () => noisyPng(), declaredType: 'image/jpeg', expected: rejected('TypeMismatch') },
  { name: 'JPEG declared as WebP', file: () => noisyJpeg(), declaredType: 'image/webp', expected: rejected('TypeMismatch') },
  { name: 'TIFF declared as JPEG', file: () => sharp({ create: { width: 32, height: 32, channels: 3, background: '#123' } }).tiff().toBuffer(), declaredType: 'image/jpeg', expected: rejected('UnsupportedType') },
  { name: 'HEIC from a phone', file: fixture('iphone-11-pro.heic'), declaredType: 'image/heic', expected: rejected('UnsupportedHeic') },
  { name: 'AVIF', file: () => sharp({ create: { width: 64, height: 64, channels: 3, background: '#345' } }).avif().toBuffer(), declaredType: 'image/avif', expected: indexed },
  { name: 'zero bytes', file: () => Buffer.alloc(0), declaredType: 'image/jpeg', expected: { status: 'refused', httpStatus: 400, code: 'EntityTooSmall' } },
  { name: 'file over the policy', file: () => Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0xff), declaredType: 'image/jpeg', expected: { status: 'refused', httpStatus: 400, code: 'EntityTooLarge' } },
  { name: 'zero bytes written past the policy', file: () => Buffer.alloc(0), declaredType: 'image/jpeg', via: 'put', expected: rejected('NotAnImage') },
  { name: 'file over the policy written past it', file: () => Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0xff), declaredType: 'image/jpeg', via: 'put', expected: rejected('TooLarge') },
];

/** Checks everything a rejected, or never stored, upload must not leave behind. */
async function assertNothingServable(uploadId: string, expectRejectedOriginal: boolean): Promise<void> {
  const [originals, moved, renditions, items] = await Promise.all([
    inspector.listKeys('photos/'),
    inspector.listKeys('rejected/'),
    inspector.listKeys(`renditions/${uploadId}/`),
    inspector.scanTable(),
  ]);
  assert.deepEqual(originals.filter((key) => key.includes(uploadId)), [], 'no original left under photos/');
  assert.equal(moved.filter((key) => key.includes(uploadId)).length, expectRejectedOriginal ? 1 : 0, 'original under rejected/');
  assert.deepEqual(renditions, [], 'no renditions');
  assert.deepEqual(indexItemsOf(items, uploadId), [], 'no index item');
}

describe('files through presign, POST and the S3 event', () => {
  for (const testCase of FILE_CASES) {
    const outcome = testCase.expected.status === 'rejected' ? `rejected (${testCase.expected.reasons.join(' or ')})` : testCase.expected.status;

    it(`${testCase.name} is ${outcome}`, { timeout: 90_000 }, async () => {
      // Prepare
      const bytes = await testCase.file();
      const presign = await requestUpload(embedded, {
        barName: 'Hostile Bar',
        drinkName: testCase.name,
        contentType: testCase.declaredType,
        contentLength: Math.max(1, Math.min(bytes.length, MAX_UPLOAD_BYTES)),
      });
      assert.equal(presign.status, 201, JSON.stringify(presign.body));
      const upload = presign.body as unknown as CreateUploadResponse;
      const startedAt = Date.now();

      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }, 10);

      // Act
      let postStatus = 204;
      let postText = '';
      if (testCase.via === 'put') {
        await inspector.s3.send(new PutObjectCommand({ Bucket: embedded.bucketName, Key: upload.fields.key, Body: bytes, ContentType: testCase.declaredType }));
      } else {
        ({ status: postStatus, text: postText } = await postFile(upload, bytes, { contentType: testCase.declaredType, origin }));
      }
      await embedded.idle();
      const status = await waitForStatus(embedded, upload.uploadId, testCase.expected.status === 'refused' ? 0 : 60_000);
      const elapsedMs = Date.now() - startedAt;
      clearInterval(sampler);

      // Assess
      assert.ok(elapsedMs < 60_000, `handled in ${elapsedMs} ms`);
      if (testCase.maxMemoryGrowthBytes !== undefined) {
        assert.ok(rssPeak - rssBefore < testCase.maxMemoryGrowthBytes, `resident memory grew by ${Math.round((rssPeak - rssBefore) / 1e6)} MB`);
      }
      const item = (await inspector.scanTable()).find((candidate) => candidate.pk === `UPLOAD#${upload.uploadId}`);
      if (testCase.expected.status === 'refused') {
        assert.equal(postStatus, testCase.expected.httpStatus, postText);
        assert.match(postText, new RegExp(`<Code>${testCase.expected.code}</Code>`));
        assert.equal(status.status, 'pending');
        await assertNothingServable(upload.uploadId, false);
        return;
      }

      assert.equal(postStatus, 204, postText);
      assert.equal(status.status, testCase.expected.status, JSON.stringify(status));
      if (testCase.expected.status === 'rejected') {
        assert.ok(testCase.expected.reasons.includes(String(item?.reasonCode)), `reason code ${String(item?.reasonCode)}: ${status.reason}`);
        assert.equal(typeof status.reason, 'string', 'the status carries a reason for the visitor');
        assert.ok(String(status.reason).length > 10, `reason ${JSON.stringify(status.reason)}`);
        await assertNothingServable(upload.uploadId, true);
        return;
      }

      const renditions = await inspector.listKeys(`renditions/${upload.uploadId}/`);
      assert.equal(renditions.length, 4, renditions.join(', '));
      assert.equal(indexItemsOf(await inspector.scanTable(), upload.uploadId).filter((entry) => entry.type === 'photo').length, 1);
      if (testCase.absentFromRenditions !== undefined) {
        const served = status.photo?.renditions ?? [];
        assert.equal(served.length, 4);
        for (const rendition of served) {
          const response = await fetch(rendition.url);
          const bytes = Buffer.from(await response.arrayBuffer());
          assert.equal(response.status, 200);
          assert.equal(bytes.includes(testCase.absentFromRenditions), false, `the appended payload is not in ${rendition.size}.${rendition.format}`);
        }
      }
    });
  }
});

describe('HTTP misuse', () => {
  it('wrong methods return 405', async () => {
    // Act
    const results = await Promise.all([
      callApi(embedded, 'PUT', '/uploads', { body: '{}' }),
      callApi(embedded, 'DELETE', '/uploads'),
      callApi(embedded, 'GET', '/uploads'),
      callApi(embedded, 'PATCH', `/uploads/${crypto.randomUUID()}`, { body: '{}' }),
      callApi(embedded, 'POST', '/bars', { body: '{}' }),
      callApi(embedded, 'DELETE', '/bars/x/drinks/y'),
    ]);

    // Assess
    assert.deepEqual(results.map((result) => result.status), [405, 405, 405, 405, 405, 405]);
    for (const result of results) assert.equal(result.body.error, 'MethodNotAllowed');
  });

  it('preflight from an allowed origin is allowed', async () => {
    // Act
    const result = await callApi(embedded, 'OPTIONS', '/uploads', { headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });

    // Assess
    assert.equal(result.status, 204);
    assert.equal(result.headers.get('access-control-allow-origin'), origin);
  });

  it('preflight from a foreign origin gets no CORS grant', async () => {
    // Act
    const api = await callApi(embedded, 'OPTIONS', '/uploads', { headers: { Origin: FOREIGN_ORIGIN, 'Access-Control-Request-Method': 'POST' } });
    const bucket = await fetch(`${embedded.s3Endpoint}/${embedded.bucketName}`, {
      method: 'OPTIONS',
      headers: { Origin: FOREIGN_ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    await bucket.arrayBuffer();

    // Assess
    assert.equal(api.headers.get('access-control-allow-origin'), null);
    assert.match(api.headers.get('vary') ?? '', /Origin/);
    assert.equal(bucket.status, 403);
    assert.equal(bucket.headers.get('access-control-allow-origin'), null);
  });

  it('request from a foreign origin gets no CORS grant', async () => {
    // Act
    const result = await requestUpload(embedded, VALID, { Origin: FOREIGN_ORIGIN });
    const query = await callApi(embedded, 'GET', '/bars', { headers: { Origin: FOREIGN_ORIGIN } });

    // Assess
    assert.equal(result.headers.get('access-control-allow-origin'), null);
    assert.equal(query.headers.get('access-control-allow-origin'), null);
  });

  it('unknown and malformed upload ids return 404 and 400', async () => {
    // Act
    const unknown = await callApi(embedded, 'GET', `/uploads/${crypto.randomUUID()}`);
    const malformed = await callApi(embedded, 'GET', '/uploads/not-an-upload-id');
    const injected = await callApi(embedded, 'GET', `/uploads/${encodeURIComponent("' OR 1=1 --")}`);
    const badEscape = await rawRequest(embedded.apiUrl, { method: 'GET', path: '/api/uploads/%E0%A4%A' });

    // Assess
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'NotFound');
    assert.equal(malformed.status, 400);
    assert.equal(injected.status, 400);
    assert.equal(badEscape.status, 400);
  });

  it('path traversal reaches no file outside the site', async () => {
    // Act
    const results = await Promise.all(
      ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/api/../../package.json', '/_local/../package.json'].map((path) =>
        rawRequest(embedded.url, { method: 'GET', path }),
      ),
    );

    // Assess
    for (const result of results) {
      assert.ok(result.status >= 400, `status ${result.status}`);
      assert.ok(result.status < 500, `status ${result.status}`);
      assert.doesNotMatch(result.text, /"devDependencies"|root:x:0/);
    }
  });

  it('expired presigned POST is refused', async () => {
    // Prepare
    const presign = await requestUpload(embedded, VALID);
    const upload = presign.body as unknown as CreateUploadResponse;
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { LOCAL_CREDENTIALS, LOCAL_REGION } = await import('../../backend/local/storage.js');
    const client = new S3Client({ endpoint: embedded.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const { key: _key, ...fields } = upload.fields;
    // The same policy as presign's, signed with the same key, but one that expired a minute ago.
    const expired = await createPresignedPost(client, {
      Bucket: embedded.bucketName,
      Key: String(upload.fields.key),
      Fields: Object.fromEntries(Object.entries(fields).filter(([name]) => !/^(policy|x-amz-|bucket)/i.test(name) || name.startsWith('x-amz-meta-'))),
      Conditions: [['content-length-range', 1, MAX_UPLOAD_BYTES]],
      Expires: -60,
    });
    client.destroy();

    // Act
    const result = await postFile(expired, await solidJpeg(99), { contentType: 'image/jpeg' });
    await embedded.idle();

    // Assess
    assert.equal(result.status, 403, result.text);
    assert.match(result.text, /Policy expired/);
    assert.equal((await waitForStatus(embedded, upload.uploadId, 0)).status, 'pending');
    await assertNothingServable(upload.uploadId, false);
  });

  it('tampered policy fields are refused', async () => {
    // Prepare
    const presign = await requestUpload(embedded, VALID);
    const upload = presign.body as unknown as CreateUploadResponse;
    const photo = await solidJpeg(98);

    // Act
    const results = await Promise.all([
      postFile(upload, photo, { fieldOverrides: { key: String(upload.fields.key).replace(/[0-9a-f-]{36}/, crypto.randomUUID()) } }),
      postFile(upload, photo, { fieldOverrides: { 'Content-Type': 'text/html' } }),
      postFile(upload, photo, { fieldOverrides: { 'x-amz-meta-declared-length': '1' } }),
      postFile(upload, photo, { fieldOverrides: { acl: 'public-read' } }),
      postFile(upload, photo, { fieldOverrides: { 'x-amz-signature': '0'.repeat(64) } }),
      postFile(upload, photo, { fieldOverrides: { 'x-amz-credential': 'AKIAFAKE/20260101/us-east-1/s3/aws4_request' } }),
    ]);
    await embedded.idle();

    // Assess
    assert.deepEqual(results.map((result) => result.status), [403, 403, 403, 403, 403, 403]);
    assert.equal((await waitForStatus(embedded, upload.uploadId, 0)).status, 'pending');
    await assertNothingServable(upload.uploadId, false);
  });

  it('POST without a file field is refused', async () => {
    // Prepare
    const presign = await requestUpload(embedded, VALID);
    const upload = presign.body as unknown as CreateUploadResponse;
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);

    // Act
    const response = await fetch(upload.url, { method: 'POST', body: form });
    const text = await response.text();
    const notMultipart = await fetch(upload.url, { method: 'POST', body: 'file=x', headers: { 'Content-Type': 'multipart/form-data; boundary=zz' } });
    await notMultipart.arrayBuffer();

    // Assess
    assert.equal(response.status, 400, text);
    assert.match(text, /InvalidArgument/);
    assert.equal(notMultipart.status, 400);
  });
});

describe('after every hostile case', () => {
  it('left no error, retry or failed event', async () => {
    // Act
    await embedded.idle();

    // Assess
    assert.deepEqual(steps.filter((step) => step.level === 'error'), []);
    await assert.rejects(readFile(embedded.failureFile), { code: 'ENOENT' });
  });

  it('left no original under photos/ without a final status', async () => {
    // Act
    const items = await inspector.scanTable();
    const originals = await inspector.listKeys('photos/');

    // Assess
    for (const key of originals) {
      const uploadId = /([0-9a-f-]{36})\.[a-z0-9]+$/.exec(key)?.[1];
      const status = items.find((item) => item.pk === `UPLOAD#${uploadId}`)?.status;
      assert.equal(status, 'indexed', `${key} has status ${String(status)}`);
    }
  });
});
