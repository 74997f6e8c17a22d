/**
 * AWS SDK clients, created once per execution environment and wrapped by the tracer.
 *
 * Endpoints come from the SDK's own configuration: `AWS_ENDPOINT_URL_S3` and
 * `AWS_ENDPOINT_URL_DYNAMODB` are read by AWS SDK for JavaScript v3 (checked with 3.1178), so the
 * same code reaches AWS or an S3- and DynamoDB-compatible server.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { captureClient } from './tracing.js';

export const s3Client = captureClient(
  // Most S3-compatible servers only route path-style URLs such as http://host/bucket/key.
  new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }),
);

export const documentClient = DynamoDBDocumentClient.from(captureClient(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});
