import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import exifr from 'exifr';
import sharp from 'sharp';

import type { DrinkResponse, UploadStatusResponse } from '../shared/api.js';
import type { BarListResponse, DrinkListResponse } from '../shared/api.js';
import { apiEvent, type Harness, loadApi, makeJpeg, parseBody, pathSegment, readFixture, startHarness } from './test-support.js';

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;

before(async () => {
  harness = await startHarness();
  api = await loadApi(harness);
});

after(async () => {
  await harness.stop();
});

async function getStatus(uploadId: string): Promise<UploadStatusResponse> {
  const response = await api.getStatus(uploadId);
  assert.equal(response.statusCode, 200, response.body);

  return parseBody<UploadStatusResponse>(response);
}

async function getDrink(barName: string, drinkName: string): Promise<DrinkResponse> {
  const response = await api.getDrink(barName, drinkName);
  assert.equal(response.statusCode, 200, response.body);

  return parseBody<DrinkResponse>(response);
}

describe('photo pipeline', () => {
  it('indexes a portrait phone photo upright', async () => {
    // Prepare
    const bytes = await readFixture('portrait-orientation-6.jpg');

    // Act
    const uploadId = await api.uploadAndProcess('The Crown', 'Negroni', bytes);
    const status = await getStatus(uploadId);
    const drink = await getDrink('the crown', 'NEGRONI');

    // Assess
    assert.equal(status.status, 'indexed');
    assert.equal(drink.barName, 'The Crown');
    assert.equal(drink.drinkName, 'Negroni');
    assert.equal(drink.photo.uploadId, uploadId);
    assert.equal(drink.photo.width, 480);
    assert.equal(drink.photo.height, 640);
    assert.equal(drink.photo.contentType, 'image/jpeg');
    assert.equal(drink.photo.cameraMake, 'SAMSUNG');
    assert.equal(drink.photo.capturedAt, '2011-04-02T18:30:10');
    assert.equal(drink.photo.originalContentType, 'image/jpeg');
    assert.deepEqual(drink.earlierPhotos, []);
    const display = await fetch(drink.photo.url);
    assert.equal(display.status, 200);
    const rendered = await sharp(Buffer.from(await display.arrayBuffer())).metadata();
    assert.equal(rendered.width, 480);
    assert.equal(rendered.height, 640);
    assert.equal(rendered.orientation, undefined);
    assert.equal(rendered.exif, undefined);
  });

  it('strips GPS and EXIF from every rendition', async () => {
    // Prepare
    const bytes = await readFixture('iphone-xr-gps-1x1.jpg');
    assert.ok((await exifr.gps(bytes))?.latitude, 'the fixture carries GPS');

    // Act
    const uploadId = await api.uploadAndProcess('The Crown', 'Gin Fizz', bytes);
    const status = await getStatus(uploadId);

    // Assess
    assert.equal(status.status, 'indexed');
    assert.equal(status.photo?.renditions?.length, 4);
    for (const rendition of status.photo?.renditions ?? []) {
      const data = Buffer.from(await (await fetch(rendition.url)).arrayBuffer());
      const metadata = await sharp(data).metadata();
      assert.equal(metadata.format, rendition.format);
      assert.equal(metadata.exif, undefined, `${rendition.size}.${rendition.format} has EXIF`);
      assert.equal(metadata.xmp, undefined, `${rendition.size}.${rendition.format} has XMP`);
      // exifr reads no WebP, so only the JPEG renditions get this second, independent check.
      if (rendition.format === 'jpeg') assert.equal(await exifr.gps(data), undefined, `${rendition.size}.jpeg has GPS`);
    }
  });
});

