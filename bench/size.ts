/**
 * Widgets size: the CDN file, minified and gzipped at level 9, beside Uppy, FilePond and Lit alone,
 * each bundled from one entry by esbuild (ESM, minified, browser platform). Peers resolve from
 * bench/node_modules only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

import { BENCH_DIR, buildCdnFile, REPOSITORY_ROOT } from './lib/cdn-build.js';
import type { BenchResult, TargetCheck } from './lib/report.js';
import { formatBytes } from './lib/stats.js';


/** Budget of the CDN file, gzipped: 15 KiB, the same as `npm run size` checks. */
const BUDGET_BYTES = 15 * 1024;

interface Subject {
  readonly name: string;
  readonly packages: string;
  /** ES module source of the one entry, exporting everything it imports so nothing is shaken out. */
  readonly js: string;
  /** CSS entry with `@import`s of the stylesheets a page must load, if any. */
  readonly css?: string;
  readonly resolveDir: string;
}

const FILEPOND_PACKAGES = [
  'filepond',
  'filepond-plugin-image-preview',
  'filepond-plugin-image-resize',
  'filepond-plugin-image-transform',
  'filepond-plugin-image-exif-orientation',
  'filepond-plugin-file-validate-type',
  'filepond-plugin-file-validate-size',
] as const;

const PEERS: readonly Subject[] = [
  {
    name: 'Uppy (core + Dashboard + AWS S3)',
    packages: '@uppy/core, @uppy/dashboard, @uppy/aws-s3',
    js: [
      "import Uppy from '@uppy/core';",
      "import Dashboard from '@uppy/dashboard';",
      "import AwsS3 from '@uppy/aws-s3';",
      'export { Uppy, Dashboard, AwsS3 };',
    ].join('\n'),
    css: ['@import "@uppy/core/css/style.min.css";', '@import "@uppy/dashboard/css/style.min.css";'].join('\n'),
    resolveDir: BENCH_DIR,
  },
  {
    name: 'FilePond + 6 plugins',
    packages: FILEPOND_PACKAGES.join(', '),
    js: [
      "import * as FilePond from 'filepond';",
      "import ImagePreview from 'filepond-plugin-image-preview';",
      "import ImageResize from 'filepond-plugin-image-resize';",
      "import ImageTransform from 'filepond-plugin-image-transform';",
      "import ImageExifOrientation from 'filepond-plugin-image-exif-orientation';",
      "import FileValidateType from 'filepond-plugin-file-validate-type';",
      "import FileValidateSize from 'filepond-plugin-file-validate-size';",
      'FilePond.registerPlugin(ImagePreview, ImageResize, ImageTransform, ImageExifOrientation, FileValidateType, FileValidateSize);',
      'export { FilePond };',
    ].join('\n'),
    css: [
      '@import "filepond/dist/filepond.min.css";',
      '@import "filepond-plugin-image-preview/dist/filepond-plugin-image-preview.min.css";',
    ].join('\n'),
    resolveDir: BENCH_DIR,
  },
  {
    name: 'Lit alone',
    packages: 'lit',
    js: "export * from 'lit';",
    resolveDir: BENCH_DIR,
  },
];

interface Measured {
  readonly name: string;
  readonly packages: string;
  readonly version: string;
  readonly jsMin: number;
  readonly jsGzip: number;
  readonly cssMin: number;
  readonly cssGzip: number;
}

function gzipSize(data: Uint8Array): number {
  return gzipSync(data, { level: 9 }).length;
}

