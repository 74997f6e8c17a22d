/**
 * The storage of the embedded default: an S3-compatible server (s3rver) and a DynamoDB-compatible
 * server (dynalite) in this process, on 127.0.0.1, keeping their data in a local folder.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';

import { bucketCorsRules, bucketCorsXml } from '../shared/bucket-cors.js';
import { lockDataDir } from './data-dir-lock.js';

/** Credentials s3rver accepts out of the box; dynalite accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Region the local servers claim to be in; presigned requests are signed for it. */
export const LOCAL_REGION = 'us-east-1';

export interface StorageOptions {
  /** Folder for the data of both servers; created when missing. */
  readonly dataDir: string;
  /** @default 'drink-photos' */
  readonly bucketName?: string;
  /** @default 'drink-photos' */
  readonly tableName?: string;
  /** Port of the S3 endpoint; 0 picks a free one. @default 0 */
  readonly s3Port?: number;
  /** Port of the DynamoDB endpoint; 0 picks a free one. @default 0 */
  readonly dynamoPort?: number;
  /** Origins the bucket's CORS rules allow. @default ['*'] */
  readonly allowedOrigins?: readonly string[];
}

export interface Storage {
  /** Base URL of the S3 endpoint, for example `http://127.0.0.1:8081`. */
  readonly s3Endpoint: string;
  /** Base URL of the DynamoDB endpoint. */
  readonly dynamoEndpoint: string;
  readonly bucketName: string;
  readonly tableName: string;
  /** The S3 server; it emits `event` with an S3 event for every object created or removed. */
  readonly s3rver: S3rver;
  /** Stops both servers; the data stays in `dataDir`. */
  stop(): Promise<void>;
  /**
   * Stops dynalite, closing its database, waits `downMs` milliseconds and starts it again on the
   * same port and data folder. For fault tests: requests in between fail to connect.
   */
  restartDynamo(downMs: number): Promise<void>;
  /**
   * Closes the S3 endpoint and its open connections, waits `downMs` milliseconds and starts s3rver
   * again on the same port. Request listeners installed in front of s3rver stay in place. For
   * fault tests: requests in between fail to connect, and uploads in flight are cut off.
   */
  restartS3(downMs: number): Promise<void>;
}

/**
 * Starts s3rver and dynalite, then creates the bucket (with the CORS rules of the CDK app) and the
 * table when they are missing, so a second start on the same folder keeps earlier photos.
 */
export async function startStorage(options: StorageOptions): Promise<Storage> {
  const bucketName = options.bucketName ?? 'drink-photos';
  const tableName = options.tableName ?? 'drink-photos';
  const allowedOrigins = options.allowedOrigins ?? ['*'];
  const s3Dir = join(options.dataDir, 's3');
  const dynamoDir = join(options.dataDir, 'dynamodb');
  await mkdir(s3Dir, { recursive: true });
  await mkdir(dynamoDir, { recursive: true });

  const lock = await lockDataDir(options.dataDir);
  let dynamoServer = await startDynalite(dynamoDir, options.dynamoPort ?? 0).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  const dynamoPort = (dynamoServer.address() as AddressInfo).port;
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;

  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: options.s3Port ?? 0,
    directory: s3Dir,
    silent: true,
    // Bucket names in host names (bucket.127.0.0.1) do not resolve; clients use path-style URLs.
    vhostBuckets: false,
    configureBuckets: [{ name: bucketName, configs: [bucketCorsXml(bucketCorsRules(allowedOrigins))] }],
  });
  let s3Address: AddressInfo;
  try {
    s3Address = (await s3rver.run()) as AddressInfo;
  } catch (error) {
    await closeDynalite(dynamoServer);
    await lock.release();
    throw new Error(`S3 server failed to start on 127.0.0.1:${options.s3Port ?? 0}; choose a free port with S3_PORT`, {
      cause: error,
    });
  }
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  try {
    await ensureTable(dynamoEndpoint, tableName);
  } catch (error) {
    await Promise.allSettled([s3rver.close(), closeDynalite(dynamoServer)]);
    await lock.release();
    throw error;
  }

  return {
    s3Endpoint,
    dynamoEndpoint,
    bucketName,
    tableName,
    s3rver,
    async stop() {
      await Promise.allSettled([s3rver.close(), closeDynalite(dynamoServer)]);
      await lock.release();
    },
    async restartDynamo(downMs) {
      // dynalite's close waits for open connections, which keep-alive clients hold indefinitely.
      const closed = closeDynalite(dynamoServer);
      dynamoServer.closeAllConnections();
      await closed;
      await delay(downMs);
      dynamoServer = await startDynalite(dynamoDir, dynamoPort);
    },
    async restartS3(downMs) {
      const httpServer = (s3rver as unknown as { httpServer: Server }).httpServer;
      const listeners = httpServer.listeners('request') as ((...args: unknown[]) => void)[];
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      await delay(downMs);
      // run() listens on the port of the options, which may be 0; the endpoint keeps its port.
      (s3rver as unknown as { serverOptions: { port: number } }).serverOptions.port = s3Address.port;
      await s3rver.run();
      // run() creates a new HTTP server with only s3rver's own listener; the earlier listeners
      // already wrap s3rver's application, so they replace it.
      const restarted = (s3rver as unknown as { httpServer: Server }).httpServer;
      restarted.removeAllListeners('request');
      for (const listener of listeners) restarted.on('request', listener);
    },
  };
}

/** Starts dynalite on 127.0.0.1; createTableMs 0 makes a new table ACTIVE at once, as there is nothing to wait for locally. */
async function startDynalite(dynamoDir: string, port: number): Promise<ReturnType<typeof dynalite>> {
  const server = dynalite({ path: dynamoDir, createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return server;
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Returns the environment variables that point the handlers, through the AWS SDK, at this storage
 * with the local credentials.
 */
export function handlerEnvironment(storage: Pick<Storage, 'bucketName' | 'tableName' | 's3Endpoint' | 'dynamoEndpoint'>): Record<string, string> {
  return {
    BUCKET_NAME: storage.bucketName,
    TABLE_NAME: storage.tableName,
    AWS_ENDPOINT_URL_S3: storage.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: storage.dynamoEndpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/** Creates the table with the key schema of the CDK app unless it exists. */
async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  } finally {
    client.destroy();
  }

  const createClient = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    // NOTE: dynalite has no UpdateTimeToLive, so upload status records never expire locally.
    await createClient.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } finally {
    createClient.destroy();
  }
}

function closeDynalite(server: ReturnType<typeof dynalite>): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
