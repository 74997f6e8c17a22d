/**
 * Entry point of `npm run bench`: installs the peers from bench/package-lock.json when
 * bench/node_modules is missing, runs the benchmarks named on the command line (all by default),
 * prints their tables and rewrites BENCHMARKS.md from bench/results.json.
 *
 *   npm run bench                         every benchmark, default sizes
 *   npm run bench -- size upload          only these
 *   npm run bench -- process --runs 5     flags as listed by --help
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { Flags, parseArgs } from './lib/args.js';
import { BENCH_DIR, REPOSITORY_ROOT } from './lib/cdn-build.js';
import { describeMachine, findChromium, findImageMagick, loadAverage } from './lib/machine.js';
import { printResult, readResults, writeMarkdown, writeResults, type BenchResult } from './lib/report.js';

const BENCHMARKS = ['size', 'upload', 'process', 'cold-start', 'embedded'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

const HELP = `Usage: npm run bench -- [${BENCHMARKS.join('|')} ...] [flags]

Runs the named benchmarks (all when none is named), prints their tables and rewrites BENCHMARKS.md.

Flags, with their defaults and bounds:
  --runs N              timed runs per case for upload, process and cold-start (default 5; 1 to 50;
                        upload runs at least 3, cold-start at least 3)
  --sizes LIST          process: photo sizes in megapixels (default 1,12,24; each 1, 12 or 24)
  --budget S            process: seconds after which a case stops starting runs (default 60; 5 to 600)
  --concurrency LIST    embedded: client counts, one level each (default 1,4,16; 1 to 32)
  --uploads N           embedded: uploads per level (default max(8, 2 × clients); 1 to 200)
  --queries N           embedded: drink queries per level (default 50; 1 to 1000)
  --seconds S           embedded: seconds after which a level stops starting uploads (default 60; 5 to 600)
  --poll MS             embedded: interval of the status polls in milliseconds (default 25; 5 to 1000)
  --no-write            print only; leave bench/results.json and BENCHMARKS.md as they are
`;

const RESULTS_FILE = join(BENCH_DIR, 'results.json');
const MARKDOWN_FILE = join(REPOSITORY_ROOT, 'BENCHMARKS.md');

/** Installs the peers with `npm ci --prefix bench` when bench/node_modules is missing. */
function ensurePeers(): void {
  if (existsSync(join(BENCH_DIR, 'node_modules'))) return;

  console.error('bench/node_modules is missing; running npm ci --prefix bench');
  execFileSync('npm', ['ci', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], { cwd: REPOSITORY_ROOT, stdio: 'inherit' });
}

/** Prints what this machine lacks for the named benchmarks; the benchmarks then skip that part. */
function checkSetup(names: readonly BenchmarkName[]): void {
  if ((names.includes('upload') || names.includes('embedded')) && findChromium() === undefined) {
    console.error('Chromium not found (set CHROME_PATH or apt-get install -y chromium): the upload benchmark fails and the embedded one uploads only the original.');
  }
  if (names.includes('process') && findImageMagick() === undefined) {
    console.error('ImageMagick not found (apt-get install -y imagemagick): the process benchmark skips its ImageMagick column.');
  }
}

function commandLine(argv: readonly string[]): string {
  return argv.length === 0 ? 'npm run bench' : `npm run bench -- ${argv.join(' ')}`;
}

async function runBenchmark(name: BenchmarkName, flags: Flags, processFigures: Readonly<Record<string, number>>): Promise<BenchResult> {
  const runs = flags.integer('runs', 5, 1, 50);
  switch (name) {
    case 'size': {
      const { runSize } = await import('./size.js');
      return runSize();
    }
    case 'upload': {
      const { runUpload } = await import('./upload.js');
      return runUpload({ runs: Math.max(3, runs) });
    }
    case 'process': {
      const { runProcess } = await import('./process.js');
      return runProcess({ runs, sizes: flags.integerList('sizes', [1, 12, 24], 1, 24), budgetSeconds: flags.integer('budget', 60, 5, 600) });
    }
    case 'cold-start': {
      const { runColdStart } = await import('./cold-start.js');
      return runColdStart({ runs: Math.max(3, runs) });
    }
    case 'embedded': {
      const { runEmbedded } = await import('./embedded.js');
      return runEmbedded(
        {
          concurrencies: flags.integerList('concurrency', [1, 4, 16], 1, 32),
          uploads: flags.integer('uploads', 0, 1, 200),
          queries: flags.integer('queries', 50, 1, 1000),
          secondsPerLevel: flags.integer('seconds', 60, 5, 600),
          pollMs: flags.integer('poll', 25, 5, 1000),
        },
        processFigures,
      );
    }
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { names: requested, flags: rawFlags } = parseArgs(argv);
  if (rawFlags.has('help')) {
    console.log(HELP);
    return;
  }
  const unknown = requested.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
    process.exit(2);
  }
  const names = requested.length === 0 ? [...BENCHMARKS] : BENCHMARKS.filter((name) => requested.includes(name));
  const flags = new Flags(rawFlags);
  const write = !rawFlags.has('no-write');

  ensurePeers();
  checkSetup(names);
  const machine = describeMachine();
  const results = readResults(RESULTS_FILE);
  for (const name of names) {
    // The embedded benchmark explains its figures with the process benchmark's, from this run or the last.
    const processFigures = results.process?.result.figures ?? {};
    const loadBefore = loadAverage();
    const started = Date.now();
    console.error(`running ${name} (load average ${loadBefore})`);
    let result: BenchResult;
    try {
      result = await runBenchmark(name, flags, processFigures);
    } catch (error) {
      // The other benchmarks still run; this one keeps its earlier section, which carries its own date.
      console.error(`benchmark ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
      continue;
    }
    printResult(result);
    results[name] = {
      run: {
        date: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
        command: commandLine(argv),
        loadBefore,
        loadAfter: loadAverage(),
        durationSeconds: Math.round((Date.now() - started) / 1000),
        machine,
      },
      result,
    };
  }
  const unused = flags.unused().filter((name) => name !== 'no-write');
  if (unused.length > 0) console.error(`flags not used by the benchmarks run: ${unused.map((name) => `--${name}`).join(', ')}`);

  if (!write) return;
  writeResults(RESULTS_FILE, results);
  writeMarkdown(MARKDOWN_FILE, results, BENCHMARKS);
  console.error(`wrote ${MARKDOWN_FILE}`);
}

await main();
