/**
 * Capture of what handlers write to standard output and standard error: Powertools Logger JSON
 * lines, Embedded Metric Format lines and plain text. Each line is attributed to the invocation
 * whose code wrote it, read from the invocation's async context, and kept in a bounded buffer.
 */
import { invocationStorage } from './lambda-runtime.js';

export interface LogEntry {
  /** ISO 8601 time the line was written. */
  readonly time: string;
  readonly functionName: string;
  readonly requestId: string;
  readonly traceId: string;
  readonly stream: 'stdout' | 'stderr';
  /** `log` for a JSON log line, `metrics` for an Embedded Metric Format line, `text` otherwise. */
  readonly kind: 'log' | 'metrics' | 'text';
  /** Upper-case level of a JSON log line, such as `INFO`. */
  readonly level?: string;
  readonly message: string;
  readonly uploadId?: string;
  /** The parsed JSON line. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** The most recent log entries, oldest first. */
export class LogBuffer {
  readonly #entries: LogEntry[] = [];
  readonly #limit: number;

  /** @param limit entries kept; the oldest is dropped first */
  constructor(limit = 5000) {
    this.#limit = limit;
  }

  add(entry: LogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
  }

  all(): readonly LogEntry[] {
    return this.#entries;
  }

  /** Entries written by invocations of the given traces or naming the given upload. */
  select(traceIds: Iterable<string>, uploadId?: string): LogEntry[] {
    const traces = new Set(traceIds);

    return this.#entries.filter(
      (entry) => traces.has(entry.traceId) || (uploadId !== undefined && entry.uploadId === uploadId),
    );
  }
}

/** Turns one written line into an entry for the given invocation. */
export function parseLogLine(
  line: string,
  invocation: { functionName: string; requestId: string; traceId: string },
  stream: 'stdout' | 'stderr',
  now = new Date(),
): LogEntry {
  const base = { time: now.toISOString(), ...invocation, stream };
  const fields = parseJsonObject(line);
  if (fields === undefined) return { ...base, kind: 'text', message: line };

  if (typeof fields._aws === 'object' && fields._aws !== null) {
    return { ...base, kind: 'metrics', message: 'metrics', fields };
  }

  const uploadId = fields.uploadId ?? fields.upload_id;
  const level = typeof fields.level === 'string' ? fields.level.toUpperCase() : undefined;
  const time = typeof fields.timestamp === 'string' ? fields.timestamp : base.time;

  return {
    ...base,
    time,
    kind: 'log',
    level,
    message: typeof fields.message === 'string' ? fields.message : line,
    uploadId: typeof uploadId === 'string' ? uploadId : undefined,
    fields,
  };
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;

  try {
    const value: unknown = JSON.parse(line);

    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface LogCaptureOptions {
  readonly buffer: LogBuffer;
  /** Also write the captured output to the terminal unchanged. @default false */
  readonly passThrough?: boolean;
  readonly onEntry?: (entry: LogEntry) => void;
}

export interface LogCapture {
  /** Puts back the original `write` methods. */
  stop(): void;
}

type WriteMethod = NodeJS.WriteStream['write'];

/**
 * Replaces `write` of `process.stdout` and `process.stderr`. Output written outside an invocation
 * passes through untouched. Powertools Logger writes through a `Console` built on these two
 * streams, which calls `write` on them for every line.
 */
export function startLogCapture(options: LogCaptureOptions): LogCapture {
  const streams = [
    { stream: process.stdout, name: 'stdout' as const },
    { stream: process.stderr, name: 'stderr' as const },
  ];
  // True while onEntry runs, so that what it prints goes to the terminal instead of back here.
  let reporting = false;
  const originals = streams.map(({ stream, name }) => {
    const original = stream.write;
    const replacement = function (this: NodeJS.WriteStream, ...args: Parameters<WriteMethod>): boolean {
      const invocation = invocationStorage.getStore();
      if (invocation === undefined || reporting) return original.apply(this, args);

      const [chunk] = args;
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      for (const line of text.split('\n')) {
        if (line.trim().length === 0) continue;

        const entry = parseLogLine(line, invocation, name);
        options.buffer.add(entry);
        reporting = true;
        try {
          options.onEntry?.(entry);
        } finally {
          reporting = false;
        }
      }

      if (options.passThrough) return original.apply(this, args);

      const callback = args.find((arg) => typeof arg === 'function') as ((error?: Error | null) => void) | undefined;
      if (callback) process.nextTick(callback);

      return true;
    } as WriteMethod;
    stream.write = replacement;

    return { stream, original, replacement };
  });

  return {
    stop() {
      for (const { stream, original, replacement } of originals) {
        if (stream.write === replacement) stream.write = original;
      }
    },
  };
}
