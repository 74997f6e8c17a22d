import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { type Harness, loadApi, makeJpeg, readFixture, startHarness } from './test-support.js';

/**
 * JSON lines the handlers wrote: Powertools logs (warnings and errors go to standard error) and
 * EMF metrics.
 */
let lines: Record<string, unknown>[] = [];
const streams = [process.stdout, process.stderr] as const;
const originalWrites = streams.map((stream) => stream.write.bind(stream));

let harness: Harness;
let api: Awaited<ReturnType<typeof loadApi>>;

before(async () => {
  harness = await startHarness({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' });
  api = await loadApi(harness);
  streams.forEach((stream, index) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = chunk.toString();
      for (const line of text.split('\n')) {
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      if (!text.startsWith('{')) return originalWrites[index]!(chunk, ...(rest as []));

      return true;
    }) as typeof stream.write;
  });
});

beforeEach(() => {
  lines = [];
});

after(async () => {
  streams.forEach((stream, index) => {
    stream.write = originalWrites[index]!;
  });
  await harness.stop();
});

function logs(level: string): Record<string, unknown>[] {
  return lines.filter((line) => line.level === level);
}

function metric(name: string): Record<string, unknown>[] {
  return lines.filter((line) => {
    const aws = line._aws as { CloudWatchMetrics?: { Namespace: string; Metrics: { Name: string }[] }[] } | undefined;

    return aws?.CloudWatchMetrics?.some((directive) => directive.Namespace === 'DrinkWidgets' && directive.Metrics.some((entry) => entry.Name === name)) ?? false;
  });
}

/** Returns the unit the EMF directives give the metric `name`, from the lines written so far. */
function unitOf(name: string): string | undefined {
  for (const line of metric(name)) {
    const aws = line._aws as { CloudWatchMetrics: { Metrics: { Name: string; Unit?: string }[] }[] };
    const entry = aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics).find((candidate) => candidate.Name === name);
    if (entry) return entry.Unit;
  }

  return undefined;
}

describe('observability', () => {
  it('logs each step with ids and the presign trace id', async () => {
    // Prepare
    const traceId = '1-5759e988-bd862e3fe1be46a994272793';
    const bytes = await makeJpeg(1);
    const body = JSON.stringify({ barName: 'Log Bar', drinkName: 'Porter', contentType: 'image/jpeg', contentLength: bytes.length });
    const { apiEvent, parseBody, postFile, eventFor } = await import('./test-support.js');
    const presigned = await api.presign(apiEvent({ method: 'POST', resource: '/uploads', path: '/uploads', body, headers: { 'X-Amzn-Trace-Id': `Root=${traceId};Sampled=1` } }));
    const upload = parseBody<{ uploadId: string; url: string; fields: Record<string, string>; expiresAt: string }>(presigned);
    await postFile(upload, bytes);

    // Act
    await api.processPhoto(await eventFor(harness, upload.uploadId));
    await api.getDrink('Log Bar', 'Porter');

    // Assess
    const steps = logs('INFO').filter((line) => line.uploadId === upload.uploadId).map((line) => line.message);
    for (const step of ['presigned post created', 'upload status stored', 'original downloaded', 'image checked and rendered', 'renditions written', 'photo indexed']) {
      assert.ok(steps.includes(step), `missing log step ${step}`);
    }
    const indexed = logs('INFO').find((line) => line.message === 'photo indexed');
    assert.equal(indexed?.presignTraceId, traceId);
    assert.equal(indexed?.bar, 'Log Bar');
    assert.equal(indexed?.drink, 'Porter');
    assert.equal(indexed?.service, 'drink-widgets');
    assert.doesNotMatch(JSON.stringify(lines), /X-Amz-Signature|x-amz-signature|"Policy"/);
  });

  it('writes EMF metrics in the DrinkWidgets namespace', async () => {
    // Act
    await api.uploadAndProcess('Metric Bar', 'Cider', await makeJpeg(2));

    // Assess
    assert.equal(metric('UploadsRequested').length, 1);
    const indexed = metric('PhotosIndexed')[0];
    assert.equal(indexed?.PhotosIndexed, 1);
    assert.equal(typeof indexed?.UploadToIndexedTime, 'number');
    assert.equal(typeof indexed?.ProcessingTime, 'number');
    assert.ok(Number(indexed?.PhotoBytes) > 0);
    assert.equal(unitOf('UploadsRequested'), 'Count');
    assert.equal(unitOf('PhotosIndexed'), 'Count');
    assert.equal(unitOf('UploadToIndexedTime'), 'Milliseconds');
    assert.equal(unitOf('ProcessingTime'), 'Milliseconds');
    assert.equal(unitOf('PhotoBytes'), 'Bytes');
  });

  it('warns once per rejected photo with the reason', async () => {
    // Act
    const uploadId = await api.uploadAndProcess('Metric Bar', 'Heic', await readFixture('iphone-11-pro.heic'), 'image/heic');

    // Assess
    const warnings = logs('WARN').filter((line) => line.uploadId === uploadId);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.reason, 'UnsupportedHeic');
    const rejected = metric('PhotosRejected')[0];
    assert.equal(rejected?.Reason, 'UnsupportedHeic');
    assert.equal(rejected?.PhotosRejected, 1);
  });

  it('logs an error with the error object when processing fails', async () => {
    // Prepare
    const { event } = await api.uploadOnly('Metric Bar', 'Gone', await makeJpeg(3));
    const broken = { Records: [{ ...event.Records[0]!, eventTime: 'not a time' }] };

    // Act
    await assert.rejects(api.processPhoto(broken));

    // Assess
    const errors = logs('ERROR');
    assert.equal(errors.length, 1);
    assert.equal((errors[0]?.error as { message?: string } | undefined)?.message?.includes('not a time'), true);
    assert.ok(errors[0]?.uploadId);
  });
});
