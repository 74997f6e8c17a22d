// Fails when the CDN bundle, minified and gzipped at level 9, exceeds its budget of 15 KiB.
// Run `npm run build` first. The budget includes Lit, about 6 KiB of it (LitElement, html and css
// bundled alone by esbuild 0.28 and gzipped at level 9 come to 5,978 bytes).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const FILE = 'dist/cdn/drink-widgets.js';
const BUDGET_BYTES = 15 * 1024;

let source;
try {
  source = readFileSync(FILE);
} catch (error) {
  console.error(`${FILE} could not be read (${error.code ?? error.message}). Run "npm run build" first.`);
  process.exit(1);
}

const gzipped = gzipSync(source, { level: 9 }).length;
const line = `${FILE}: ${source.length} bytes minified, ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`;
if (gzipped > BUDGET_BYTES) {
  console.error(`${line}: ${gzipped - BUDGET_BYTES} bytes over budget.`);
  process.exit(1);
}
console.log(`${line}: ${BUDGET_BYTES - gzipped} bytes left.`);
