import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

process.env.BUCKET_NAME ??= 'unit-test-bucket';
process.env.TABLE_NAME ??= 'unit-test-table';

let corsHeaders: typeof import('./http.js').corsHeaders;

before(async () => {
  ({ corsHeaders } = await import('./http.js'));
});

describe('corsHeaders', () => {
  it('allows any origin with a star', () => {
    assert.deepEqual(corsHeaders('https://a.example', ['*']), { 'Access-Control-Allow-Origin': '*' });
  });

  it('echoes an allowed origin', () => {
    assert.deepEqual(corsHeaders('https://b.example', ['https://a.example', 'https://b.example']), {
      'Access-Control-Allow-Origin': 'https://b.example',
      Vary: 'Origin',
    });
  });

  it('leaves out other origins', () => {
    assert.deepEqual(corsHeaders('https://evil.example', ['https://a.example']), { Vary: 'Origin' });
    assert.deepEqual(corsHeaders(undefined, ['https://a.example']), { Vary: 'Origin' });
  });
});
