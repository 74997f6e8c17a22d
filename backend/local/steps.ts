/**
 * Pipeline steps as the terminal shows them, one readable line each, for example
 * `12:01:02 presign        upload=3f0c… trace=1-… bar="Harry's" drink="Negroni" 41ms`.
 */

export interface PipelineStep {
  /** Epoch milliseconds. */
  readonly at: number;
  /** `presign`, `upload`, `process-photo`, `query` or `runtime`. */
  readonly step: string;
  /** First word after the step, such as `indexed` or `retry`; omitted for plain steps. */
  readonly outcome?: string;
  readonly fields: ReadonlyArray<readonly [string, string | number | undefined]>;
  /** `warn` and `error` steps go to standard error. */
  readonly level?: 'info' | 'warn' | 'error';
}

const STEP_WIDTH = 13;

/** Formats a step as one line, in local time; string fields with spaces or quotes are quoted. */
export function formatStep(step: PipelineStep): string {
  const time = new Date(step.at).toTimeString().slice(0, 8);
  const fields = step.fields
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => (name === '' ? String(value) : `${name}=${formatValue(value as string | number)}`));
  const words = [step.outcome, ...fields].filter((word) => word !== undefined);

  return `${time} ${step.step.padEnd(STEP_WIDTH)} ${words.join(' ')}`.trimEnd();
}

function formatValue(value: string | number): string {
  if (typeof value === 'number') return String(value);

  return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
}

/** Formats a duration in milliseconds as `41ms` or `1.3s`. */
export function formatDuration(milliseconds: number): string {
  return milliseconds < 1000 ? `${Math.round(milliseconds)}ms` : `${(milliseconds / 1000).toFixed(1)}s`;
}