describe('names', () => {
  const names: { label: string; typed: string; stored: string }[] = [
    { label: '100 characters', typed: 'x'.repeat(100), stored: 'x'.repeat(100) },
    { label: 'slash', typed: 'Rum / Coke', stored: 'Rum / Coke' },
    { label: 'plus', typed: 'Gin+Tonic', stored: 'Gin+Tonic' },
    { label: 'percent', typed: '100% Agave', stored: '100% Agave' },
    { label: 'literal escape', typed: 'Odd %2F %25 name', stored: 'Odd %2F %25 name' },
    { label: 'hash', typed: 'No. #5', stored: 'No. #5' },
    { label: 'emoji', typed: 'Mojito 🍹🇲🇽', stored: 'Mojito 🍹🇲🇽' },
    { label: 'right-to-left', typed: 'عرق بالليمون', stored: 'عرق بالليمون' },
    { label: 'combining accents', typed: 'Cafe\u0301 Cre\u0300me', stored: 'Café Crème' },
    { label: 'whitespace runs', typed: '  Old\u00a0  Fashioned  ', stored: 'Old Fashioned' },
    { label: 'quotes and brackets', typed: `Joe's "Special" (large) [x] {y} <z>`, stored: `Joe's "Special" (large) [x] {y} <z>` },
  ];

  for (const name of names) {
    it(`round-trips a name with ${name.label}`, async () => {
      // Prepare
      const bar = `Bar ${name.typed}`.slice(0, 100);
      const barStored = `Bar ${name.stored}`.slice(0, 100).trim();

      // Act
      const uploadId = await api.uploadAndProcess(bar, name.typed, await makeJpeg(3));
      const status = await getStatus(uploadId);
      const drink = await getDrink(barStored, name.stored);

      // Assess
      assert.equal(status.status, 'indexed', status.reason);
      assert.equal(status.drinkName, name.stored);
      assert.equal(drink.drinkName, name.stored);
      assert.equal(drink.barName, barStored);
      assert.equal(drink.photo.uploadId, uploadId);
    });
  }

  it('finds a drink whatever the case', async () => {
    // Prepare
    await api.uploadAndProcess('Straße Bar', 'Weißbier', await makeJpeg(4));

    // Act
    const drink = await getDrink('STRASSE BAR', 'weissbier');

    // Assess
    assert.equal(drink.barName, 'Straße Bar');
    assert.equal(drink.drinkName, 'Weißbier');
  });

  it('keeps the form of a name first used', async () => {
    // Prepare
    await api.uploadAndProcess('First Form', 'Spritz', await makeJpeg(5));

    // Act
    const uploadId = await api.uploadAndProcess('FIRST FORM', 'SPRITZ', await makeJpeg(6));
    const drink = await getDrink('first form', 'spritz');

    // Assess
    assert.equal(drink.photo.uploadId, uploadId);
    assert.equal(drink.barName, 'First Form');
    assert.equal(drink.drinkName, 'Spritz');
    assert.equal(drink.earlierPhotos?.length, 1);
  });

  it('lists bars by prefix and drinks with thumbnails', async () => {
    // Prepare
    await api.uploadAndProcess('Prefix Tavern', 'Ale', await makeJpeg(7));
    await api.uploadAndProcess('Prefix Tavern', 'Alexander', await makeJpeg(8));
    await api.uploadAndProcess('Prefix Tavern', 'Bitter', await makeJpeg(9));
    await api.uploadAndProcess('Prefixed Inn', 'Ale', await makeJpeg(10));

    // Act
    const bars = parseBody<BarListResponse>(await api.query(apiEvent({ resource: '/bars', path: '/bars', query: { prefix: 'prefix' } })));
    const drinks = parseBody<DrinkListResponse>(
      await api.query(apiEvent({ resource: '/bars/{barName}/drinks', path: `/bars/${pathSegment('prefix tavern')}/drinks`, query: { prefix: 'ALE' } })),
    );

    // Assess
    assert.deepEqual(bars.bars.map((bar) => bar.barName), ['Prefix Tavern', 'Prefixed Inn']);
    assert.equal(drinks.barName, 'Prefix Tavern');
    assert.deepEqual(drinks.drinks.map((drink) => drink.drinkName), ['Ale', 'Alexander']);
    for (const drink of drinks.drinks) {
      const thumb = await fetch(drink.thumbnailUrl ?? '');
      assert.equal(thumb.status, 200);
      assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    }
  });
});

