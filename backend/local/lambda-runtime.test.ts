/**
 * Runs the project's own Powertools Logger and tracing helpers under the local runtime, with the
 * real X-Ray SDK sending to the local daemon, so the trace context of each invocation is checked
 * end to end. This file sets the Lambda environment variables, which node:test keeps to this
 * file's process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { installTraceContext, lambdaEnvironment, LocalFunction } from './lambda-runtime.js';
import { LogBuffer, parseLogLine, startLogCapture, type LogCapture } from './log-capture.js';
import { startXrayDaemon, TraceStore, type XrayDaemon } from './xray-daemon.js';

interface TestEvent {
  readonly name: string;
  readonly delayMs: number;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

describe('local Lambda runtime', () => {
  const store = new TraceStore();
  const logs = new LogBuffer();
  let daemon: XrayDaemon;
  let capture: LogCapture;
  let fn: LocalFunction<TestEvent, string>;
  const savedEnvironment = { ...process.env };

  before(async () => {
    daemon = await startXrayDaemon(store);
    Object.assign(process.env, lambdaEnvironment(), {
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
      POWERTOOLS_SERVICE_NAME: 'runtime-test',
    });
    await installTraceContext(daemon.address);
    const { logger } = await import('../shared/logger.js');
    const { inSubsegment, traceInvocation } = await import('../shared/tracing.js');

    capture = startLogCapture({ buffer: logs });
    fn = new LocalFunction<TestEvent, string>({
      name: 'runtime-test',
      traceSink: (segment) => store.add(segment),
      timeoutSeconds: 2,
      handler: (event) =>
        traceInvocation('runtime-test', async () => {
          logger.appendKeys({ name: event.name });
          logger.info('started');
          await sleep(event.delayMs);
          await inSubsegment(`work-${event.name}`, () => sleep(5));
          logger.info('finished');
          console.log(`plain text from ${event.name}`);
          logger.resetKeys();

          return event.name;
        }),
    });
  });

  after(async () => {
    capture.stop();
    await daemon.close();
    process.env = savedEnvironment;
  });

  it('keeps the trace id of each of two concurrent invocations', async () => {
    // Act
    const [first, second] = await Promise.all([
      fn.invoke({ name: 'first', delayMs: 60 }),
      fn.invoke({ name: 'second', delayMs: 10 }),
    ]);

    // Assess
    assert.equal(first.result, 'first');
    assert.equal(second.result, 'second');
    assert.notEqual(first.traceId, second.traceId);
    for (const invocation of [first, second]) {
      const entries = logs.all().filter((entry) => entry.requestId === invocation.requestId);
      const name = invocation.result as string;
      const jsonEntries = entries.filter((entry) => entry.kind === 'log');

      assert.deepEqual(jsonEntries.map((entry) => entry.message), ['started', 'finished']);
      for (const entry of jsonEntries) {
        assert.equal(entry.traceId, invocation.traceId);
        assert.equal(entry.fields?.xray_trace_id, invocation.traceId);
        assert.equal(entry.fields?.name, name);
      }
      assert.ok(entries.some((entry) => entry.kind === 'text' && entry.message === `plain text from ${name}`));
    }
  });

  it('sends the subsegments of each invocation under its own segment', async () => {
    // Act
    const [first, second] = await Promise.all([
      fn.invoke({ name: 'first', delayMs: 40 }),
      fn.invoke({ name: 'second', delayMs: 5 }),
    ]);

    // Assess
    for (const [invocation, name, other] of [
      [first, 'first', 'second'],
      [second, 'second', 'first'],
    ] as const) {
      await waitFor(() => store.segments(invocation.traceId).length >= 3);
      const roots = store.tree(invocation.traceId);
      assert.equal(roots.length, 1);
      const functionSegment = roots[0];
      assert.equal(functionSegment?.segment.origin, 'AWS::Lambda::Function');
      assert.equal(functionSegment?.segment.aws && (functionSegment.segment.aws as { request_id: string }).request_id, invocation.requestId);
      const handlerSegment = functionSegment?.children[0];
      assert.equal(handlerSegment?.segment.name, '## runtime-test');
      assert.deepEqual(handlerSegment?.children.map((child) => child.segment.name), [`work-${name}`]);
      assert.ok(!store.segments(invocation.traceId).some((segment) => segment.name === `work-${other}`));
    }
  });

  it('reports a handler timeout as an error', async () => {
    // Act
    const invocation = await fn.invoke({ name: 'slow', delayMs: 2500 });

    // Assess
    assert.equal(invocation.error?.name, 'InvocationTimeoutError');
    assert.match(invocation.error?.message ?? '', /timed out after 2 seconds/);
    assert.equal(store.segments(invocation.traceId).find((segment) => segment.origin === 'AWS::Lambda::Function')?.fault, true);
  });

  it('leaves output outside an invocation alone', () => {
    // Prepare
    const before = logs.all().length;

    // Act
    process.stdout.write('# written outside any invocation\n');

    // Assess
    assert.equal(logs.all().length, before);
  });
});

describe('parseLogLine', () => {
  const invocation = { functionName: 'presign', requestId: 'r', traceId: '1-6b131a3f-b5278b1a12c28016d4999967' };

  it('reads a Powertools log line', () => {
    // Act
    const entry = parseLogLine('{"level":"WARN","message":"names reserved","uploadId":"u-1","timestamp":"2026-12-04T19:00:00.000Z"}', invocation, 'stdout');

    // Assess
    assert.equal(entry.kind, 'log');
    assert.equal(entry.level, 'WARN');
    assert.equal(entry.message, 'names reserved');
    assert.equal(entry.uploadId, 'u-1');
    assert.equal(entry.time, '2026-12-04T19:00:00.000Z');
  });

  it('tells metrics lines apart', () => {
    // Act
    const entry = parseLogLine('{"_aws":{"CloudWatchMetrics":[]},"UploadsRequested":1}', invocation, 'stdout');

    // Assess
    assert.equal(entry.kind, 'metrics');
  });

  it('keeps other lines as text', () => {
    // Act
    const entry = parseLogLine('{not json', invocation, 'stderr');

    // Assess
    assert.equal(entry.kind, 'text');
    assert.equal(entry.message, '{not json');
  });
});
