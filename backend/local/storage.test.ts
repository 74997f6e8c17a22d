import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { LOCAL_CREDENTIALS, LOCAL_REGION, startStorage } from './storage.js';

describe('startStorage', () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-storage-'));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps objects across a restart on the same folder', async () => {
    // Prepare
    const first = await startStorage({ dataDir });
    const client = new S3Client({
      endpoint: first.s3Endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    await client.send(new PutObjectCommand({ Bucket: first.bucketName, Key: 'photos/a/b/c.jpg', Body: 'kept' }));
    client.destroy();
    await first.stop();

    // Act
    const second = await startStorage({ dataDir });
    const reader = new S3Client({
      endpoint: second.s3Endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    const object = await reader.send(new GetObjectCommand({ Bucket: second.bucketName, Key: 'photos/a/b/c.jpg' }));
    const body = await object.Body?.transformToString();
    reader.destroy();
    await second.stop();

    // Assess
    assert.equal(body, 'kept');
  });

  it('answers a preflight only for an allowed origin', async () => {
    // Prepare
    const storage = await startStorage({ dataDir, allowedOrigins: ['http://allowed.test'] });
    const preflight = (origin: string) =>
      fetch(`${storage.s3Endpoint}/${storage.bucketName}`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });

    // Act
    const allowed = await preflight('http://allowed.test');
    const other = await preflight('http://other.test');
    await storage.stop();

    // Assess
    // s3rver returns `*` for an allowed origin where S3 echoes the origin; browsers accept both.
    assert.equal(allowed.status, 200);
    assert.ok(allowed.headers.get('access-control-allow-origin'));
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('restarts each server on its port with its data', async () => {
    // Prepare
    const storage = await startStorage({ dataDir });
    const s3 = new S3Client({ endpoint: storage.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const dynamo = new DynamoDBClient({ endpoint: storage.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const key = { pk: { S: 'restart' }, sk: { S: 'item' } };
    await dynamo.send(new PutItemCommand({ TableName: storage.tableName, Item: { ...key, value: { S: 'kept' } } }));
    await s3.send(new PutObjectCommand({ Bucket: storage.bucketName, Key: 'restart.txt', Body: 'kept' }));
    const httpServer = (storage.s3rver as unknown as { httpServer: import('node:http').Server }).httpServer;
    let frontCalls = 0;
    const listeners = httpServer.listeners('request') as ((...args: unknown[]) => void)[];
    httpServer.removeAllListeners('request');
    httpServer.on('request', (...args: unknown[]) => {
      frontCalls++;
      for (const listener of listeners) listener(...args);
    });

    // Act
    await storage.restartDynamo(50);
    await storage.restartS3(50);
    const item = await dynamo.send(new GetItemCommand({ TableName: storage.tableName, Key: key }));
    const object = await s3.send(new GetObjectCommand({ Bucket: storage.bucketName, Key: 'restart.txt' }));
    const body = await object.Body?.transformToString();
    s3.destroy();
    dynamo.destroy();
    await storage.stop();

    // Assess
    assert.equal(item.Item?.value?.S, 'kept');
    assert.equal(body, 'kept');
    assert.equal(frontCalls, 1, 'the listener in front of s3rver still receives requests');
  });
});
