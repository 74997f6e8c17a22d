import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { type Harness, loadApi, startHarness } from './test-support.js';

// The default MAX_INPUT_PIXELS (100 MP), so that the lower HEIF limit is the one that applies.
let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;

before(async () => {
  harness = await startHarness();
  api = await loadApi(harness);
});

after(async () => {
  await harness.stop();
});

/**
 * Builds a 64×64 AVIF, then rewrites the image spatial extent (`ispe`) property to declare
 * `width`×`height`, the size libheif reports before decoding. Encoding a real 10000×10000 AVIF
 * takes about 2 GB of memory, which a test should not spend.
 */
async function makeAvifDeclaring(width: number, height: number): Promise<Buffer> {
  const avif = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).avif().toBuffer();
  // The ispe box: type (4), version and flags (4), width (4), height (4).
  const ispe = avif.indexOf('ispe');
  assert.ok(ispe > 0, 'the AVIF has an ispe box');
  avif.writeUInt32BE(width, ispe + 8);
  avif.writeUInt32BE(height, ispe + 12);

  return avif;
}

describe('process-photo pixel limits', () => {
  it('rejects a 10000×10000 AVIF', async () => {
    // Prepare
    const { getUpload } = await import('../shared/table-reads.js');
    const avif = await makeAvifDeclaring(10_000, 10_000);
    assert.deepEqual(await sharp(avif).metadata().then(({ width, height }) => [width, height]), [10_000, 10_000]);

    // Act
    const uploadId = await api.uploadAndProcess('Limit Bar', 'Huge AVIF', avif, 'image/avif');

    // Assess
    const status = await getUpload(uploadId);
    assert.equal(status?.status, 'rejected');
    assert.equal(status?.reasonCode, 'TooManyPixels');
    assert.match(status?.reason ?? '', /50000000 pixels accepted for HEIF/);
  });

  it('rejects an AVIF just over 50 MP', async () => {
    // Prepare
    const { getUpload } = await import('../shared/table-reads.js');
    const avif = await makeAvifDeclaring(8_000, 6_251);

    // Act
    const uploadId = await api.uploadAndProcess('Limit Bar', 'Large AVIF', avif, 'image/avif');

    // Assess
    assert.equal((await getUpload(uploadId))?.reasonCode, 'TooManyPixels');
  });

  it('indexes a JPEG of 10 MP', async () => {
    // Prepare
    const { getUpload } = await import('../shared/table-reads.js');
    const jpeg = await sharp({ create: { width: 4000, height: 2500, channels: 3, background: '#456' } }).jpeg().toBuffer();

    // Act
    const uploadId = await api.uploadAndProcess('Limit Bar', 'Ordinary JPEG', jpeg);

    // Assess
    assert.equal((await getUpload(uploadId))?.status, 'indexed');
  });
});
