/**
 * Runs `reconcile.ts --local` as a child process on a data folder holding an original that
 * process-photo never saw, as after an S3 event lost while the runtime was down.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import { LOCAL_CREDENTIALS, LOCAL_REGION, startStorage } from './storage.js';

const SCRIPT = fileURLToPath(new URL('./reconcile.ts', import.meta.url));
const ORPHAN_KEY = 'photos/Bar Basso/Orphan Spritz/0b3c7f2e-1d4a-4c8e-9f00-123456789abc.jpg';

function runReconcile(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, AWS_PROFILE: '', BUCKET_NAME: '', TABLE_NAME: '' },
  });

  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('reconcile', () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-reconcile-'));
    const storage = await startStorage({ dataDir });
    const s3 = new S3Client({ endpoint: storage.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    await s3.send(new PutObjectCommand({ Bucket: storage.bucketName, Key: ORPHAN_KEY, Body: photo, ContentType: 'image/jpeg' }));
    await s3.send(new PutObjectCommand({ Bucket: storage.bucketName, Key: 'photos/stray.txt', Body: 'x' }));
    s3.destroy();
    await storage.stop();
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the original on a dry run', () => {
    // Act
    const result = runReconcile('--local', '--data-dir', dataDir, '--dry-run');

    // Assess
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`would-process +${ORPHAN_KEY}`));
    assert.match(result.stdout, /skipped +photos\/stray\.txt not an original key/);
    assert.match(result.stdout, /scanned 2, skipped 1, to process 1, failed 0/);
  });

  it('indexes the original, then skips it', () => {
    // Act
    const first = runReconcile('--local', '--data-dir', dataDir);
    const second = runReconcile('--local', '--data-dir', dataDir);

    // Assess
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`processed +${ORPHAN_KEY} indexed`));
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`skipped +${ORPHAN_KEY} indexed`));
    assert.match(second.stdout, /scanned 2, skipped 2, processed 0, failed 0/);
  });

  it('rejects an invalid option with status 2', () => {
    // Act
    const result = runReconcile('--concurrency', '0');

    // Assess
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--concurrency is 0/);
  });

  it('prints its help', () => {
    // Act
    const result = runReconcile('--help');

    // Assess
    assert.equal(result.status, 0);
    assert.match(result.stdout, /--dry-run/);
    assert.match(result.stdout, /--force/);
  });
});
