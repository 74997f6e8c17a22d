/**
 * The X-Ray segments the embedded default receives for one upload: the presign trace and the
 * process-photo trace, each a tree with the subsegments and annotations an operator searches by.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import type { CreateUploadResponse, UploadStatusResponse } from '../shared/api.js';
import { startEmbedded, type Embedded } from './embedded.js';
import type { SegmentDocument, TraceNode } from './xray-daemon.js';

const BAR = 'Tracing Tavern';
const DRINK = 'Segment Sour';

/** Returns every node of the trees, depth first. */
function flatten(nodes: readonly TraceNode[]): TraceNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

function findNode(nodes: readonly TraceNode[], name: string): TraceNode {
  const node = flatten(nodes).find((candidate) => candidate.segment.name === name);
  assert.ok(node, `no segment named ${name} in ${flatten(nodes).map((candidate) => candidate.segment.name).join(', ')}`);

  return node;
}

function childNames(node: TraceNode): string[] {
  return node.children.map((child) => child.segment.name);
}

function annotationsOf(segment: SegmentDocument): Record<string, unknown> {
  return (segment.annotations as Record<string, unknown> | undefined) ?? {};
}

/** Polls until the segments of a trace stop changing, since subsegments arrive as UDP datagrams. */
async function settledTree(embedded: Embedded, traceId: string, expectedName: string): Promise<TraceNode[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const tree = embedded.traces.tree(traceId);
    const complete = flatten(tree).some((node) => node.segment.name === expectedName && node.segment.end_time !== undefined);
    if (complete || Date.now() > deadline) return tree;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('traces of one upload', () => {
  let dataDir: string;
  let embedded: Embedded;
  let uploadId: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drink-trace-tree-'));
    embedded = await startEmbedded({ dataDir, port: 0, retryDelaysMs: [] });

    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a6' } }).jpeg().toBuffer();
    const presignResponse = await fetch(`${embedded.apiUrl}/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ barName: BAR, drinkName: DRINK, contentType: 'image/jpeg', contentLength: photo.length }),
    });
    assert.equal(presignResponse.status, 201);
    const presign = (await presignResponse.json()) as CreateUploadResponse;
    uploadId = presign.uploadId;

    const form = new FormData();
    for (const [name, value] of Object.entries(presign.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }));
    const upload = await fetch(presign.url, { method: 'POST', body: form });
    assert.equal(upload.status, 204);

    await embedded.idle();
    const status = (await (await fetch(`${embedded.apiUrl}/uploads/${uploadId}`)).json()) as UploadStatusResponse;
    assert.equal(status.status, 'indexed');
  });

  after(async () => {
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('nests presign under the API stage', async () => {
    // Prepare
    const record = embedded.uploads.list().find((entry) => entry.uploadId === uploadId);
    const traceId = record?.presign?.traceId;
    assert.ok(traceId, 'the upload has no presign trace id');

    // Act
    const tree = await settledTree(embedded, traceId, '## presign');

    // Assess
    const stage = tree.find((node) => node.segment.origin === 'AWS::ApiGateway::Stage');
    assert.ok(stage, 'no API Gateway stage segment at the root');
    const handlerNode = findNode(tree, '## presign');
    assert.ok(childNames(handlerNode).includes('DynamoDB'), `presign children: ${childNames(handlerNode).join(', ')}`);
    assert.ok(flatten(stage.children).includes(handlerNode), 'the presign handler is not below the API stage');
  });

  it('nests S3, image and DynamoDB work under process-photo', async () => {
    // Prepare
    const record = embedded.uploads.list().find((entry) => entry.uploadId === uploadId);
    const traceId = record?.processing.at(-1)?.traceId;
    assert.ok(traceId, 'the upload has no process-photo trace id');

    // Act
    const tree = await settledTree(embedded, traceId, '## process-photo');

    // Assess
    const functionNode = findNode(tree, 'process-photo');
    const handlerNode = findNode(tree, '## process-photo');
    assert.ok(flatten(functionNode.children).includes(handlerNode), 'the handler subsegment is not below the function segment');
    const children = childNames(handlerNode);
    assert.ok(children.includes('S3'), `process-photo children: ${children.join(', ')}`);
    assert.ok(children.includes('image'), `process-photo children: ${children.join(', ')}`);
    assert.ok(children.includes('DynamoDB'), `process-photo children: ${children.join(', ')}`);
  });

  it('annotates process-photo with the ids and outcome', async () => {
    // Prepare
    const record = embedded.uploads.list().find((entry) => entry.uploadId === uploadId);
    const traceId = record?.processing.at(-1)?.traceId;
    assert.ok(traceId);

    // Act
    const tree = await settledTree(embedded, traceId, '## process-photo');
    const annotations = annotationsOf(findNode(tree, '## process-photo').segment);

    // Assess
    assert.equal(annotations.uploadId, uploadId);
    assert.equal(annotations.barName, BAR);
    assert.equal(annotations.drinkName, DRINK);
    assert.equal(annotations.outcome, 'indexed');
    assert.equal(annotations.presignTraceId, record?.presign?.traceId);
  });
});
