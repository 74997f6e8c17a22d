/**
 * X-Ray trace ids, segment ids and the `X-Amzn-Trace-Id` header, in the formats the X-Ray daemon
 * and the SDKs expect: trace id `1-<8 hex of epoch seconds>-<24 hex>`, segment id 16 hex digits.
 */
import { randomBytes } from 'node:crypto';

export interface TraceHeader {
  readonly root: string;
  readonly parent?: string;
  readonly sampled?: boolean;
}

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const SEGMENT_ID = /^[0-9a-f]{16}$/;

export function newTraceId(now = Date.now()): string {
  const epochSeconds = Math.floor(now / 1000).toString(16).padStart(8, '0');

  return `1-${epochSeconds}-${randomBytes(12).toString('hex')}`;
}

export function newSegmentId(): string {
  return randomBytes(8).toString('hex');
}

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value);
}

/** Parses `Root=…;Parent=…;Sampled=1`; returns undefined when the root is missing or malformed. */
export function parseTraceHeader(header: string | undefined): TraceHeader | undefined {
  if (header === undefined) return undefined;

  const fields = new Map<string, string>();
  for (const part of header.split(';')) {
    const [key, value] = part.split('=', 2).map((text) => text.trim());
    if (key && value) fields.set(key.toLowerCase(), value);
  }

  const root = fields.get('root')?.toLowerCase();
  if (!isTraceId(root)) return undefined;

  const parent = fields.get('parent')?.toLowerCase();
  const sampled = fields.get('sampled');

  return {
    root,
    parent: parent !== undefined && SEGMENT_ID.test(parent) ? parent : undefined,
    sampled: sampled === undefined || sampled === '?' ? undefined : sampled === '1',
  };
}

export function formatTraceHeader(root: string, parent: string, sampled = true): string {
  return `Root=${root};Parent=${parent};Sampled=${sampled ? 1 : 0}`;
}