describe('event delivery', () => {
  it('keeps the newest photo when events repeat and arrive in reverse', async () => {
    // Prepare
    const older = await api.uploadOnly('Order Bar', 'Daiquiri', await makeJpeg(11));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const newer = await api.uploadOnly('Order Bar', 'Daiquiri', await makeJpeg(12));

    // Act
    await api.processPhoto(newer.event);
    await api.processPhoto(older.event);
    const first = await getStatus(newer.uploadId);
    await api.processPhoto(newer.event);
    await api.processPhoto(older.event);
    const drink = await getDrink('Order Bar', 'Daiquiri');

    // Assess
    assert.equal(drink.photo.uploadId, newer.uploadId);
    assert.deepEqual(drink.earlierPhotos?.map((photo) => photo.uploadId), [older.uploadId]);
    assert.equal((await getStatus(older.uploadId)).status, 'indexed');
    assert.equal((await getStatus(newer.uploadId)).photo?.uploadedAt, first.photo?.uploadedAt);
  });

  it('ignores objects outside photos/', async () => {
    // Prepare
    const { event } = await api.uploadOnly('Order Bar', 'Ignored', await makeJpeg(15));
    const record = event.Records[0]!;
    const outside = { Records: [{ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: 'renditions/x/thumb.jpeg' } } }] };

    // Act
    await api.processPhoto(outside);

    // Assess
    assert.equal((await api.getDrink('Order Bar', 'Ignored')).statusCode, 404);
  });

  it('orders by sequencer within the same event time', async () => {
    // Prepare
    const a = await api.uploadOnly('Order Bar', 'Sour', await makeJpeg(13));
    const b = await api.uploadOnly('Order Bar', 'Sour', await makeJpeg(14));
    const [recordA, recordB] = [a.event.Records[0]!, b.event.Records[0]!];
    const sameTime = '2026-01-01T00:00:00.000Z';
    // A shorter hex sequencer must still sort below a longer one, so it is left-padded first.
    const eventA = { Records: [{ ...recordA, eventTime: sameTime, s3: { ...recordA.s3, object: { ...recordA.s3.object, sequencer: 'FF' } } }] };
    const eventB = { Records: [{ ...recordB, eventTime: sameTime, s3: { ...recordB.s3, object: { ...recordB.s3.object, sequencer: '0100' } } }] };

    // Act
    await api.processPhoto(eventB);
    await api.processPhoto(eventA);

    // Assess
    assert.equal((await getDrink('Order Bar', 'Sour')).photo.uploadId, b.uploadId);
  });

  it('pages through earlier photos newest first', async () => {
    // Prepare
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await api.uploadAndProcess('Page Bar', 'Lager', await makeJpeg(20 + i)));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }

    // Act
    const first = parseBody<DrinkResponse>(await api.getDrink('Page Bar', 'Lager', { limit: '2' }));
    const second = parseBody<DrinkResponse>(await api.getDrink('Page Bar', 'Lager', { limit: '2', nextToken: first.nextToken ?? '' }));
    const third = parseBody<DrinkResponse>(await api.getDrink('Page Bar', 'Lager', { limit: '2', nextToken: second.nextToken ?? '' }));

    // Assess
    assert.equal(first.photo.uploadId, ids[4]);
    assert.deepEqual(first.earlierPhotos?.map((photo) => photo.uploadId), [ids[3], ids[2]]);
    assert.deepEqual(second.earlierPhotos?.map((photo) => photo.uploadId), [ids[1], ids[0]]);
    assert.deepEqual(third.earlierPhotos ?? [], []);
    assert.equal(third.nextToken, undefined);
  });
});
