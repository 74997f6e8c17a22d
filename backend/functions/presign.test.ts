import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { CreateUploadResponse, ErrorResponse } from '../shared/api.js';
import { apiEvent, type Harness, loadApi, parseBody, startHarness } from './test-support.js';

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;

before(async () => {
  harness = await startHarness();
  api = await loadApi(harness);
});

after(async () => {
  await harness.stop();
});

function post(body: string | null, headers: Record<string, string> = {}) {
  return api.presign(apiEvent({ method: 'POST', resource: '/uploads', path: '/uploads', ...(body === null ? {} : { body }), headers }));
}

const VALID = { barName: 'The Anchor', drinkName: 'Pale Ale', contentType: 'image/jpeg', contentLength: 123456 };

describe('POST /uploads', () => {
  it('returns a presigned POST fixing key, type, size and metadata', async () => {
    // Prepare
    const traceHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

    // Act
    const response = await post(JSON.stringify(VALID), { 'X-Amzn-Trace-Id': traceHeader });
    const body = parseBody<CreateUploadResponse>(response);
    const policy = JSON.parse(Buffer.from(body.fields.Policy ?? '', 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };

    // Assess
    assert.equal(response.statusCode, 201);
    assert.match(body.uploadId, /^[0-9a-f-]{36}$/);
    assert.equal(body.fields.key, `photos/The Anchor/Pale Ale/${body.uploadId}.jpg`);
    assert.equal(body.fields['Content-Type'], 'image/jpeg');
    assert.equal(body.fields['x-amz-meta-trace-id'], '1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(body.fields['x-amz-meta-declared-length'], '123456');
    assert.deepEqual(policy.conditions.find((condition) => Array.isArray(condition) && condition[0] === 'content-length-range'), ['content-length-range', 1, 20 * 1024 * 1024]);
    assert.ok(policy.conditions.some((condition) => JSON.stringify(condition) === JSON.stringify({ 'Content-Type': 'image/jpeg' })));
    assert.ok(policy.conditions.some((condition) => JSON.stringify(condition) === JSON.stringify({ key: body.fields.key })));
    assert.ok(policy.conditions.some((condition) => JSON.stringify(condition) === JSON.stringify({ 'x-amz-meta-trace-id': '1-5759e988-bd862e3fe1be46a994272793' })));
    const lifetime = Date.parse(body.expiresAt) - Date.now();
    assert.ok(lifetime > 290_000, `expires in ${lifetime} ms`);
    assert.ok(lifetime <= 300_000, `expires in ${lifetime} ms`);
    assert.equal(Math.abs(Date.parse(policy.expiration) - Date.parse(body.expiresAt)) < 1000, true);
  });

  it('stores a pending upload status', async () => {
    // Act
    const body = parseBody<CreateUploadResponse>(await post(JSON.stringify(VALID)));
    const status = parseBody<{ status: string; barName: string; drinkName: string }>(await api.getStatus(body.uploadId));

    // Assess
    assert.equal(status.status, 'pending');
    assert.equal(status.barName, 'The Anchor');
    assert.equal(status.drinkName, 'Pale Ale');
  });

  it('writes the first form of a name into the key', async () => {
    // Prepare
    await post(JSON.stringify({ ...VALID, barName: 'Café Nord', drinkName: 'Stout' }));

    // Act
    const body = parseBody<CreateUploadResponse>(await post(JSON.stringify({ ...VALID, barName: 'CAFÉ NORD', drinkName: 'STOUT' })));

    // Assess
    assert.match(body.fields.key ?? '', /^photos\/Café Nord\/Stout\//);
  });

  it('escapes percent and slash in the key', async () => {
    // Act
    const body = parseBody<CreateUploadResponse>(await post(JSON.stringify({ ...VALID, barName: '50% Off', drinkName: 'Rum/Cola' })));

    // Assess
    assert.match(body.fields.key ?? '', /^photos\/50%25 Off\/Rum%2FCola\/[0-9a-f-]{36}\.jpg$/);
  });

  const invalid: { name: string; body: string | null; status: number; error: string; field?: string }[] = [
    { name: 'no body', body: null, status: 400, error: 'MissingBody' },
    { name: 'malformed JSON', body: '{"barName": ', status: 400, error: 'MalformedJson' },
    { name: 'a JSON array', body: '[1, 2]', status: 400, error: 'MalformedJson' },
    { name: 'a body over 4 KiB', body: JSON.stringify({ ...VALID, barName: 'x'.repeat(5000) }), status: 413, error: 'BodyTooLarge' },
    { name: 'an unknown field', body: JSON.stringify({ ...VALID, key: 'photos/x' }), status: 400, error: 'UnknownField', field: 'key' },
    { name: 'a missing field', body: JSON.stringify({ ...VALID, drinkName: undefined }), status: 400, error: 'MissingField', field: 'drinkName' },
    { name: 'a number as name', body: JSON.stringify({ ...VALID, barName: 42 }), status: 400, error: 'InvalidField', field: 'barName' },
    { name: 'an empty name', body: JSON.stringify({ ...VALID, barName: '   ' }), status: 400, error: 'InvalidField', field: 'barName' },
    { name: 'a 101-character name', body: JSON.stringify({ ...VALID, drinkName: 'x'.repeat(101) }), status: 400, error: 'InvalidField', field: 'drinkName' },
    { name: 'a control character', body: JSON.stringify({ ...VALID, drinkName: 'Gin\u0007Tonic' }), status: 400, error: 'InvalidField', field: 'drinkName' },
    { name: 'a newline inside a name', body: JSON.stringify({ ...VALID, barName: 'The\nAnchor' }), status: 400, error: 'InvalidField', field: 'barName' },
    { name: 'a name of only a zero-width joiner', body: JSON.stringify({ ...VALID, barName: '\u200d' }), status: 400, error: 'InvalidField', field: 'barName' },
    { name: 'a zero-width space inside a name', body: JSON.stringify({ ...VALID, drinkName: 'Bar\u200bBasso' }), status: 400, error: 'InvalidField', field: 'drinkName' },
    { name: 'a right-to-left override', body: JSON.stringify({ ...VALID, barName: 'Bar \u202egnp.exe\u202c' }), status: 400, error: 'InvalidField', field: 'barName' },
    { name: 'an SVG type', body: JSON.stringify({ ...VALID, contentType: 'image/svg+xml' }), status: 400, error: 'InvalidField', field: 'contentType' },
    { name: 'a string length', body: JSON.stringify({ ...VALID, contentLength: '1000' }), status: 400, error: 'InvalidField', field: 'contentLength' },
    { name: 'a fractional length', body: JSON.stringify({ ...VALID, contentLength: 10.5 }), status: 400, error: 'InvalidField', field: 'contentLength' },
    { name: 'a zero length', body: JSON.stringify({ ...VALID, contentLength: 0 }), status: 400, error: 'InvalidField', field: 'contentLength' },
    { name: 'a length over the maximum', body: JSON.stringify({ ...VALID, contentLength: 20 * 1024 * 1024 + 1 }), status: 400, error: 'InvalidField', field: 'contentLength' },
  ];

  for (const testCase of invalid) {
    it(`rejects ${testCase.name}`, async () => {
      // Act
      const response = await post(testCase.body);
      const body = parseBody<ErrorResponse>(response);

      // Assess
      assert.equal(response.statusCode, testCase.status);
      assert.equal(body.error, testCase.error);
      assert.equal(body.field, testCase.field);
      assert.ok(body.message.length > 20, body.message);
      assert.equal(response.headers?.['Access-Control-Allow-Origin'], '*');
    });
  }

  it('answers a preflight', async () => {
    // Act
    const response = await api.presign(apiEvent({ method: 'OPTIONS', resource: '/uploads', path: '/uploads' }));

    // Assess
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers?.['Access-Control-Allow-Origin'], '*');
    assert.match(String(response.headers?.['Access-Control-Allow-Methods']), /POST/);
    assert.match(String(response.headers?.['Access-Control-Allow-Headers']), /Content-Type/);
  });

  it('rejects GET with 405', async () => {
    // Act
    const response = await api.presign(apiEvent({ method: 'GET', resource: '/uploads', path: '/uploads' }));

    // Assess
    assert.equal(response.statusCode, 405);
    assert.equal(parseBody<ErrorResponse>(response).error, 'MethodNotAllowed');
  });

  it('accepts a base64-encoded body', async () => {
    // Prepare
    const event = apiEvent({ method: 'POST', resource: '/uploads', path: '/uploads', body: Buffer.from(JSON.stringify(VALID)).toString('base64') });

    // Act
    const response = await api.presign({ ...event, isBase64Encoded: true });

    // Assess
    assert.equal(response.statusCode, 201);
  });
});