async function bundle(source: string, loader: 'js' | 'css', resolveDir: string): Promise<Uint8Array> {
  const result = await build({
    absWorkingDir: REPOSITORY_ROOT,
    metafile: true,
    stdin: { contents: source, loader, resolveDir, sourcefile: `entry.${loader}` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    // Peers must not fall back to the repository's node_modules.
    nodePaths: [],
  });
  // esbuild looks in parent folders too, so a peer missing from bench/node_modules would silently
  // come from the repository's node_modules; that is rejected here.
  if (resolveDir === BENCH_DIR) {
    const outside = Object.keys(result.metafile.inputs).filter((path) => !path.startsWith('bench/entry.') && !path.startsWith('bench/node_modules/'));
    if (outside.length > 0) throw new Error(`peer bundle read files outside bench/node_modules: ${outside.slice(0, 3).join(', ')}; run npm ci --prefix bench`);
  }
  const outputs = result.outputFiles.filter((file) => file.path.endsWith(`.${loader}`));
  if (outputs.length !== 1) throw new Error(`esbuild wrote ${outputs.length} .${loader} files for one entry; expected 1`);

  return outputs[0]!.contents;
}

/** Reads installed versions from `from`/node_modules; some packages, Lit among them, export no package.json. */
function versionOf(packages: readonly string[], from: string): string {
  return packages
    .map((name) => {
      const manifest = JSON.parse(readFileSync(join(from, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };

      return `${name} ${manifest.version}`;
    })
    .join(', ');
}

async function measure(subject: Subject, versionPackages: readonly string[]): Promise<Measured> {
  const js = await bundle(subject.js, 'js', subject.resolveDir);
  const css = subject.css === undefined ? undefined : await bundle(subject.css, 'css', subject.resolveDir);

  return {
    name: subject.name,
    packages: subject.packages,
    version: versionOf(versionPackages, subject.resolveDir),
    jsMin: js.length,
    jsGzip: gzipSize(js),
    cssMin: css?.length ?? 0,
    cssGzip: css === undefined ? 0 : gzipSize(css),
  };
}

function row(measured: Measured): string[] {
  const css = measured.cssMin === 0 ? 'none' : `${formatBytes(measured.cssMin)} / ${formatBytes(measured.cssGzip)}`;

  return [
    measured.name,
    `${formatBytes(measured.jsMin)} / ${formatBytes(measured.jsGzip)}`,
    css,
    `${formatBytes(measured.jsGzip + measured.cssGzip)} (${(measured.jsGzip + measured.cssGzip).toLocaleString('en-US')} B)`,
    measured.version,
  ];
}

export async function runSize(): Promise<BenchResult> {
  const cdn = buildCdnFile();
  // Styles of the widgets are inside the components (Lit's css templates), so the CDN file is all a page loads.
  const ours: Measured = {
    name: 'drink-widgets CDN file (Vite, as `npm run build` makes it)',
    packages: 'dist/cdn/drink-widgets.js',
    version: versionOf(['lit'], REPOSITORY_ROOT),
    jsMin: cdn.length,
    jsGzip: gzipSize(cdn),
    cssMin: 0,
    cssGzip: 0,
  };
  const oursEsbuild = await measure(
    {
      name: 'drink-widgets, widget/cdn.ts bundled by esbuild like the peers',
      packages: 'widget/cdn.ts',
      js: "export * from './widget/cdn.ts';",
      resolveDir: REPOSITORY_ROOT,
    },
    ['lit'],
  );
  const peers = [
    await measure(PEERS[0]!, ['@uppy/core', '@uppy/dashboard', '@uppy/aws-s3']),
    await measure(PEERS[1]!, ['filepond']),
    await measure(PEERS[2]!, ['lit']),
  ];

  const total = ours.jsGzip;
  const ownCode = Math.max(0, total - peers[2]!.jsGzip);
  const check: TargetCheck = {
    name: 'widgets size',
    target: `CDN file ≤ 15 KiB (${BUDGET_BYTES.toLocaleString('en-US')} B) min+gzip`,
    measured: `${formatBytes(total)} (${total.toLocaleString('en-US')} B)`,
    met: total <= BUDGET_BYTES,
    ...(total > BUDGET_BYTES
      ? {
          gap: `${(total - BUDGET_BYTES).toLocaleString('en-US')} B (${(((total - BUDGET_BYTES) / BUDGET_BYTES) * 100).toFixed(0)} %)`,
          reason: `Lit alone is ${formatBytes(peers[2]!.jsGzip)} gzipped, so the two components, their styles, strings and API client add ${formatBytes(total - peers[2]!.jsGzip)}.`,
        }
      : {}),
  };

  return {
    id: 'size',
    title: 'Widgets size',
    method: [
      'Each subject is one ES module bundled by esbuild (`bundle`, `format: esm`, `platform: browser`, `minify`) from',
      'one entry that exports everything it imports, then gzipped at level 9 (Node.js zlib). Peers resolve from',
      '`bench/node_modules`. Uppy and FilePond also need their stylesheets, bundled and minified by esbuild from',
      'the packages\' minified CSS and counted beside the JavaScript; the total is the sum of the two gzipped sizes.',
      'The drink-widgets CDN file is built from the current sources by `vite build` with the project\'s Vite config, as',
      '`npm run build` does, into a temporary folder; the same entry bundled by esbuild is listed too for a like-for-like comparison.',
      'Its styles live inside the components, so it has no CSS file.',
    ],
    tables: [
      {
        header: ['subject', 'JS min / gzip', 'CSS min / gzip', 'total gzip', 'versions'],
        rows: [row(ours), row(oursEsbuild), ...peers.map(row)],
      },
    ],
    targets: [check],
    notes: [
      `FilePond versions: ${versionOf(FILEPOND_PACKAGES, BENCH_DIR)}.`,
      `Sizes in KiB (1,024 bytes). The target is read as 15 KiB, the budget \`npm run size\` enforces; ${total <= 15_000 ? 'the CDN file also stays within 15,000 bytes' : 'the CDN file is over 15,000 bytes'}.`,
      `The Lit figure is \`export * from 'lit'\`: all of lit-html, lit-element and reactive-element, more than a component needs, so the widgets' own code takes at least about ${formatBytes(ownCode)} of the gzipped CDN file (gzip sizes do not add up exactly).`,
    ],
  };
}
