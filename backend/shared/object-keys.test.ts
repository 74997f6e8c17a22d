import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildOriginalKey, decodeEventKey, encodeEventKey, parseOriginalKey, toRejectedKey } from './object-keys.js';

const UPLOAD_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('object keys', () => {
  const names = ['The Crown', 'Rum/Cola', '100% Agave', 'Odd %2F name', 'a+b c', 'Mojito 🍹', 'عرق', '#1', '${filename}', '$5 %24 Bar'];

  for (const name of names) {
    it(`round-trips ${JSON.stringify(name)} through an S3 event key`, () => {
      // Prepare
      const key = buildOriginalKey({ barName: name, drinkName: name, uploadId: UPLOAD_ID, extension: 'jpg' });

      // Act
      const parsed = parseOriginalKey(decodeEventKey(encodeEventKey(key)));

      // Assess
      assert.deepEqual(parsed, { barName: name, drinkName: name, uploadId: UPLOAD_ID, extension: 'jpg' });
    });
  }

  it('escapes the dollar sign of ${filename}', () => {
    // Act
    const key = buildOriginalKey({ barName: '${filename}', drinkName: 'Gin $5', uploadId: UPLOAD_ID, extension: 'jpg' });

    // Assess
    assert.equal(key, `photos/%24{filename}/Gin %245/${UPLOAD_ID}.jpg`);
    assert.ok(!key.includes('$'));
  });

  it('decodes a dollar sign of a key written before it was escaped', () => {
    assert.deepEqual(parseOriginalKey(`photos/\${x} $5/100%25/${UPLOAD_ID}.jpg`), { barName: '${x} $5', drinkName: '100%', uploadId: UPLOAD_ID, extension: 'jpg' });
  });

  it('decodes plus as a space as S3 notifications do', () => {
    assert.equal(decodeEventKey('photos/The+Crown/Gin%2BTonic/x.jpg'), 'photos/The Crown/Gin+Tonic/x.jpg');
  });

  it('encodes as S3 notifications do', () => {
    assert.equal(encodeEventKey('photos/a b/c+d (1).jpg'), 'photos/a+b/c%2Bd+%281%29.jpg');
  });

  it('ignores keys outside the layout', () => {
    for (const key of ['renditions/x/thumb.jpeg', 'rejected/a/b/c.jpg', 'photos/a/b.jpg', `photos/a/b/c/${UPLOAD_ID}.jpg`, 'photos/a/b/not-an-id.jpg', `photos//b/${UPLOAD_ID}.jpg`]) {
      assert.equal(parseOriginalKey(key), undefined, key);
    }
  });

  it('moves a rejected key under rejected/', () => {
    assert.equal(toRejectedKey(`photos/a/b/${UPLOAD_ID}.jpg`), `rejected/a/b/${UPLOAD_ID}.jpg`);
  });
});
