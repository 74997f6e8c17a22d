import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createStaticFiles, resolveInside } from './static-files.js';

/** Sends a request with the path exactly as given; fetch would normalize `..` away. */
function rawGet(port: number, path: string, method = 'GET'): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body: Buffer.concat(chunks).toString() }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('static files', () => {
  let root: string;
  let server: Server;
  let port: number;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'drink-static-'));
    const site = join(root, 'site');
    const cdn = join(root, 'cdn');
    await mkdir(join(site, 'nested'), { recursive: true });
    await mkdir(cdn);
    await writeFile(join(root, 'secret.txt'), 'secret');
    await writeFile(join(site, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(site, 'demo.css'), 'body{}');
    await writeFile(join(site, 'nested', 'index.html'), 'nested');
    await writeFile(join(cdn, 'drink-widgets.js'), 'export {};');
    await symlink(join(root, 'secret.txt'), join(site, 'link.txt'));

    const serve = createStaticFiles([site, cdn]);
    server = createServer(async (incoming, response) => {
      const path = (incoming.url ?? '/').split('?')[0] as string;
      if (!(await serve(incoming, response, path))) {
        response.writeHead(404);
        response.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('serves index.html at the root', async () => {
    // Act
    const response = await rawGet(port, '/');

    // Assess
    assert.equal(response.status, 200);
    assert.equal(response.type, 'text/html; charset=utf-8');
    assert.match(response.body, /<title>demo/);
  });

  it('serves the bundle from the second folder', async () => {
    // Act
    const response = await rawGet(port, '/drink-widgets.js');

    // Assess
    assert.equal(response.status, 200);
    assert.equal(response.type, 'text/javascript; charset=utf-8');
  });

  it('sets the content type from the extension', async () => {
    assert.equal((await rawGet(port, '/demo.css')).type, 'text/css; charset=utf-8');
  });

  it('serves a folder index', async () => {
    assert.equal((await rawGet(port, '/nested/')).body, 'nested');
    assert.equal((await rawGet(port, '/nested')).body, 'nested');
  });

  it('answers HEAD without a body', async () => {
    // Act
    const response = await rawGet(port, '/demo.css', 'HEAD');

    // Assess
    assert.equal(response.status, 200);
    assert.equal(response.body, '');
  });

  for (const path of [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/nested/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%2e%2e%5csecret.txt',
    '/secret.txt%00.html',
    '/%E0%A4%A',
    '/link.txt',
  ]) {
    it(`refuses ${path}`, async () => {
      // Act
      const response = await rawGet(port, path);

      // Assess
      assert.equal(response.status, 404);
      assert.doesNotMatch(response.body, /secret/);
    });
  }
});

describe('resolveInside', () => {
  it('keeps a path inside the folder', () => {
    assert.equal(resolveInside('/srv/site', '/a/b.js'), '/srv/site/a/b.js');
    assert.equal(resolveInside('/srv/site', '/'), '/srv/site/index.html');
  });

  it('rejects a path leaving the folder', () => {
    assert.equal(resolveInside('/srv/site', '/../site2/x'), undefined);
    assert.equal(resolveInside('/srv/site', '/a/%2E%2E/%2E%2E/etc/passwd'), undefined);
    assert.equal(resolveInside('/srv/site', 'relative'), undefined);
  });
});
