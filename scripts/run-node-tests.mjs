// Runs Node's test runner over every `*.test.ts` file below the given folders (or the given files),
// with tsx loaded.
// Node 20's `--test` takes no glob patterns, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
  console.error('usage: node scripts/run-node-tests.mjs FOLDER_OR_FILE [FOLDER_OR_FILE ...]');
  process.exit(2);
}

// A path that is a file runs as given, so one test file can run alone.
const files = folders.flatMap((path) => (statSync(path).isDirectory() ? findTests(path) : [path])).sort();
if (files.length === 0) {
  console.error(`no *.test.ts files below ${folders.join(', ')}`);
  process.exit(1);
}

// Every test file loads the AWS SDK, which on Node.js 20 prints a seven-line notice that its releases
// from January 2027 need Node.js 22. The README states it once, and here it would bury the results.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
