/**
 * Serves the demo site, the CDN bundle and the inspector from folders on disk. A request path is
 * resolved inside each folder in turn. Paths with `..` segments, backslashes or NUL are rejected
 * before any file is opened, and a symbolic link leading out of its folder is not followed.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Resolves a URL path to a file path inside `root`, or returns undefined for a path that is
 * malformed or would leave the folder. Directories map to their `index.html`.
 */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return undefined;

  const absoluteRoot = resolve(root);
  const path = resolve(absoluteRoot, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);

  return path === absoluteRoot || path.startsWith(absoluteRoot + sep) ? path : undefined;
}

/** Creates a handler that serves files from the folders in order; it resolves false when none has the path. */
export function createStaticFiles(roots: readonly string[]) {
  return async function serveStatic(request: IncomingMessage, response: ServerResponse, urlPath: string): Promise<boolean> {
    const method = request.method ?? 'GET';

    for (const root of roots) {
      let path = resolveInside(root, urlPath);
      if (path === undefined) return false;

      let stats = await stat(path).catch(() => undefined);
      if (stats?.isDirectory()) {
        path = join(path, 'index.html');
        stats = await stat(path).catch(() => undefined);
      }
      if (!stats?.isFile()) continue;

      // A symbolic link inside the folder must not lead out of it.
      const [realRoot, realPath] = await Promise.all([realpath(root), realpath(path)]);
      if (!realPath.startsWith(realRoot + sep)) continue;

      if (method !== 'GET' && method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        response.end('method not allowed\n');
        return true;
      }

      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': stats.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      if (method === 'HEAD') {
        response.end();
        return true;
      }

      await new Promise<void>((done) => {
        const stream = createReadStream(realPath);
        stream.on('error', () => {
          response.destroy();
          done();
        });
        stream.on('end', () => done());
        stream.pipe(response);
      });

      return true;
    }

    return false;
  };
}
