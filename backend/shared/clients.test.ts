import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** A server on 127.0.0.1 that records each request and returns an empty DynamoDB item. */
const requests: IncomingMessage[] = [];
const server = createServer((request, response) => {
  requests.push(request);
  request.resume();
  response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' }).end('{}');
});
const saved = { ...process.env };
let clients: typeof import('./clients.js');

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  clients = await import('./clients.js');
});

after(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

describe('clients', () => {
  it('send S3 requests to AWS_ENDPOINT_URL_S3 in path style', async () => {
    // Act
    const url = new URL(await getSignedUrl(clients.s3Client, new GetObjectCommand({ Bucket: 'bucket', Key: 'renditions/x/thumb.jpeg' })));

    // Assess
    assert.equal(url.origin, process.env.AWS_ENDPOINT_URL_S3);
    assert.equal(url.pathname, '/bucket/renditions/x/thumb.jpeg');
  });

  it('send DynamoDB requests to AWS_ENDPOINT_URL_DYNAMODB', async () => {
    // Act
    await clients.documentClient.send(new GetCommand({ TableName: 'table', Key: { pk: 'a', sk: 'b' } }));

    // Assess
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.headers['x-amz-target'], 'DynamoDB_20120810.GetItem');
  });
});
