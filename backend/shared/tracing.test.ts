import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { parseRootTraceId } from './tracing.js';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

/** Runs every tracing call in a fresh process, because the Tracer reads its environment when loaded. */
const PROBE = `
import { S3Client } from '@aws-sdk/client-s3';
import { annotate, captureClient, currentTraceId, inSubsegment, traceInvocation } from './backend/shared/tracing.ts';
captureClient(new S3Client({ region: 'us-east-1' }));
const result = await traceInvocation('probe', async () => {
  annotate({ barName: 'Bar', uploadId: undefined, attempt: 1 });
  return inSubsegment('image', async () => 42);
});
let rethrown = false;
try { await inSubsegment('failing', async () => { throw new Error('boom'); }); } catch { rethrown = true; }
console.log(JSON.stringify({ result, rethrown, traceId: currentTraceId('Root=1-00000000-000000000000000000000001') }));
`;

function runProbe(env: Record<string, string>): { status: number | null; output: Record<string, unknown> | undefined; stderr: string } {
  const child = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', '--input-type=module', '-e', PROBE], {
    cwd: REPOSITORY,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env },
    encoding: 'utf8',
  });
  const line = child.stdout.split('\n').find((candidate) => candidate.startsWith('{'));

  return { status: child.status, output: line ? (JSON.parse(line) as Record<string, unknown>) : undefined, stderr: child.stderr };
}

describe('tracing', () => {
  it('runs the work outside Lambda without a segment', () => {
    // Act
    const { status, output, stderr } = runProbe({});

    // Assess
    assert.equal(status, 0, stderr);
    assert.deepEqual(output, { result: 42, rethrown: true, traceId: '1-00000000-000000000000000000000001' });
    assert.equal(stderr, '');
  });

  it('runs the work in Lambda before a segment exists', () => {
    // Act
    const { status, output, stderr } = runProbe({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_FUNCTION_NAME: 'probe' });

    // Assess
    assert.equal(status, 0, stderr);
    assert.equal(output?.result, 42);
    assert.equal(output?.rethrown, true);
  });

  it('prefers the trace id of the Lambda runtime', () => {
    // Act
    const { status, output, stderr } = runProbe({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'probe',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    });

    // Assess
    assert.equal(status, 0, stderr);
    assert.equal(output?.traceId, '1-5759e988-bd862e3fe1be46a994272793');
  });

  it('parses the root of a trace header', () => {
    // Assess
    assert.equal(parseRootTraceId('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'), '1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(parseRootTraceId('Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678'), '1-67891233-abcdef012345678912345678');
    assert.equal(parseRootTraceId('Root=not-a-trace-id'), undefined);
    assert.equal(parseRootTraceId(undefined), undefined);
  });
});
