/// <reference types="mocha" />
import { expect } from 'chai';
import { ApiClient, ApiError, waitForUpload } from './api-client.js';
import type { UploadStatusResponse } from '../../backend/shared/api.js';

/**
 * Replaces `fetch` during each test of the enclosing `describe`, recording each requested URL and
 * responding with `respond`.
 */
function stubFetch(respond: (url: string) => Response | Promise<Response>): string[] {
  const urls: string[] = [];
  const original = globalThis.fetch;
  beforeEach(() => {
    urls.length = 0;
    globalThis.fetch = async (input: RequestInfo | URL) => {
      urls.push(String(input));
      return respond(String(input));
    };
  });
  afterEach(() => {
    globalThis.fetch = original;
  });
  return urls;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('ApiClient', () => {
  describe('paths', () => {
    const urls = stubFetch(() => json({ drinks: [], bars: [] }));

    it('encodes names in path segments', async () => {
      const client = new ApiClient('https://api.example.com/prod/');

      await client.getDrink('Rock & Roll / Bar', '50% Sour?').catch(() => undefined);
      await client.listDrinks('Bar #1', 'Mo');
      await client.listBars('Th');

      expect(urls[0]).to.equal('https://api.example.com/prod/bars/Rock%20%26%20Roll%20%2F%20Bar/drinks/50%25%20Sour%3F');
      expect(urls[1]).to.equal('https://api.example.com/prod/bars/Bar%20%231/drinks?prefix=Mo');
      expect(urls[2]).to.equal('https://api.example.com/prod/bars?prefix=Th');
    });
  });

  describe('errors', () => {
    stubFetch((url) => {
      if (url.includes('broken')) return json({ error: 'InvalidField', message: 'The bar name is too long.', field: 'barName' }, 400);
      if (url.includes('html')) return new Response('<h1>Bad gateway</h1>', { status: 502 });
      throw new TypeError('Failed to fetch');
    });

    it('carries the API message and field', async () => {
      const error = await new ApiClient('/api').listDrinks('broken').catch((caught: unknown) => caught);

      expect(error).to.be.instanceOf(ApiError);
      expect((error as ApiError).message).to.equal('The bar name is too long.');
      expect((error as ApiError).status).to.equal(400);
      expect((error as ApiError).code).to.equal('InvalidField');
      expect((error as ApiError).field).to.equal('barName');
    });

    it('keeps the status of a non-JSON error', async () => {
      const error = (await new ApiClient('/api').listDrinks('html').catch((caught: unknown) => caught)) as ApiError;

      expect(error.status).to.equal(502);
      expect(error.message).to.equal('');
    });

    it('reports a network failure as status 0', async () => {
      const error = (await new ApiClient('/api').listDrinks('offline').catch((caught: unknown) => caught)) as ApiError;

      expect(error).to.be.instanceOf(ApiError);
      expect(error.status).to.equal(0);
    });
  });
});

describe('waitForUpload', () => {
  const pending = { uploadId: 'u1', status: 'pending', barName: 'B', drinkName: 'D' } as const;

  function clientAnswering(statuses: UploadStatusResponse[]): { client: ApiClient; times: number[] } {
    const times: number[] = [];
    const client = new ApiClient('/api');
    client.getUploadStatus = async () => {
      times.push(performance.now());
      return statuses.shift() ?? pending;
    };
    return { client, times };
  }

  it('polls with growing delays until not pending', async () => {
    const { client, times } = clientAnswering([pending, pending, { ...pending, status: 'indexed' }]);
    const start = performance.now();

    const result = await waitForUpload(client, 'u1', new AbortController().signal, 5000, 40);

    expect(result.status).to.equal('indexed');
    expect(times.length).to.equal(3);
    expect(times[0]! - start).to.be.at.least(35);
    expect(times[2]! - times[1]!).to.be.greaterThan(times[1]! - times[0]! - 5);
  });

  it('times out while still pending', async () => {
    const { client } = clientAnswering([]);

    const error = (await waitForUpload(client, 'u1', new AbortController().signal, 200, 40).catch((caught: unknown) => caught)) as ApiError;

    expect(error).to.be.instanceOf(ApiError);
    expect(error.code).to.equal('Timeout');
  });

  it('stops when aborted', async () => {
    const { client, times } = clientAnswering([]);
    const controller = new AbortController();

    const waiting = waitForUpload(client, 'u1', controller.signal, 5000, 40).catch((caught: unknown) => caught);
    controller.abort();

    expect(await waiting).to.be.instanceOf(DOMException);
    expect(times.length).to.equal(0);
  });
});
