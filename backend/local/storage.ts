/**
 * The storage of the embedded default: an S3-compatible server (s3rver) and a DynamoDB-compatible
 * server (dynalite) in this process, on 127.0.0.1, keeping their data in a local folder.
 */
import { mkdir } from 'node:fs/promises';
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

  // createTableMs 0 makes a new table ACTIVE at once, as there is nothing to wait for locally.
  const dynamoServer = dynalite({ path: dynamoDir, createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamoServer.once('error', reject);
    dynamoServer.listen(options.dynamoPort ?? 0, '127.0.0.1', () => resolve());
  });
  const dynamoEndpoint = `http://127.0.0.1:${(dynamoServer.address() as AddressInfo).port}`;

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
    throw new Error(`S3 server failed to start on 127.0.0.1:${options.s3Port ?? 0}; choose a free port with S3_PORT`, {
      cause: error,
    });
  }
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  try {
    await ensureTable(dynamoEndpoint, tableName);
  } catch (error) {
    await Promise.allSettled([s3rver.close(), closeDynalite(dynamoServer)]);
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
    },
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
