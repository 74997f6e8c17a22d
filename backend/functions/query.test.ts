import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { BarListResponse, DrinkResponse, ErrorResponse } from '../shared/api.js';
import { apiEvent, type Harness, loadApi, makeJpeg, parseBody, startHarness } from './test-support.js';

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;
let uploadId: string;

before(async () => {
  harness = await startHarness();
  api = await loadApi(harness);
  uploadId = await api.uploadAndProcess('Rum / Bar', '50%+1 Sour', await makeJpeg(1));
});

after(async () => {
  await harness.stop();
});

const DRINK_ROUTE = '/bars/{barName}/drinks/{drinkName}';

describe('GET routes', () => {
  it('serves only presigned renditions, never the original', async () => {
    // Act
    const response = await api.getDrink('rum / bar', '50%+1 sour');
    const body = parseBody<DrinkResponse>(response);

    // Assess
    assert.equal(response.statusCode, 200);
    assert.doesNotMatch(response.body, /[/"]photos\//);
    assert.match(body.photo.url, /renditions%2F|renditions\//);
    assert.match(body.photo.url, /X-Amz-Signature=/);
    assert.equal(response.headers?.['Access-Control-Allow-Origin'], '*');
    assert.equal((await fetch(body.photo.url)).status, 200);
  });

  it('reads names from pathParameters API Gateway decoded', async () => {
    // Prepare
    const event = apiEvent({ resource: DRINK_ROUTE, path: '/bars/Rum / Bar/drinks/50%+1 Sour', pathParameters: { barName: 'Rum / Bar', drinkName: '50%+1 Sour' } });

    // Act
    const response = await api.query(event);

    // Assess
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(parseBody<DrinkResponse>(response).drinkName, '50%+1 Sour');
  });

  it('reads names from pathParameters still encoded', async () => {
    // Prepare
    const barName = encodeURIComponent('Rum / Bar');
    const drinkName = encodeURIComponent('50%+1 Sour');
    const event = apiEvent({ resource: DRINK_ROUTE, path: `/bars/Rum/Bar/drinks/${drinkName}`, pathParameters: { barName, drinkName } });

    // Act
    const response = await api.query(event);

    // Assess
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(parseBody<DrinkResponse>(response).barName, 'Rum / Bar');
  });

  it('routes by path behind a base path mapping', async () => {
    // Prepare
    const event = { ...apiEvent({ resource: '', path: `/v1/uploads/${uploadId}` }), resource: '/{proxy+}' };

    // Act
    const response = await api.query(event);

    // Assess
    assert.equal(response.statusCode, 200, response.body);
  });

  const notFound: { name: string; resource: string; path: string }[] = [
    { name: 'an unknown upload', resource: '/uploads/{uploadId}', path: '/uploads/00000000-0000-4000-8000-000000000000' },
    { name: 'an unknown drink', resource: DRINK_ROUTE, path: '/bars/Rum%20%2F%20Bar/drinks/Water' },
    { name: 'an unknown bar', resource: '/bars/{barName}/drinks', path: '/bars/Nowhere/drinks' },
    { name: 'an unknown route', resource: '/photos', path: '/photos' },
  ];

  for (const testCase of notFound) {
    it(`returns 404 for ${testCase.name}`, async () => {
      // Act
      const response = await api.query(apiEvent({ resource: testCase.resource, path: testCase.path, headers: { Origin: 'https://elsewhere.example' } }));
      const body = parseBody<ErrorResponse>(response);

      // Assess
      assert.equal(response.statusCode, 404);
      assert.equal(body.error, 'NotFound');
      assert.ok(body.message.length > 20, body.message);
      assert.equal(response.headers?.['Access-Control-Allow-Origin'], '*');
    });
  }

  const badRequests: { name: string; resource: string; path: string; query?: Record<string, string>; field: string }[] = [
    { name: 'a malformed upload id', resource: '/uploads/{uploadId}', path: '/uploads/..%2F..%2Fetc', field: 'uploadId' },
    { name: 'a limit of zero', resource: '/bars', path: '/bars', query: { limit: '0' }, field: 'limit' },
    { name: 'a limit that is no number', resource: '/bars', path: '/bars', query: { limit: 'ten' }, field: 'limit' },
    { name: 'a forged page token', resource: '/bars', path: '/bars', query: { nextToken: Buffer.from('{"pk":"UPLOAD#x","sk":"UPLOAD"}').toString('base64url') }, field: 'nextToken' },
    { name: 'a page token of another list', resource: DRINK_ROUTE, path: '/bars/Rum%20%2F%20Bar/drinks/50%25%2B1%20Sour', query: { nextToken: Buffer.from('{"pk":"BAR#rum / bar","sk":"DRINK#50%+1 sour"}').toString('base64url') }, field: 'nextToken' },
    { name: 'a page token that is no JSON', resource: '/bars', path: '/bars', query: { nextToken: '!!!' }, field: 'nextToken' },
    ...[
      ['an extra field', '{"pk":"BARS","sk":"a","extra":"x"}'],
      ['an array sort key', '{"pk":"BARS","sk":["a"]}'],
      ['a typed sort key', '{"pk":"BARS","sk":{"S":"a"}}'],
      ['no sort key', '{"pk":"BARS"}'],
      ['an empty sort key', '{"pk":"BARS","sk":""}'],
      ['a sort key over 1024 bytes', JSON.stringify({ pk: 'BARS', sk: 'a'.repeat(1025) })],
      ['an unpaired surrogate', '{"pk":"BARS","sk":"a\\ud800"}'],
      ['an array', '[{"pk":"BARS","sk":"a"}]'],
    ].map(([name, token]) => ({ name: `a page token with ${name}`, resource: '/bars', path: '/bars', query: { nextToken: Buffer.from(token as string).toString('base64url') }, field: 'nextToken' })),
    {
      name: 'a page token above the latest photo',
      resource: DRINK_ROUTE,
      path: '/bars/Rum%20%2F%20Bar/drinks/50%25%2B1%20Sour',
      query: { nextToken: Buffer.from('{"pk":"BAR#rum / bar","sk":"PHOTO#50%25+1 sour#~"}').toString('base64url') },
      field: 'nextToken',
    },
    { name: 'a name of 101 characters', resource: DRINK_ROUTE, path: `/bars/${'x'.repeat(101)}/drinks/Ale`, field: 'barName' },
    { name: 'a control character in a name', resource: DRINK_ROUTE, path: '/bars/Bar/drinks/Ale%00', field: 'drinkName' },
  ];

  for (const testCase of badRequests) {
    it(`returns 400 for ${testCase.name}`, async () => {
      // Act
      const response = await api.query(apiEvent({ resource: testCase.resource, path: testCase.path, ...(testCase.query ? { query: testCase.query } : {}) }));
      const body = parseBody<ErrorResponse>(response);

      // Assess
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(body.error, 'InvalidParameter');
      assert.equal(body.field, testCase.field);
    });
  }

  it('lists all bars without a prefix', async () => {
    // Act
    const body = parseBody<BarListResponse>(await api.query(apiEvent({ resource: '/bars', path: '/bars' })));

    // Assess
    assert.deepEqual(body.bars, [{ barName: 'Rum / Bar' }]);
  });

  it('answers a preflight on every route', async () => {
    // Act
    const response = await api.query(apiEvent({ method: 'OPTIONS', resource: DRINK_ROUTE, path: '/bars/a/drinks/b' }));

    // Assess
    assert.equal(response.statusCode, 204);
    assert.match(String(response.headers?.['Access-Control-Allow-Methods']), /GET/);
  });

  it('rejects POST with 405', async () => {
    // Act
    const response = await api.query(apiEvent({ method: 'POST', resource: '/bars', path: '/bars' }));

    // Assess
    assert.equal(response.statusCode, 405);
  });
});
