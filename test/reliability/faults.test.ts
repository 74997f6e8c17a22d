/**
 * A small `npm run load -- --faults`: uploads through the real embedded default while dynalite is
 * stopped and restarted, s3rver is restarted, and process-photo fails on a share of events, then
 * runs reconcile. Nothing S3 stored may be lost or indexed twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { runLoad } from '../../bench/load.js';

const COUNT = 40;

describe('load with faults', () => {
  it('keeps every stored upload', { timeout: 180_000 }, async (context) => {
    // Act
    const report = await runLoad({
      count: COUNT,
      concurrency: 8,
      faults: true,
      failShare: 0.1,
      dynamoDownMs: 3000,
      s3DownMs: 1000,
      timeLimitMs: 90_000,
      log: (line) => context.diagnostic(line),
    });
    context.diagnostic(JSON.stringify(report));

    // Assess
    assert.deepEqual(report.problems, []);
    assert.equal(report.accepted, COUNT, 'every upload is accepted after client retries');
    assert.equal(report.abandoned, 0);
    assert.equal(report.stored, COUNT);
    assert.equal(report.outcome.indexed, COUNT);
    assert.equal(report.faults.dynamoRestarts, 1);
    assert.equal(report.faults.s3Restarts, 1);
    assert.ok(report.faults.injectedFailures >= 4, `${report.faults.injectedFailures} injected failures`);
    assert.ok(report.faults.failedEvents >= COUNT / 10, `${report.faults.failedEvents} events in the failure file`);
    assert.ok(report.faults.reconciled >= report.faults.failedEvents, `${report.faults.reconciled} reconciled`);
  });
});
