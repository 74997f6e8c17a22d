import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { apiEvent, type Harness, loadApi, startHarness } from './test-support.js';

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;

before(async () => {
  harness = await startHarness({ ALLOWED_ORIGINS: 'https://bar.example, https://pub.example' });
  api = await loadApi(harness);
});

after(async () => {
  await harness.stop();
});

const VALID = JSON.stringify({ barName: 'Cors Bar', drinkName: 'Ale', contentType: 'image/jpeg', contentLength: 1000 });

describe('CORS with listed origins', () => {
  const cases = [
    { name: 'a presigned POST', send: (origin: string) => api.presign(apiEvent({ method: 'POST', resource: '/uploads', path: '/uploads', body: VALID, headers: { Origin: origin } })), status: 201 },
    { name: 'a 400 error', send: (origin: string) => api.presign(apiEvent({ method: 'POST', resource: '/uploads', path: '/uploads', body: '{', headers: { Origin: origin } })), status: 400 },
    { name: 'a 404 error', send: (origin: string) => api.query(apiEvent({ resource: '/bars/{barName}/drinks', path: '/bars/None/drinks', headers: { Origin: origin } })), status: 404 },
    { name: 'a preflight', send: (origin: string) => api.query(apiEvent({ method: 'OPTIONS', resource: '/bars', path: '/bars', headers: { Origin: origin } })), status: 204 },
  ];

  for (const testCase of cases) {
    it(`echoes a listed origin on ${testCase.name}`, async () => {
      // Act
      const response = await testCase.send('https://pub.example');

      // Assess
      assert.equal(response.statusCode, testCase.status);
      assert.equal(response.headers?.['Access-Control-Allow-Origin'], 'https://pub.example');
      assert.equal(response.headers?.Vary, 'Origin');
    });

    it(`leaves out another origin on ${testCase.name}`, async () => {
      // Act
      const response = await testCase.send('https://elsewhere.example');

      // Assess
      assert.equal(response.statusCode, testCase.status);
      assert.equal(response.headers?.['Access-Control-Allow-Origin'], undefined);
      assert.equal(response.headers?.Vary, 'Origin');
    });
  }
});
