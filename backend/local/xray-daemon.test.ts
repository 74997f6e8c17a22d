import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';

import { parseDaemonDatagram, startXrayDaemon, TraceStore, type XrayDaemon } from './xray-daemon.js';

const TRACE_ID = '1-6b131a3f-b5278b1a12c28016d4999967';
const HEADER = '{"format":"json","version":1}';

async function send(port: number, payload: string): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.send(payload, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  socket.close();
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('X-Ray daemon receiver', () => {
  let store: TraceStore;
  let daemon: XrayDaemon;

  before(async () => {
    store = new TraceStore();
    daemon = await startXrayDaemon(store);
  });

  after(async () => {
    await daemon.close();
  });

  it('listens on 127.0.0.1', () => {
    assert.match(daemon.address, /^127\.0\.0\.1:\d+$/);
  });

  it('builds the segment tree from streamed subsegments', async () => {
    // Prepare
    const segment = { name: 'process-photo', id: 'aaaaaaaaaaaaaaaa', trace_id: TRACE_ID, start_time: 100, end_time: 101 };
    const handler = { name: '## process-photo', id: 'bbbbbbbbbbbbbbbb', parent_id: segment.id, trace_id: TRACE_ID, type: 'subsegment', start_time: 100.1, end_time: 100.9 };
    const s3 = { name: 'S3', id: 'cccccccccccccccc', parent_id: handler.id, trace_id: TRACE_ID, type: 'subsegment', namespace: 'aws', start_time: 100.2, end_time: 100.3 };

    // Act
    await send(daemon.port, `${HEADER}\n${JSON.stringify(s3)}`);
    await send(daemon.port, `${HEADER}\n${JSON.stringify(handler)}`);
    await send(daemon.port, `${HEADER}\n${JSON.stringify(segment)}`);
    await waitFor(() => store.segments(TRACE_ID).length === 3);

    // Assess
    const roots = store.tree(TRACE_ID);
    assert.equal(roots.length, 1);
    assert.equal(roots[0]?.segment.name, 'process-photo');
    assert.equal(roots[0]?.children[0]?.segment.name, '## process-photo');
    assert.equal(roots[0]?.children[0]?.children[0]?.segment.name, 'S3');
  });

  it('flattens subsegments embedded in a segment', async () => {
    // Prepare
    const traceId = '1-6b131a3f-000000000000000000000001';
    const document = {
      name: 'presign',
      id: '1111111111111111',
      trace_id: traceId,
      start_time: 1,
      end_time: 2,
      subsegments: [{ name: 'DynamoDB', id: '2222222222222222', start_time: 1.1, end_time: 1.2, subsegments: [{ name: 'http', id: '3333333333333333', start_time: 1.11, end_time: 1.12 }] }],
    };

    // Act
    await send(daemon.port, `${HEADER}\n${JSON.stringify(document)}`);
    await waitFor(() => store.segments(traceId).length === 3);

    // Assess
    const byName = new Map(store.segments(traceId).map((segment) => [segment.name, segment]));
    assert.equal(byName.get('DynamoDB')?.parent_id, '1111111111111111');
    assert.equal(byName.get('DynamoDB')?.trace_id, traceId);
    assert.equal(byName.get('http')?.parent_id, '2222222222222222');
    assert.equal(byName.get('presign')?.subsegments, undefined);
  });

  it('replaces an in-progress segment by its completed version', async () => {
    // Prepare
    const traceId = '1-6b131a3f-000000000000000000000002';
    const open = { name: 'query', id: '4444444444444444', trace_id: traceId, start_time: 5, in_progress: true };

    // Act
    await send(daemon.port, `${HEADER}\n${JSON.stringify(open)}`);
    await waitFor(() => store.segments(traceId).length === 1);
    await send(daemon.port, `${HEADER}\n${JSON.stringify({ ...open, in_progress: undefined, end_time: 6 })}`);
    await waitFor(() => store.segments(traceId)[0]?.end_time === 6);

    // Assess
    assert.equal(store.segments(traceId).length, 1);
  });

  it('counts datagrams without the protocol header', async () => {
    // Prepare
    const before = daemon.invalidDatagrams;

    // Act
    await send(daemon.port, JSON.stringify({ name: 'x', id: '5555555555555555', trace_id: TRACE_ID, start_time: 1 }));
    await send(daemon.port, `{"format":"json","version":2}\n{}`);
    await waitFor(() => daemon.invalidDatagrams === before + 2);

    // Assess
    assert.equal(daemon.invalidDatagrams, before + 2);
  });
});

describe('X-Ray daemon with hostile datagrams', () => {
  it('survives invalid subsegments', async () => {
    // Prepare
    const store = new TraceStore();
    const daemon = await startXrayDaemon(store);
    const traceId = '1-6b131a3f-000000000000000000000bad';
    const documents = [
      { id: 'a'.repeat(16), trace_id: traceId, start_time: 1, subsegments: [null] },
      { id: 'b'.repeat(16), trace_id: traceId, start_time: 1, subsegments: {} },
      { id: 'c'.repeat(16), trace_id: traceId, start_time: 1, subsegments: [1, 'x', [], { id: 7 }] },
      { id: 'd'.repeat(16), trace_id: 42, start_time: 1 },
      { id: 'e'.repeat(16), trace_id: traceId, start_time: 'soon' },
    ];

    // Act
    for (const document of documents) await send(daemon.port, `${HEADER}\n${JSON.stringify(document)}`);
    await send(daemon.port, `${HEADER}\n${JSON.stringify({ name: 'ok', id: 'f'.repeat(16), trace_id: traceId, start_time: 2 })}`);
    await waitFor(() => store.segments(traceId).some((segment) => segment.id === 'f'.repeat(16)));
    await daemon.close();

    // Assess
    assert.deepEqual(
      store.segments(traceId).map((segment) => segment.id),
      ['a'.repeat(16), 'c'.repeat(16), 'f'.repeat(16)],
    );
    assert.equal(store.droppedSegments, 5);
    assert.equal(daemon.invalidDatagrams, 3);
  });
});

describe('TraceStore', () => {
  it('drops the oldest trace beyond its limit', () => {
    // Prepare
    const store = new TraceStore({ maxTraces: 2 });

    // Act
    for (const suffix of ['1', '2', '3']) {
      store.add({ name: 'f', id: `000000000000000${suffix}`, trace_id: `1-6b131a3f-00000000000000000000000${suffix}`, start_time: 1 });
    }

    // Assess
    assert.deepEqual(store.traceIds(), ['1-6b131a3f-000000000000000000000002', '1-6b131a3f-000000000000000000000003']);
  });

  it('caps the segments of one trace', () => {
    // Prepare
    const store = new TraceStore({ maxSegmentsPerTrace: 2 });

    // Act
    for (const id of ['a', 'b', 'c']) store.add({ name: id, id: id.repeat(16), trace_id: TRACE_ID, start_time: 1 });

    // Assess
    assert.equal(store.segments(TRACE_ID).length, 2);
    assert.equal(store.droppedSegments, 1);
  });
});

describe('parseDaemonDatagram', () => {
  it('rejects a body that is not JSON', () => {
    assert.equal(parseDaemonDatagram(`${HEADER}\nnot json`), undefined);
  });
});
