import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';

import { checkPostPolicy, type PolicyCheck } from './post-policy.js';

const SECRETS = { S3RVER: 'S3RVER' };
const KEY = 'photos/Bar/Drink/0b3c7f2e-1d4a-4c8e-9f00-123456789abc.jpg';

function codeOf(check: PolicyCheck): string {
  return check.ok ? 'ok' : check.code;
}

describe('checkPostPolicy', () => {
  let fields: Record<string, string>;

  before(async () => {
    // createPresignedPost signs locally; the endpoint is never contacted.
    const client = new S3Client({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    const post = await createPresignedPost(client, {
      Bucket: 'drink-photos',
      Key: KEY,
      Fields: { 'Content-Type': 'image/jpeg', 'x-amz-meta-trace-id': '1-6b131a3f-b5278b1a12c28016d4999967' },
      Conditions: [
        ['content-length-range', 1, 1000],
        { 'Content-Type': 'image/jpeg' },
        { 'x-amz-meta-trace-id': '1-6b131a3f-b5278b1a12c28016d4999967' },
      ],
      Expires: 300,
    });
    fields = post.fields;
    client.destroy();
  });

  const check = (override: Record<string, string | undefined> = {}, fileSize = 500, now?: Date) => {
    const merged = new Map(Object.entries({ ...fields, ...override }).filter((entry): entry is [string, string] => entry[1] !== undefined));

    return checkPostPolicy({ fields: merged, fileSize, bucket: 'drink-photos', secrets: SECRETS, now });
  };

  it('accepts the presigned fields', () => {
    assert.deepEqual(check(), { ok: true });
  });

  it('rejects another key', () => {
    // Act
    const result = check({ key: 'photos/Other/Drink/0b3c7f2e-1d4a-4c8e-9f00-123456789abc.jpg' });

    // Assess
    assert.equal(codeOf(result), 'AccessDenied');
    assert.match(result.ok ? '' : result.message, /Policy Condition failed/);
  });

  it('rejects another Content-Type', () => {
    assert.equal(codeOf(check({ 'Content-Type': 'image/png' })), 'AccessDenied');
  });

  it('rejects a file over the size range', () => {
    assert.equal(codeOf(check({}, 1001)), 'EntityTooLarge');
  });

  it('rejects an empty file', () => {
    assert.equal(codeOf(check({}, 0)), 'EntityTooSmall');
  });

  it('rejects an expired policy', () => {
    // Act
    const result = check({}, 500, new Date(Date.now() + 301_000));

    // Assess
    assert.equal(codeOf(result), 'AccessDenied');
    assert.match(result.ok ? '' : result.message, /Policy expired/);
  });

  it('rejects a field without a condition', () => {
    // Act
    const result = check({ 'x-amz-meta-extra': 'sneaked in' });

    // Assess
    assert.equal(codeOf(result), 'AccessDenied');
    assert.match(result.ok ? '' : result.message, /Extra input fields: x-amz-meta-extra/);
  });

  it('ignores fields named x-ignore-', () => {
    assert.deepEqual(check({ 'x-ignore-note': 'anything' }), { ok: true });
  });

  it('rejects a changed signature', () => {
    // Prepare
    const signature = fields['X-Amz-Signature'] as string;
    const changed = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;

    // Act
    const result = check({ 'X-Amz-Signature': changed });

    // Assess
    assert.equal(codeOf(result), 'SignatureDoesNotMatch');
  });

  it('rejects an unknown access key id', () => {
    // Act
    const result = check({ 'X-Amz-Credential': (fields['X-Amz-Credential'] as string).replace('S3RVER', 'OTHER') });

    // Assess
    assert.equal(codeOf(result), 'InvalidAccessKeyId');
  });

  it('rejects a form without a policy', () => {
    assert.equal(codeOf(check({ Policy: undefined })), 'AccessDenied');
  });
});
