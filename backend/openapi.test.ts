import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { API_ROUTES } from './local/http-api.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
}

async function readDocument(): Promise<OpenApiDocument> {
  const text = await readFile(new URL('./openapi.yaml', import.meta.url), 'utf8');

  // `uniqueKeys` rejects a key written twice in one mapping, which other YAML readers treat as an error.
  return parse(text, { uniqueKeys: true }) as OpenApiDocument;
}

describe('openapi.yaml', () => {
  it('parses as OpenAPI 3.1', async () => {
    const document = await readDocument();

    assert.match(document.openapi, /^3\.1\./);
  });

  it('describes every route the API serves', async () => {
    const document = await readDocument();

    for (const route of API_ROUTES) {
      const operation = document.paths[route.resource]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${route.resource} is missing from openapi.yaml`);
      assert.ok(operation.responses, `${route.method} ${route.resource} has no responses`);
    }
  });

  it('describes no route the API lacks', async () => {
    const document = await readDocument();
    const served = new Set(API_ROUTES.map((route) => `${route.method.toLowerCase()} ${route.resource}`));

    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations).filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))) {
        assert.ok(served.has(`${method} ${path}`), `openapi.yaml describes ${method.toUpperCase()} ${path}, which no handler serves`);
      }
    }
  });
});
