/** Percentiles of timing samples, formatting of figures and a bounded timing loop. */

/** Returns the nearest-rank percentile `p` (0 to 100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;

  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);

  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Returns the median, the mean of the two middle values for an even count; NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;

  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);

  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Formats milliseconds with precision that suits their size, for example `8.4 ms` or `1,234 ms`. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value < 10) return `${value.toFixed(1)} ms`;

  return `${Math.round(value).toLocaleString('en-US')} ms`;
}

/** Formats a byte count in KiB or MiB (1 KiB = 1024 bytes), with the exact count for small sizes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;

  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** Formats `value` as a multiple, for example `6.3×`. */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';

  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
}

/** Runs `task` `runs` times after `warmups` unmeasured runs, stopping early once `budgetMs` has passed. */
export async function timeRuns(task: () => Promise<unknown>, options: { runs: number; warmups?: number; budgetMs: number }): Promise<number[]> {
  const deadline = Date.now() + options.budgetMs;
  for (let index = 0; index < (options.warmups ?? 1); index++) await task();

  const samples: number[] = [];
  while (samples.length < options.runs) {
    const started = performance.now();
    await task();
    samples.push(performance.now() - started);
    if (Date.now() >= deadline) break;
  }

  return samples;
}
