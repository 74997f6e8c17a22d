/**
 * A local stand-in for the X-Ray daemon: a UDP server on 127.0.0.1 that keeps the most recent
 * traces in memory. Each datagram the X-Ray SDKs send is the header
 * `{"format":"json","version":1}`, a newline and one segment or subsegment document.
 */
import { createSocket, type Socket } from 'node:dgram';

/** A segment or subsegment document as the X-Ray SDKs send it; only the fields read here are typed. */
export interface SegmentDocument {
  readonly name: string;
  readonly id: string;
  readonly trace_id?: string;
  readonly parent_id?: string;
  /** Epoch seconds, with fractions. */
  readonly start_time: number;
  readonly end_time?: number;
  readonly in_progress?: boolean;
  readonly type?: 'subsegment';
  readonly namespace?: string;
  readonly origin?: string;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
  readonly subsegments?: readonly SegmentDocument[];
  readonly [field: string]: unknown;
}

/** A segment with its children, ordered by start time. */
export interface TraceNode {
  readonly segment: SegmentDocument;
  readonly children: TraceNode[];
}

const PROTOCOL_HEADER = { format: 'json', version: 1 } as const;

export interface TraceStoreOptions {
  /** Traces kept; the oldest is dropped first. @default 500 */
  readonly maxTraces?: number;
  /** Segments kept for one trace; later ones are dropped. @default 2000 */
  readonly maxSegmentsPerTrace?: number;
}

/** The most recent traces, each a flat map of segment id to document. */
export class TraceStore {
  readonly #traces = new Map<string, Map<string, SegmentDocument>>();
  readonly #maxTraces: number;
  readonly #maxSegmentsPerTrace: number;
  #droppedSegments = 0;

  constructor(options: TraceStoreOptions = {}) {
    this.#maxTraces = options.maxTraces ?? 500;
    this.#maxSegmentsPerTrace = options.maxSegmentsPerTrace ?? 2000;
  }

  /** Segments dropped because their trace was full, they had no trace id or they were invalid. */
  get droppedSegments(): number {
    return this.#droppedSegments;
  }

  /**
   * Adds a document and the subsegments embedded in it, each stored flat with its `parent_id`. A
   * document sent again with the same id (in progress, then complete) replaces the earlier one. The
   * document comes from any local process, so one that is not a segment (see `isSegmentDocument`)
   * is dropped and counted, and its embedded subsegments with it.
   */
  add(document: unknown, inherited?: { traceId: string; parentId: string }): void {
    if (!isSegmentDocument(document)) {
      this.#droppedSegments++;
      return;
    }
    const traceId = document.trace_id ?? inherited?.traceId;
    if (traceId === undefined) {
      this.#droppedSegments++;
      return;
    }

    const { subsegments, ...flat } = document;
    const parentId = document.parent_id ?? inherited?.parentId;
    this.#put(traceId, { ...flat, trace_id: traceId, ...(parentId ? { parent_id: parentId } : {}) });

    for (const child of subsegments ?? []) {
      this.add(child, { traceId, parentId: document.id });
    }
  }

  #put(traceId: string, document: SegmentDocument): void {
    let segments = this.#traces.get(traceId);
    if (segments === undefined) {
      segments = new Map();
      this.#traces.set(traceId, segments);
      if (this.#traces.size > this.#maxTraces) {
        const oldest = this.#traces.keys().next().value as string;
        this.#traces.delete(oldest);
      }
    }
    if (!segments.has(document.id) && segments.size >= this.#maxSegmentsPerTrace) {
      this.#droppedSegments++;
      return;
    }
    segments.set(document.id, document);
  }

  has(traceId: string): boolean {
    return this.#traces.has(traceId);
  }

  /** Trace ids, oldest first. */
  traceIds(): string[] {
    return [...this.#traces.keys()];
  }

  /** Segments of one trace, flat and ordered by start time; empty for an unknown trace. */
  segments(traceId: string): SegmentDocument[] {
    const segments = [...(this.#traces.get(traceId)?.values() ?? [])];

    return segments.sort((a, b) => a.start_time - b.start_time);
  }

  /** Segments of one trace as trees; a segment whose parent was not received becomes a root. */
  tree(traceId: string): TraceNode[] {
    const segments = this.segments(traceId);
    const nodes = new Map(segments.map((segment) => [segment.id, { segment, children: [] as TraceNode[] }]));
    const roots: TraceNode[] = [];

    for (const node of nodes.values()) {
      const parent = node.segment.parent_id ? nodes.get(node.segment.parent_id) : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }

    return roots;
  }
}

/**
 * Returns true for an object whose fields that the store and the inspector read have the types of
 * the X-Ray segment document schema. Those are a string `id` and a numeric `start_time`, and when
 * present, string `trace_id` and `parent_id` and an array `subsegments`.
 */
export function isSegmentDocument(value: unknown): value is SegmentDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;

  const document = value as Record<string, unknown>;
  const optionalString = (field: unknown) => field === undefined || typeof field === 'string';

  return (
    typeof document.id === 'string' &&
    typeof document.start_time === 'number' &&
    optionalString(document.trace_id) &&
    optionalString(document.parent_id) &&
    (document.subsegments === undefined || Array.isArray(document.subsegments))
  );
}

/** Parses one datagram; returns undefined when the header or the document is invalid. */
export function parseDaemonDatagram(datagram: Buffer | string): SegmentDocument | undefined {
  const text = datagram.toString();
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;

  try {
    const header = JSON.parse(text.slice(0, newline)) as Record<string, unknown>;
    if (header.format !== PROTOCOL_HEADER.format || header.version !== PROTOCOL_HEADER.version) return undefined;

    const document: unknown = JSON.parse(text.slice(newline + 1));

    return isSegmentDocument(document) ? document : undefined;
  } catch {
    return undefined;
  }
}

export interface XrayDaemon {
  /** `127.0.0.1:<port>`, the value for `AWS_XRAY_DAEMON_ADDRESS`. */
  readonly address: string;
  readonly port: number;
  /** Datagrams that were not a valid segment document. */
  readonly invalidDatagrams: number;
  close(): Promise<void>;
}

/** Starts the UDP receiver on 127.0.0.1; port 0 picks a free one. */
export async function startXrayDaemon(store: TraceStore, port = 0): Promise<XrayDaemon> {
  const socket: Socket = createSocket('udp4');
  let invalidDatagrams = 0;

  // Any local process can send datagrams, so none of them may throw out of this listener: an
  // uncaught exception here would stop the whole runtime.
  socket.on('message', (datagram) => {
    try {
      const document = parseDaemonDatagram(datagram);
      if (document === undefined) invalidDatagrams++;
      else store.add(document);
    } catch {
      invalidDatagrams++;
    }
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const boundPort = socket.address().port;

  return {
    address: `127.0.0.1:${boundPort}`,
    port: boundPort,
    get invalidDatagrams() {
      return invalidDatagrams;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
