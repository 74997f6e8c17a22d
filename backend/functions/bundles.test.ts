/**
 * Each handler bundled with the esbuild options of the CDK construct loads in a fresh Node.js
 * process. Only process-photo ships sharp in its asset (as a node module), so a bundle of presign
 * or query that pulled sharp in would fail at its first cold start in AWS.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

import { build } from 'esbuild';

const run = promisify(execFile);
const FUNCTIONS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Bundles a handler with the esbuild options that `NodejsFunction` receives in backend/cdk/drink-photos.ts. */
async function bundle(name: string, outdir: string, external: string[]): Promise<{ file: string; inputs: string[] }> {
  const file = join(outdir, `${name}.mjs`);
  const result = await build({
    entryPoints: [join(FUNCTIONS_DIR, `${name}.ts`)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    treeShaking: true,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    external,
    metafile: true,
    logLevel: 'silent',
  });

  return { file, inputs: Object.keys(result.metafile.inputs) };
}

/** Imports a bundle in a child process, so nothing from this process's module cache helps it. */
async function importInFreshProcess(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`], {
    env: {
      PATH: process.env.PATH,
      BUCKET_NAME: 'bundle-test-bucket',
      TABLE_NAME: 'bundle-test-table',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });

  return stdout.trim();
}

describe('handler bundles', () => {
  let outdir: string;

  before(async () => {
    // Inside the repository, so process-photo's bundle resolves the external sharp from node_modules.
    outdir = await mkdtemp(join(FUNCTIONS_DIR, '..', '..', 'node_modules', '.bundle-test-'));
  });

  after(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  for (const name of ['presign', 'query']) {
    it(`${name} bundles without image libraries and loads`, async () => {
      const { file, inputs } = await bundle(name, outdir, []);

      assert.deepEqual(
        inputs.filter((input) => /node_modules\/(sharp|@img|file-type|exifr)\//.test(input)),
        [],
        `${name} pulls in an image library`,
      );
      assert.equal(await importInFreshProcess(file), 'function');
    });
  }

  it('process-photo loads with sharp as a node module', async () => {
    const { file } = await bundle('process-photo', outdir, ['sharp']);

    assert.equal(await importInFreshProcess(file), 'function');
  });
});

