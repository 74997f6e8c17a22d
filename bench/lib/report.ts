/**
 * Results of the benchmarks: printed as text tables, kept in bench/results.json and written to
 * BENCHMARKS.md. A run of some benchmarks replaces only their results, so each section of the page
 * carries the date, load and command of the run that measured it.
 */
import { readFileSync, writeFileSync } from 'node:fs';

import type { Machine } from './machine.js';

export interface Table {
  readonly caption?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** One target of the brief, checked against a measured figure. */
export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  /** Undefined when the figure could not be measured in this run. */
  readonly met: boolean | undefined;
  /** How far the figure is from the target, when it is missed. */
  readonly gap?: string;
  /** Reason the target is missed, from the figures of the same run. */
  readonly reason?: string;
}

export interface BenchResult {
  readonly id: string;
  readonly title: string;
  /** Description of the method, in a few sentences. */
  readonly method: readonly string[];
  readonly tables: readonly Table[];
  readonly targets: readonly TargetCheck[];
  readonly notes: readonly string[];
  /** Figures other benchmarks read, by name, in the unit the name states. */
  readonly figures?: Readonly<Record<string, number>>;
}

export interface RunInfo {
  readonly date: string;
  readonly command: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly durationSeconds: number;
  readonly machine: Machine;
}

export interface StoredResult {
  readonly run: RunInfo;
  readonly result: BenchResult;
}

export type StoredResults = Record<string, StoredResult>;

export function readResults(path: string): StoredResults {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoredResults;
  } catch {
    return {};
  }
}

export function writeResults(path: string, results: StoredResults): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/** Formats a table as aligned plain text for the terminal. */
export function textTable(table: Table): string {
  const rows = [table.header, ...table.rows];
  const widths = table.header.map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? '')].length)));
  const lines = rows.map((row) => row.map((cell, column) => pad(cell, widths[column]!)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));

  return [...(table.caption ? [table.caption] : []), ...lines].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function markdownTable(table: Table): string {
  const lines = [
    `| ${table.header.map(escapeCell).join(' | ')} |`,
    `|${table.header.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];

  return [...(table.caption ? [table.caption, ''] : []), ...lines].join('\n');
}

function verdict(check: TargetCheck): string {
  if (check.met === undefined) return 'not measured';

  return check.met ? 'met' : `missed${check.gap ? ` by ${check.gap}` : ''}`;
}

/** Prints one benchmark's tables and target checks to the terminal. */
export function printResult(result: BenchResult): void {
  console.log(`\n== ${result.title}`);
  for (const table of result.tables) console.log(`\n${textTable(table)}`);
  for (const check of result.targets) {
    console.log(`\ntarget ${check.name}: ${check.target}; measured ${check.measured}: ${verdict(check)}`);
    if (check.met === false && check.reason) console.log(`  reason: ${check.reason}`);
  }
  for (const note of result.notes) console.log(`note: ${note}`);
}

function machineLine(machine: Machine): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory, Node.js ${machine.node}, ${machine.chromium}`;
}

function runLine(run: RunInfo): string {
  return `Measured ${run.date} in ${run.durationSeconds} s with \`${run.command}\`; load average (1, 5, 15 min) ${run.loadBefore} before, ${run.loadAfter} after.`;
}

/** Writes BENCHMARKS.md from every stored result, in the order of `order`. */
export function writeMarkdown(path: string, results: StoredResults, order: readonly string[]): void {
  const present = order.filter((id) => results[id] !== undefined);
  const machines = new Map<string, Machine>();
  for (const id of present) machines.set(JSON.stringify(results[id]!.run.machine), results[id]!.run.machine);

  const lines: string[] = [
    '# Benchmarks',
    '',
    '`npm run bench` measures the widgets, the image pipeline and the embedded default, with peers beside them, and',
    'rewrites this page; `npm run bench -- NAME` runs one benchmark (`size`, `upload`, `process`, `cold-start`,',
    '`embedded`) and replaces only its section. Flags and their bounds are listed by `npm run bench -- --help`.',
    'Peers are installed from `bench/package-lock.json` into `bench/node_modules` and nowhere else.',
    '',
    '## Machine',
    '',
  ];
  for (const machine of machines.values()) {
    lines.push(`- ${machineLine(machine)}`);
    lines.push(`  - CPU threads available to Node.js: ${machine.cores}; ${machine.sharp}; ImageMagick: ${machine.imageMagick}; esbuild ${machine.esbuild}`);
  }
  lines.push('', 'Other work ran on the machine during some runs, so each section records the load average around it.', '');

  lines.push('## Targets', '', '| figure | target | measured | result |', '|---|---|---|---|');
  for (const id of present) {
    for (const check of results[id]!.result.targets) {
      lines.push(`| ${escapeCell(check.name)} | ${escapeCell(check.target)} | ${escapeCell(check.measured)} | ${escapeCell(verdict(check))} |`);
    }
  }
  const missed = present.flatMap((id) => results[id]!.result.targets.filter((check) => check.met === false));
  if (missed.length > 0) {
    lines.push('', 'Why the missed targets are missed:', '');
    for (const check of missed) lines.push(`- **${check.name}**: ${check.reason ?? 'no explanation recorded.'}`);
  }

  for (const id of present) {
    const { run, result } = results[id]!;
    lines.push('', `## ${result.title}`, '', runLine(run), '');
    if (machines.size > 1) lines.push(`Machine: ${machineLine(run.machine)}.`, '');
    lines.push(...result.method, '');
    for (const table of result.tables) lines.push(markdownTable(table), '');
    for (const note of result.notes) lines.push(`- ${note}`);
    if (result.notes.length > 0) lines.push('');
  }

  writeFileSync(path, `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);
}
