import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { LOCK_FILE_NAME } from './data-dir-lock.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startStorage } from './storage.js';

describe('data folder lock', () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-lock-'));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rejects a second runtime on the same folder', async () => {
    // Prepare
    const first = await startStorage({ dataDir });

    try {
      // Act
      const second = startStorage({ dataDir });

      // Assess
      await assert.rejects(second, (error: Error) => {
        assert.match(error.message, /in use by another drink-widgets runtime/);
        assert.ok(error.message.includes(dataDir), error.message);
        assert.match(error.message, /DATA_DIR/);
        return true;
      });
      const client = new DynamoDBClient({ endpoint: first.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
      const table = await client.send(new DescribeTableCommand({ TableName: first.tableName }));
      client.destroy();
      assert.equal(table.Table?.TableStatus, 'ACTIVE');
      assert.equal((await readFile(join(dataDir, LOCK_FILE_NAME), 'utf8')).trim(), String(process.pid));
    } finally {
      await first.stop();
    }
  });

  it('releases the lock on stop', async () => {
    // Act
    const storage = await startStorage({ dataDir });
    await storage.stop();

    // Assess
    await assert.rejects(readFile(join(dataDir, LOCK_FILE_NAME)), { code: 'ENOENT' });
  });

  it('takes over the lock of a process that ended', async () => {
    // Prepare
    const ended = spawnSync(process.execPath, ['-e', '']);
    assert.ok(ended.pid);
    await writeFile(join(dataDir, LOCK_FILE_NAME), `${ended.pid}\n`);

    // Act
    const storage = await startStorage({ dataDir });
    const holder = (await readFile(join(dataDir, LOCK_FILE_NAME), 'utf8')).trim();
    await storage.stop();

    // Assess
    assert.equal(holder, String(process.pid));
  });
});
