/**
 * Cold start: each handler bundled by esbuild with the options of the CDK construct
 * (backend/cdk/drink-photos.ts), and its size. The load time is the time a fresh `node` process
 * takes to import the bundle with the function's environment set, minus the time it takes to import
 * an empty module.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

import { build, type Metafile } from 'esbuild';

import { REPOSITORY_ROOT } from './lib/cdn-build.js';
import { CACHE_DIR } from './lib/photos.js';
import type { BenchResult, TargetCheck } from './lib/report.js';
import { formatBytes, formatMs, median } from './lib/stats.js';

const TARGET_MS = 150;

interface HandlerSpec {
  readonly name: string;
  readonly entry: string;
  /** Packages the construct installs into the asset's node_modules instead of bundling. */
  readonly nodeModules: readonly string[];
  /** Memory the construct gives the function, in MB, as Lambda reports it in the environment. */
  readonly memoryMb: number;
  /** Environment the construct gives the function, with placeholder resource names. */
  readonly environment: Readonly<Record<string, string>>;
}

const STORAGE = { BUCKET_NAME: 'drink-photos-bench', TABLE_NAME: 'drink-photos-bench' };

const HANDLERS: readonly HandlerSpec[] = [
  {
    name: 'presign',
    entry: 'backend/functions/presign.ts',
    nodeModules: [],
    memoryMb: 256,
    environment: { ...STORAGE, ALLOWED_ORIGINS: 'https://example.com', MAX_UPLOAD_BYTES: '20971520', UPLOAD_EXPIRY_SECONDS: '300' },
  },
  {
    name: 'process-photo',
    entry: 'backend/functions/process-photo.ts',
    nodeModules: ['sharp'],
    memoryMb: 1769,
    environment: { ...STORAGE, MAX_UPLOAD_BYTES: '20971520', RENDITION_SIZES: '{"thumb":320,"display":1600}' },
  },
  {
    name: 'query',
    entry: 'backend/functions/query.ts',
    nodeModules: [],
    memoryMb: 512,
    environment: { ...STORAGE, ALLOWED_ORIGINS: 'https://example.com' },
  },
];

