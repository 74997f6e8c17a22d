/** The machine and the tools a run used, as BENCHMARKS.md records them next to the figures. */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import { createRequire } from 'node:module';

import sharp from 'sharp';

const require = createRequire(import.meta.url);

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly chromium: string;
  readonly sharp: string;
  readonly imageMagick: string;
  readonly esbuild: string;
}

/** Flags the Chromium benchmarks launch the browser with. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/** Returns the path of an executable file on PATH, or undefined. */
function findOnPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }

  return undefined;
}

function firstLine(file: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

/** Path of Chromium: `CHROME_PATH`, else `/usr/bin/chromium`, else `chromium` on PATH. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', findOnPath('chromium')];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === '') continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Try the next candidate.
    }
  }

  return undefined;
}

/**
 * ImageMagick's command: `magick` (ImageMagick 7), else `convert` (ImageMagick 6, as Debian ships
 * it), accepted only when its `-version` output names ImageMagick.
 */
export function findImageMagick(): { command: string; version: string } | undefined {
  for (const name of ['magick', 'convert']) {
    const command = findOnPath(name);
    if (command === undefined) continue;
    const version = firstLine(command, ['-version']);
    if (version?.includes('ImageMagick')) return { command, version: version.replace(/^Version:\s*/, '') };
  }

  return undefined;
}

export function describeMachine(): Machine {
  const chromium = findChromium();

  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    chromium: (chromium && firstLine(chromium, ['--version'])) ?? 'not found',
    sharp: `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, ${sharp.concurrency()} libvips thread(s) per image`,
    imageMagick: findImageMagick()?.version ?? 'not found',
    esbuild: (require('esbuild/package.json') as { version: string }).version,
  };
}

/** Returns the 1-, 5- and 15-minute load averages, rounded to two decimals. */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}
