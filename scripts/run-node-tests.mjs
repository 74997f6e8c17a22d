// Runs Node's test runner over every `*.test.ts` file below the given folders, with tsx loaded.
// Node 20's `--test` takes no glob patterns, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const folders = process.argv.slice(2);
if (folders.length === 0) {
  console.error('usage: node scripts/run-node-tests.mjs FOLDER [FOLDER ...]');
  process.exit(2);
}

const files = folders.flatMap(findTests).sort();
if (files.length === 0) {
  console.error(`no *.test.ts files below ${folders.join(', ')}`);
  process.exit(1);
}

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
