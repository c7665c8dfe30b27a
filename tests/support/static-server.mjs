// A tiny static file server on a free loopback port (for the browser tests).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { MIME_TYPES } from '../../scripts/stack.mjs';

/**
 * Serves `dir` (and optional extra `mounts`: { '/prefix/': absoluteDir }) on host:port.
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export function serveStatic(dir, { port = 0, host = '127.0.0.1', mounts = {} } = {}) {
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    let base = dir;
    for (const [prefix, target] of Object.entries(mounts)) {
      if (path.startsWith(prefix)) {
        base = target;
        path = path.slice(prefix.length - 1);
        break;
      }
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(base, path));
    if (!file.startsWith(normalize(base + sep)) && file !== normalize(base)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let st;
    try {
      st = statSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (!st.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({
        url: `http://${host}:${p}`,
        port: p,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
