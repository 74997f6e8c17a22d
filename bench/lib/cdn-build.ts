/**
 * Builds the CDN file from the current sources with the project's Vite config into a folder of the
 * benchmarks, so the figures match the sources and dist/ is left to `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CACHE_DIR } from './photos.js';

export const REPOSITORY_ROOT = join(import.meta.dirname, '../..');
export const BENCH_DIR = join(import.meta.dirname, '..');

let built: Buffer | undefined;

/** Returns the bytes of the CDN file, built once per run with `vite build --outDir`. */
export function buildCdnFile(): Buffer {
  if (built !== undefined) return built;

  const outDir = join(CACHE_DIR, 'cdn');
  try {
    execFileSync(join(REPOSITORY_ROOT, 'node_modules/.bin/vite'), ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: REPOSITORY_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000,
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`vite build of the CDN file failed${stderr ? `: ${stderr}` : ''}; run "npm run build" to see the full output`, { cause: error });
  }
  built = readFileSync(join(outDir, 'drink-widgets.js'));

  return built;
}
