import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

import { createHttpApi, matchResource, type ApiFunctionName } from './http-api.js';
import type { InvocationResult } from './lambda-runtime.js';
import type { SegmentDocument } from './xray-daemon.js';

const ORIGIN = 'http://127.0.0.1:8080';

interface Call {
  readonly functionName: ApiFunctionName;
  readonly event: APIGatewayProxyEvent;
}

describe('local HTTP API adapter', () => {
  let server: Server;
  let base: string;
  const calls: Call[] = [];
  const segments: SegmentDocument[] = [];
  let nextResult: () => Partial<InvocationResult<APIGatewayProxyResult>>;

  before(async () => {
    const api = createHttpApi({
      allowedOrigins: [ORIGIN],
      maxBodyBytes: 1024,
      traceSink: (segment) => segments.push(segment),
      invoke: async (functionName, event, trace) => {
        calls.push({ functionName, event });
        return { requestId: 'request-1', traceId: trace.traceId, startedAt: Date.now(), durationMs: 1, ...nextResult() };
      },
    });
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      void api(request, response, url.pathname.slice('/api'.length), url.search);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    calls.length = 0;
    segments.length = 0;
    nextResult = () => ({ result: { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' } });
  });

  it('builds a REST proxy event with decoded path parameters', async () => {
    // Prepare
    const path = "/bars/Harry's%20Bar/drinks/Gin%2BTonic+Lime";

    // Act
    const response = await fetch(`${base}${path}?size=thumb&tag=a&tag=b%20c`, {
      headers: { Origin: ORIGIN, 'X-Custom': 'one' },
    });

    // Assess
    assert.equal(response.status, 200);
    assert.equal(calls.length, 1);
    const { functionName, event } = calls[0] as Call;
    assert.equal(functionName, 'query');
    assert.equal(event.resource, '/bars/{barName}/drinks/{drinkName}');
    assert.equal(event.path, path);
    assert.equal(event.httpMethod, 'GET');
    assert.deepEqual(event.pathParameters, { barName: "Harry's Bar", drinkName: 'Gin+Tonic+Lime' });
    assert.deepEqual(event.queryStringParameters, { size: 'thumb', tag: 'b c' });
    assert.deepEqual(event.multiValueQueryStringParameters, { size: ['thumb'], tag: ['a', 'b c'] });
    assert.equal(event.body, null);
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.requestContext.stage, 'local');
    assert.equal(event.requestContext.resourcePath, event.resource);
    assert.equal(event.requestContext.path, `/local${path}`);
    assert.match(event.requestContext.requestId, /^[0-9a-f-]{36}$/);
    assert.match(event.requestContext.requestTime ?? '', /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.equal(event.requestContext.identity.sourceIp, '127.0.0.1');
    assert.equal(event.headers['x-custom'] ?? event.headers['X-Custom'], 'one');
    assert.deepEqual(event.multiValueHeaders['x-custom'] ?? event.multiValueHeaders['X-Custom'], ['one']);
    assert.match(event.headers['X-Amzn-Trace-Id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
  });

  it('sets null path parameters and query for a plain resource', async () => {
    // Act
    await fetch(`${base}/bars`);

    // Assess
    const event = (calls[0] as Call).event;
    assert.equal(event.resource, '/bars');
    assert.equal(event.pathParameters, null);
    assert.equal(event.queryStringParameters, null);
    assert.equal(event.multiValueQueryStringParameters, null);
  });

  it('passes a JSON body as text and a binary body as base64', async () => {
    // Act
    await fetch(`${base}/uploads`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"barName":"Ö"}' });
    await fetch(`${base}/uploads`, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: new Uint8Array([0xff, 0xd8, 0xff]) });

    // Assess
    const [json, binary] = calls as [Call, Call];
    assert.equal(json.functionName, 'presign');
    assert.equal(json.event.body, '{"barName":"Ö"}');
    assert.equal(json.event.isBase64Encoded, false);
    assert.equal(binary.event.body, Buffer.from([0xff, 0xd8, 0xff]).toString('base64'));
    assert.equal(binary.event.isBase64Encoded, true);
  });

  it('writes headers, multi-value headers and a base64 body back', async () => {
    // Prepare
    nextResult = () => ({
      result: {
        statusCode: 201,
        headers: { 'Content-Type': 'image/png', 'X-One': '1' },
        multiValueHeaders: { 'X-Many': ['a', 'b'] },
        body: Buffer.from([1, 2, 3]).toString('base64'),
        isBase64Encoded: true,
      },
    });

    // Act
    const response = await fetch(`${base}/uploads`, { method: 'POST', body: '{}' });

    // Assess
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('x-one'), '1');
    assert.equal(response.headers.get('x-many'), 'a, b');
    assert.deepEqual([...new Uint8Array(await response.arrayBuffer())], [1, 2, 3]);
    assert.match(response.headers.get('x-amzn-trace-id') ?? '', /^Root=1-/);
  });

  it('answers a preflight for an allowed origin', async () => {
    // Act
    const response = await fetch(`${base}/uploads`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });

    // Assess
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(response.headers.get('access-control-allow-methods'), 'POST,OPTIONS');
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
    assert.equal(calls.length, 0);
  });

  it('leaves out CORS headers for another origin', async () => {
    // Act
    const response = await fetch(`${base}/uploads`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });

    // Assess
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('answers 404 for an unknown resource', async () => {
    // Act
    const response = await fetch(`${base}/nothing/here`, { headers: { Origin: ORIGIN } });
    const body = (await response.json()) as { error: string; message: string };

    // Assess
    assert.equal(response.status, 404);
    assert.equal(body.error, 'NotFound');
    assert.match(body.message, /GET \/nothing\/here/);
    assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(calls.length, 0);
    assert.equal(segments.length, 1);
    assert.equal(segments[0]?.error, true);
  });

  it('answers 404 for an empty path parameter', async () => {
    // Act
    const response = await fetch(`${base}/bars//drinks`);

    // Assess
    assert.equal(response.status, 404);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    // Act
    const response = await fetch(`${base}/bars`, { method: 'DELETE', headers: { Origin: ORIGIN } });
    const body = (await response.json()) as { error: string };

    // Assess
    assert.equal(response.status, 405);
    assert.equal(body.error, 'MethodNotAllowed');
    assert.equal(response.headers.get('allow'), 'GET,OPTIONS');
    assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
  });

  it('answers 413 for a body over the limit', async () => {
    // Act
    const response = await fetch(`${base}/uploads`, { method: 'POST', headers: { Origin: ORIGIN }, body: 'x'.repeat(1025) });
    const body = (await response.json()) as { error: string };

    // Assess
    assert.equal(response.status, 413);
    assert.equal(body.error, 'PayloadTooLarge');
    assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(calls.length, 0);
  });

  it('answers 400 for malformed percent-encoding', async () => {
    // Act
    const response = await fetch(`${base}/uploads/%E0%A4%A`);

    // Assess
    assert.equal(response.status, 400);
  });

  it('answers 502 when the handler throws', async () => {
    // Prepare
    nextResult = () => ({ error: new Error('boom') });

    // Act
    const response = await fetch(`${base}/bars`, { headers: { Origin: ORIGIN } });
    const body = (await response.json()) as { error: string; message: string };

    // Assess
    assert.equal(response.status, 502);
    assert.deepEqual(body, { error: 'BadGateway', message: 'Internal server error' });
    assert.equal(segments.at(-1)?.fault, true);
  });

  it('answers 502 for a result without a status code', async () => {
    // Prepare
    nextResult = () => ({ result: { body: 'x' } as unknown as APIGatewayProxyResult });

    // Act
    const response = await fetch(`${base}/bars`);

    // Assess
    assert.equal(response.status, 502);
  });

  it('joins the trace of an incoming trace header', async () => {
    // Prepare
    const root = '1-5759e988-bd862e3fe1be46a994272793';

    // Act
    await fetch(`${base}/bars`, { headers: { 'X-Amzn-Trace-Id': `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1` } });

    // Assess
    const segment = segments[0] as SegmentDocument;
    assert.equal(segment.trace_id, root);
    assert.equal(segment.parent_id, '53995c3f42cd8ad8');
    assert.equal(segment.origin, 'AWS::ApiGateway::Stage');
    assert.match((calls[0] as Call).event.headers['X-Amzn-Trace-Id'] ?? '', new RegExp(`^Root=${root};Parent=${segment.id}`));
  });
});

describe('matchResource', () => {
  it('matches one segment per parameter', () => {
    assert.equal(matchResource('/bars/a/drinks/b/c'), undefined);
    assert.equal(matchResource('/bars/a/drinks')?.resource, '/bars/{barName}/drinks');
    assert.deepEqual(matchResource('/uploads/abc')?.pathParameters, { uploadId: 'abc' });
  });

  it('decodes an encoded slash inside a parameter', () => {
    assert.deepEqual(matchResource('/bars/AC%2FDC/drinks')?.pathParameters, { barName: 'AC/DC' });
  });
});
