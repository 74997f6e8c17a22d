/// <reference types="mocha" />
import { expect } from 'chai';
import { isAcceptedType, mimeTypeOf, prepareImage, uprightExif } from './image.js';
import { makeImage } from '../testing/helpers.js';

const OPTIONS = { maxEdge: 100, quality: 0.85 };

/** Inserts an EXIF APP1 segment with the given orientation tag right after the JPEG's SOI marker. */
async function withOrientation(jpeg: Blob, orientation: number): Promise<File> {
  const bytes = new Uint8Array(await jpeg.arrayBuffer());
  const exif = new Uint8Array([
    0xff, 0xe1, 0x00, 0x22, // APP1, length 34
    0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at offset 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00, // Orientation, SHORT
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  return new File([bytes.subarray(0, 2), exif, bytes.subarray(2)], 'rotated.jpg', { type: 'image/jpeg' });
}

async function sizeOf(blob: Blob): Promise<[number, number]> {
  const bitmap = await createImageBitmap(blob);
  return [bitmap.width, bitmap.height];
}

describe('prepareImage', () => {
  it('downscales to the longest edge as JPEG', async () => {
    const file = await makeImage(400, 300);

    const prepared = await prepareImage(file, 'image/png', OPTIONS);

    expect(prepared.type).to.equal('image/jpeg');
    expect(prepared.blob.type).to.equal('image/jpeg');
    expect([prepared.width, prepared.height]).to.deep.equal([100, 75]);
    expect(await sizeOf(prepared.blob)).to.deep.equal([100, 75]);
    expect(prepared.blob.size).to.be.lessThan(file.size);
  });

  it('keeps WebP as WebP', async () => {
    const file = await makeImage(400, 300, 'image/webp', 'drink.webp');

    const prepared = await prepareImage(file, 'image/webp', OPTIONS);

    expect(prepared.type).to.equal('image/webp');
    expect(await sizeOf(prepared.blob)).to.deep.equal([100, 75]);
  });

  it('applies the EXIF orientation', async () => {
    const landscape = await makeImage(400, 200, 'image/jpeg', 'drink.jpg');
    const file = await withOrientation(landscape, 6);

    const prepared = await prepareImage(file, 'image/jpeg', OPTIONS);

    expect([prepared.width, prepared.height]).to.deep.equal([50, 100]);
    expect(await sizeOf(prepared.blob)).to.deep.equal([50, 100]);
  });

  it('keeps the EXIF segment, upright', async () => {
    const file = await withOrientation(await makeImage(400, 200, 'image/jpeg', 'drink.jpg'), 6);

    const prepared = await prepareImage(file, 'image/jpeg', OPTIONS);
    const exif = await uprightExif(prepared.blob);

    expect(exif, 'EXIF segment in the output').to.not.equal(undefined);
    expect(exif!.length).to.equal(36);
    // Orientation is the only IFD0 entry, its value at bytes 28 and 29 of the segment.
    expect(exif![29]).to.equal(1);
    // The browser now decodes the output as it is, without rotating it again.
    expect(await sizeOf(prepared.blob)).to.deep.equal([50, 100]);
  });

  it('finds no EXIF segment in a canvas JPEG', async () => {
    const jpeg = await makeImage(40, 40, 'image/jpeg', 'plain.jpg');

    expect(await uprightExif(jpeg)).to.equal(undefined);
    expect(await uprightExif(new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0x00])]))).to.equal(undefined);
  });

  it('sends a small image as it is', async () => {
    const file = await makeImage(80, 60);

    const prepared = await prepareImage(file, 'image/png', OPTIONS);

    expect(prepared.blob).to.equal(file);
    expect(prepared.type).to.equal('image/png');
  });

  it('sends a GIF as it is', async () => {
    const file = new File([new Uint8Array(1000)], 'loop.gif', { type: 'image/gif' });

    const prepared = await prepareImage(file, 'image/gif', OPTIONS);

    expect(prepared.blob).to.equal(file);
  });

  it('sends an undecodable HEIC as it is', async () => {
    const file = new File([new Uint8Array([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63])], 'IMG_0001.HEIC');

    const prepared = await prepareImage(file, mimeTypeOf(file), OPTIONS);

    expect(prepared.blob).to.equal(file);
    expect(prepared.type).to.equal('image/heic');
  });
});

describe('mimeTypeOf', () => {
  it('falls back to the file name extension', () => {
    expect(mimeTypeOf(new File([], 'a.HEIF'))).to.equal('image/heif');
    expect(mimeTypeOf(new File([], 'a.jpg'))).to.equal('image/jpeg');
    expect(mimeTypeOf(new File([], 'a.txt'))).to.equal('');
    expect(mimeTypeOf(new File([], 'a', { type: 'Image/PNG' }))).to.equal('image/png');
  });

  it('matches the allow-list', () => {
    for (const type of ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/heic', 'image/heif', 'image/gif']) {
      expect(isAcceptedType(type), type).to.equal(true);
    }
    expect(isAcceptedType('image/svg+xml')).to.equal(false);
    expect(isAcceptedType('image/tiff')).to.equal(false);
  });
});