/** Variables every function gets from the construct, and those the Lambda runtime sets itself. */
function functionEnvironment(spec: HandlerSpec, folder: string, sourceMaps: boolean): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...spec.environment,
    POWERTOOLS_SERVICE_NAME: 'drink-widgets',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_NAMESPACE: 'DrinkWidgets',
    ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `drink-widgets-${spec.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    LAMBDA_TASK_ROOT: folder,
    _HANDLER: 'index.handler',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
  };
}

/** Bundles one handler to `folder`/index.mjs with the construct's esbuild options. */
async function bundleHandler(spec: HandlerSpec, folder: string): Promise<string> {
  const result = await build({
    entryPoints: [join(REPOSITORY_ROOT, spec.entry)],
    outfile: join(folder, 'index.mjs'),
    absWorkingDir: REPOSITORY_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    treeShaking: true,
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    external: [...spec.nodeModules],
    logLevel: 'error',
    metafile: true,
  });
  // The asset carries node_modules for the external packages, so a link to the repository's copy replaces it here.
  for (const name of spec.nodeModules) {
    mkdirSync(join(folder, 'node_modules'), { recursive: true });
    symlinkSync(join(REPOSITORY_ROOT, 'node_modules', name), join(folder, 'node_modules', name), 'dir');
  }

  return largestPackages(result.metafile);
}

/** Names the packages that take the most bytes of the bundle, for example `@aws-sdk 41 %`. */
function largestPackages(metafile: Metafile): string {
  const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
  if (output === undefined) return '';

  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    let name = match?.[1] ?? 'project code';
    // The SDK comes as hundreds of small packages, which are counted together by scope.
    if (name.startsWith('@aws-sdk/') || name.startsWith('@smithy/')) name = name.split('/')[0]!;
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
  }
  const total = [...byPackage.values()].reduce((sum, bytes) => sum + bytes, 0);

  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, bytes]) => `${name} ${Math.round((bytes / total) * 100)} %`)
    .join(', ');
}

const LOADER = `const started = performance.now();
await import(process.argv[2]);
process.stdout.write(String(performance.now() - started));
`;

/** Runs `node loader.mjs module` and returns its wall time and the import time it measured itself. */
function timeImport(loader: string, module: string, env: NodeJS.ProcessEnv): Promise<{ wallMs: number; importMs: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [loader, module], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) {
        reject(new Error(`importing ${module} failed with exit code ${code}: ${stderr.trim().slice(0, 2000)}`));
        return;
      }
      resolve({ wallMs, importMs: Number(stdout) });
    });
  });
}

interface HandlerResult {
  readonly name: string;
  /** Reason the bundle failed to load, when it did; the figures are then NaN. */
  readonly error?: string;
  /** Largest packages in the bundle, by their share of its bytes. */
  readonly largest?: string;
  readonly bundleBytes: number;
  readonly bundleGzip: number;
  readonly mapBytes: number;
  /** Medians, with source maps on as the construct sets them. */
  readonly loadMs: number;
  readonly importMs: number;
  readonly loadWithoutMapsMs: number;
  readonly baselineMs: number;
}

async function measureHandler(spec: HandlerSpec, root: string, loader: string, empty: string, runs: number): Promise<HandlerResult> {
  const folder = join(root, spec.name.replace(/[^a-z-]+/g, '-'));
  const largest = await bundleHandler(spec, folder);
  const bundle = join(folder, 'index.mjs');

  const samples = { baseline: [] as number[], load: [] as number[], import: [] as number[], noMapsBaseline: [] as number[], noMaps: [] as number[] };
  const withMaps = functionEnvironment(spec, folder, true);
  const withoutMaps = functionEnvironment(spec, folder, false);
  // One unmeasured import fills the file cache; then the variants alternate so drifting load hits each alike.
  await timeImport(loader, bundle, withMaps);
  for (let index = 0; index < runs; index++) {
    samples.baseline.push((await timeImport(loader, empty, withMaps)).wallMs);
    const loaded = await timeImport(loader, bundle, withMaps);
    samples.load.push(loaded.wallMs);
    samples.import.push(loaded.importMs);
    samples.noMapsBaseline.push((await timeImport(loader, empty, withoutMaps)).wallMs);
    samples.noMaps.push((await timeImport(loader, bundle, withoutMaps)).wallMs);
  }
  const code = readFileSync(bundle);

  return {
    name: spec.name,
    largest,
    bundleBytes: code.length,
    bundleGzip: gzipSync(code, { level: 9 }).length,
    mapBytes: statSync(`${bundle}.map`).size,
    loadMs: median(samples.load) - median(samples.baseline),
    importMs: median(samples.import),
    loadWithoutMapsMs: median(samples.noMaps) - median(samples.noMapsBaseline),
    baselineMs: median(samples.baseline),
  };
}

/** Returns the first error line of the child's stderr, such as `Error: Could not load the "sharp" module …`. */
function loadError(message: string): string {
  const line = message.split('\n').find((text) => /^\w*Error:/.test(text.trim()));

  return (line ?? message.split('\n')[0] ?? message).trim();
}

function sizeOf(bundle: string): { bundleBytes: number; bundleGzip: number; mapBytes: number } {
  try {
    const code = readFileSync(bundle);
    return { bundleBytes: code.length, bundleGzip: gzipSync(code, { level: 9 }).length, mapBytes: statSync(`${bundle}.map`).size };
  } catch {
    return { bundleBytes: Number.NaN, bundleGzip: Number.NaN, mapBytes: Number.NaN };
  }
}

export async function runColdStart(options: { runs: number }): Promise<BenchResult> {
  const root = join(CACHE_DIR, 'cold-start');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const loader = join(root, 'loader.mjs');
  const empty = join(root, 'empty.mjs');
  writeFileSync(loader, LOADER);
  writeFileSync(empty, 'export {};\n');

  const results: HandlerResult[] = [];
  for (const spec of HANDLERS) {
    try {
      results.push(await measureHandler(spec, root, loader, empty, options.runs));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failed = { name: spec.name, error: loadError(message), bundleBytes: Number.NaN, bundleGzip: Number.NaN, mapBytes: Number.NaN };
      results.push({ ...failed, ...sizeOf(join(root, spec.name, 'index.mjs')), loadMs: Number.NaN, importMs: Number.NaN, loadWithoutMapsMs: Number.NaN, baselineMs: Number.NaN });
      if (!message.includes('"sharp"') || spec.nodeModules.includes('sharp')) continue;

      // For comparison only: the figure the handler would have if sharp were installed beside it.
      const variant = { ...spec, name: `${spec.name}, sharp external (not as deployed)`, nodeModules: [...spec.nodeModules, 'sharp'] };
      results.push(await measureHandler(variant, root, loader, empty, options.runs));
    }
  }

  const checks: TargetCheck[] = results.filter((result) => !result.name.includes('not as deployed')).map((result) => {
    if (result.error !== undefined) {
      return {
        name: `cold start, ${result.name}`,
        target: `module load < ${TARGET_MS} ms`,
        measured: 'the bundle fails to load',
        met: false,
        reason: result.error.includes('"sharp"')
          ? `the bundle throws at import (${result.error}). ${result.name} imports ACCEPTED_TYPES from backend/shared/image.ts, which imports sharp, file-type and exifr at the top. sharp's package.json declares \`sideEffects: true\`, so esbuild keeps sharp's JavaScript in the ${result.name} bundle, and at import it looks for its native binary, which is not in the asset (only process-photo gets sharp in node_modules). The construct bundles it with the same options, so the deployed function would fail the same way. Moving the MIME type list into a module without image libraries would fix it.`
          : `the bundle throws at import (${result.error}).`,
      };
    }
    const met = result.loadMs < TARGET_MS;
    return {
      name: `cold start, ${result.name}`,
      target: `module load < ${TARGET_MS} ms`,
      measured: formatMs(result.loadMs),
      met,
      ...(met
        ? {}
        : {
            gap: formatMs(result.loadMs - TARGET_MS),
            reason: `the bundle is ${formatBytes(result.bundleBytes)} of minified JavaScript (${result.largest}) that V8 parses and runs at import${result.name === 'process-photo' ? ', and sharp loads libvips as a native library' : ''}; without --enable-source-maps it loads in ${formatMs(result.loadWithoutMapsMs)}.`,
          }),
    };
  });

  return {
    id: 'cold-start',
    title: 'Cold start',
    method: [
      'Each handler is bundled by esbuild as the CDK construct bundles it: ESM, `target: node22`, minified, tree shaking,',
      'external source map without sources content, `mainFields: module, main`, the `createRequire` banner, the AWS SDK',
      'bundled, and sharp left external for process-photo (linked from the repository\'s node_modules as the asset installs it).',
      'A fresh `node` process imports the bundle with the function\'s environment (the construct\'s variables, including',
      '`NODE_OPTIONS=--enable-source-maps`, and the Lambda runtime\'s, such as `AWS_EXECUTION_ENV` and `AWS_LAMBDA_FUNCTION_NAME`).',
      'Module load is the median wall time of that process minus the median for an empty module in the same environment,',
      `over ${options.runs} alternating runs each; the import time the process measures itself is listed beside it.`,
      `Node.js here is ${process.version}; Lambda runs Node.js 22 on arm64, so these are relative figures.`,
    ],
    tables: [
      {
        header: ['handler', 'bundle (min / gzip)', 'source map', 'module load', 'import, in process', 'load without source maps', 'largest parts of the bundle'],
        rows: results.map((result) => [
          result.error === undefined ? result.name : `${result.name} (fails: ${result.error})`,
          `${formatBytes(result.bundleBytes)} / ${formatBytes(result.bundleGzip)}`,
          formatBytes(result.mapBytes),
          formatMs(result.loadMs),
          formatMs(result.importMs),
          formatMs(result.loadWithoutMapsMs),
          result.largest ?? '',
        ]),
      },
    ],
    targets: checks,
    notes: [
      `Baseline: a fresh node process importing an empty module takes ${formatMs(median(results.filter((result) => result.error === undefined).map((result) => result.baselineMs)))} here.`,
      'Lambda\'s init phase also downloads and unpacks the asset and starts the runtime, which this does not measure.',
      `The processes here use this machine's cores whatever the functions' memory settings (${HANDLERS.map((spec) => `${spec.name} ${spec.memoryMb} MB`).join(', ')}), while Lambda gives a function CPU in proportion to its memory (one vCPU at 1,769 MB, as the construct notes), so the smaller functions would load more slowly there.`,
    ],
  };
}
