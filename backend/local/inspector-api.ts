/**
 * JSON endpoints under `/_local/` that feed the inspector page:
 *
 * - `GET /_local/uploads`: recent uploads, newest first.
 * - `GET /_local/uploads/{uploadId}`: one upload with the segments of its traces and its log lines.
 * - `GET /_local/traces/{traceId}`: the segments of one trace.
 * - `GET /_local/logs?limit=N`: the most recent captured log lines.
 * - `GET /_local/failed-events`: the S3 events whose process-photo retries were exhausted.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { LogBuffer } from './log-capture.js';
import type { UploadRegistry } from './uploads.js';
import type { TraceStore } from './xray-daemon.js';

export interface InspectorApiOptions {
  readonly traces: TraceStore;
  readonly logs: LogBuffer;
  readonly uploads: UploadRegistry;
  readonly failureFile: string;
}

const MAX_FAILED_EVENTS = 100;

export function createInspectorApi(options: InspectorApiOptions) {
  const { traces, logs, uploads } = options;

  return async function handleInspectorRequest(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      writeJson(response, 405, { error: 'MethodNotAllowed', message: 'the inspector endpoints take GET only' });
      return;
    }

    if (path === '/uploads') {
      writeJson(response, 200, { uploads: uploads.list() });
      return;
    }

    const uploadMatch = /^\/uploads\/([0-9a-f-]{36})$/.exec(path);
    if (uploadMatch) {
      const record = uploads.get(uploadMatch[1] as string);
      if (record === undefined) {
        writeJson(response, 404, { error: 'NotFound', message: `no upload ${uploadMatch[1]} was seen since the runtime started` });
        return;
      }
      const traceIds = uploads.traceIds(record);
      writeJson(response, 200, {
        upload: record,
        traces: traceIds.map((traceId) => ({ traceId, segments: traces.segments(traceId) })),
        logs: logs.select(traceIds, record.uploadId),
      });
      return;
    }

    const traceMatch = /^\/traces\/(1-[0-9a-f]{8}-[0-9a-f]{24})$/.exec(path);
    if (traceMatch) {
      const traceId = traceMatch[1] as string;
      if (!traces.has(traceId)) {
        writeJson(response, 404, { error: 'NotFound', message: `trace ${traceId} is not among the recent traces` });
        return;
      }
      writeJson(response, 200, { traceId, segments: traces.segments(traceId), logs: logs.select([traceId]) });
      return;
    }

    if (path === '/logs') {
      const limit = Math.min(Math.max(Number(query.get('limit') ?? 200) || 200, 1), 5000);
      writeJson(response, 200, { logs: logs.all().slice(-limit) });
      return;
    }

    if (path === '/failed-events') {
      const text = await readFile(options.failureFile, 'utf8').catch(() => '');
      const events = text
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .slice(-MAX_FAILED_EVENTS)
        .map((line) => {
          try {
            return JSON.parse(line) as unknown;
          } catch {
            return { invalidLine: line };
          }
        });
      writeJson(response, 200, { failureFile: options.failureFile, events });
      return;
    }

    writeJson(response, 404, { error: 'NotFound', message: `no inspector endpoint at /_local${path}` });
  };
}

function writeJson(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}
