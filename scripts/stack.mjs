// The local stack of `npm start` (and of the e2e tests, which run exactly this):
//   emulator         the local ACS Identity service (emulator/server.mjs)
//   token endpoint   pkg/worker-workerd.js (acs-identity/worker) bundled as a Worker and run in workerd (Miniflare), bound to the
//                    emulator's connection string, a random HS256 secret and the demo's origin
//   demo             a static server for www/ plus /pkg/ (the built package), /config.json and the
//                    dev-only sign-in POST /dev/sign-in that mints HS256 app tokens
// Everything listens on 127.0.0.1 only. Nothing here is meant for production: the demo server hands
// the emulator's connection string to the page (dev only, loopback only).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { root } from './lib.mjs';

export const HOST = '127.0.0.1';
/** Friendly default ports; a default that is taken falls back to any free port. */
export const DEFAULT_PORTS = { demo: 8080, tokenEndpoint: 8787, emulator: 4000 };
/** The app token's issuer and audience (the token endpoint is bound to both). */
export const APP_TOKEN_ISSUER = 'acs-identity-demo';
export const APP_TOKEN_AUDIENCE = 'acs-identity-token-endpoint';
const APP_TOKEN_LIFETIME_S = 60 * 60;

const www = join(root, 'www');
const pkg = join(root, 'pkg');

/** Content types of the files the local servers serve. */
export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
};

/** Is `port` free on HOST right now? */
function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The port to ask for: an explicit one (a number, `0` = any free port) is used as is; `undefined`
 * means the friendly default, or any free port (0) when the default is taken.
 */
async function choosePort(requested, fallback, name, notes) {
  if (requested !== undefined && requested !== null) return requested;
  if (await portIsFree(fallback)) return fallback;
  notes.push(`${name}: port ${fallback} is in use, using a free port instead`);
  return 0;
}

/** `base64url` of a Buffer or string. */
const b64url = (v) => Buffer.from(v).toString('base64url');

/** A compact HS256 JWT. */
export function signHs256(claims, secret) {
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', Buffer.from(secret, 'utf8')).update(head).digest('base64url')}`;
}

/** The dev sign-in's `sub` for a display name: stable, so the same name is the same ACS identity. */
export function subjectFor(name) {
  const slug = name
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ');
  return `demo-user:${slug}`;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The request's Host is this server on a loopback name (refuses DNS-rebinding tricks). */
function isLoopbackHost(hostHeader, port) {
  if (typeof hostHeader !== 'string') return false;
  const m = hostHeader.toLowerCase().match(/^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/);
  return m !== null && LOOPBACK_HOSTS.has(m[1]) && Number(m[2] ?? 80) === port;
}

function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

const sendError = (res, status, code, message) => sendJson(res, status, { error: { code, message } });

function readBody(req, limit = 4096) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** sha256 CSP sources of the inline `<script type="importmap">` blocks of a page. */
function inlineScriptHashes(html) {
  return [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`,
  );
}

/**
 * The demo server: www/, /pkg/ (the built package), GET /config.json, POST /dev/sign-in.
 * `config()` is read per request (the token endpoint starts after this server: it needs its origin).
 */
function startDemoServer({ port, secret, config }) {
  let origin = '';
  let ownPort = 0;
  const csp = () => {
    const c = config();
    const connect = ["'self'", c.tokenEndpoint, c.emulatorUrl].filter(Boolean).join(' ');
    const indexHtml = existsSync(join(www, 'index.html')) ? readFileSync(join(www, 'index.html'), 'utf8') : '';
    return [
      "default-src 'self'",
      `script-src 'self' 'wasm-unsafe-eval' ${inlineScriptHashes(indexHtml).join(' ')}`,
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src ${connect}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; ');
  };

  async function signIn(req, res) {
    const type = req.headers['content-type'] ?? '';
    if (!type.toLowerCase().startsWith('application/json')) {
      return sendError(res, 415, 'UnsupportedMediaType', 'send the name as JSON: {"name":"..."}');
    }
    // A cross-site page must not mint tokens: only this demo's own origin may ask (or no Origin).
    const reqOrigin = req.headers.origin;
    if (reqOrigin !== undefined && !isLoopbackHost(reqOrigin.replace(/^http:\/\//, ''), ownPort)) {
      return sendError(res, 403, 'OriginNotAllowed', 'only the demo page may sign in');
    }
    let name;
    try {
      name = JSON.parse(await readBody(req)).name;
    } catch (e) {
      if (e.status === 413) return sendError(res, 413, 'PayloadTooLarge', 'the body is too large');
      return sendError(res, 400, 'InvalidRequestBody', 'the body must be JSON: {"name":"..."}');
    }
    if (typeof name !== 'string' || name.trim() === '' || name.trim().length > 64) {
      return sendError(res, 400, 'InvalidName', 'enter a name of 1 to 64 characters');
    }
    name = name.trim().replace(/\s+/g, ' ');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: APP_TOKEN_ISSUER,
      aud: APP_TOKEN_AUDIENCE,
      sub: subjectFor(name),
      name,
      iat: now,
      exp: now + APP_TOKEN_LIFETIME_S,
    };
    sendJson(res, 200, {
      token: signHs256(claims, secret),
      sub: claims.sub,
      name,
      expiresOn: new Date(claims.exp * 1000).toISOString(),
    });
  }

  function serveFile(req, res, base, path) {
    const file = normalize(join(base, path));
    if (!file.startsWith(normalize(base + sep))) return sendError(res, 403, 'Forbidden', 'forbidden');
    let st;
    try {
      st = statSync(file);
    } catch {
      st = null;
    }
    if (!st?.isFile()) return sendError(res, 404, 'NotFound', `${path} was not found`);
    const headers = {
      'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (extname(file) === '.html') headers['content-security-policy'] = csp();
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  const server = createServer((req, res) => {
    if (!isLoopbackHost(req.headers.host, ownPort)) {
      return sendError(res, 421, 'MisdirectedRequest', 'the demo answers loopback hosts only');
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, origin).pathname);
    } catch {
      return sendError(res, 400, 'BadRequest', 'bad path');
    }
    if (path === '/dev/sign-in') {
      if (req.method !== 'POST') return sendError(res, 405, 'MethodNotAllowed', 'POST only');
      return signIn(req, res).catch(() => sendError(res, 500, 'InternalError', 'sign-in failed'));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'MethodNotAllowed', 'GET only');
    if (path === '/config.json') return sendJson(res, 200, config());
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path.startsWith('/pkg/')) return serveFile(req, res, pkg, path.slice('/pkg'.length));
    if (path.endsWith('/')) path += 'index.html';
    return serveFile(req, res, www, path);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      ownPort = server.address().port;
      origin = `http://${HOST}:${ownPort}`;
      resolve({
        url: origin,
        port: ownPort,
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Bundles pkg/worker-workerd.js (acs-identity/worker's workerd entry) as wrangler would (workerd conditions; the .wasm stays a module import). */
async function bundleWorker(dir) {
  const { build } = await import('esbuild');
  const scriptPath = join(dir, 'worker.mjs');
  await build({
    stdin: {
      contents: `export { default } from ${JSON.stringify(join(pkg, 'worker-workerd.js'))};\n`,
      resolveDir: root,
      sourcefile: 'token-endpoint.mjs',
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    outfile: scriptPath,
    external: ['*.wasm'],
    logLevel: 'silent',
  });
  // acs-identity/worker loads the endpoint's binary alone.
  copyFileSync(join(pkg, 'acs_identity_worker_bg.wasm'), join(dir, 'acs_identity_worker_bg.wasm'));
  return scriptPath;
}

const trimSlash = (u) => String(u).replace(/\/$/, '');

/**
 * Starts the emulator, the token endpoint (workerd) and the demo server on 127.0.0.1.
 * @param {{ ports?: { demo?: number, tokenEndpoint?: number, emulator?: number } }} [options]
 *   a port of 0 is any free port; an absent one is the default (falling back to a free port)
 * @returns {Promise<{ demoUrl: string, tokenEndpointUrl: string, emulatorUrl: string,
 *   connectionString: string, notes: string[], close(): Promise<void> }>}
 */
export async function startStack({ ports = {} } = {}) {
  for (const f of ['browser.js', 'worker.js', 'worker-workerd.js', 'acs_identity_bg.wasm', 'acs_identity_worker_bg.wasm']) {
    if (!existsSync(join(pkg, f))) throw new Error(`pkg/${f} is missing: build the package first (npm run build)`);
  }
  if (!existsSync(join(www, 'index.html'))) throw new Error('www/index.html is missing');
  const notes = [];
  const closers = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch {
        // Best effort: stop the rest.
      }
    }
  };

  try {
    const { startEmulator } = await import('../emulator/server.mjs');
    const emulator = await startEmulator({
      port: await choosePort(ports.emulator, DEFAULT_PORTS.emulator, 'emulator', notes),
      host: HOST,
      faults: true,
    });
    closers.push(() => emulator.close());
    const emulatorUrl = trimSlash(emulator.url);

    const secret = randomBytes(32).toString('hex');
    let tokenEndpointUrl = '';
    const demo = await startDemoServer({
      port: await choosePort(ports.demo, DEFAULT_PORTS.demo, 'demo', notes),
      secret,
      config: () => ({ tokenEndpoint: tokenEndpointUrl, emulatorUrl, connectionString: emulator.connectionString }),
    });
    closers.push(() => demo.close());

    const dir = mkdtempSync(join(tmpdir(), 'acs-identity-stack-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const scriptPath = await bundleWorker(dir);
    const { Miniflare } = await import('miniflare');
    const mf = new Miniflare({
      modules: true,
      scriptPath,
      modulesRoot: dir,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2025-01-01',
      bindings: {
        ACS_CONNECTION_STRING: emulator.connectionString,
        AUTH_JWT_SECRET: secret,
        AUTH_ISSUER: APP_TOKEN_ISSUER,
        AUTH_AUDIENCE: APP_TOKEN_AUDIENCE,
        ALLOWED_ORIGINS: [demo.url, `http://localhost:${demo.port}`].join(','),
        ALLOWED_SCOPES: 'chat,voip',
        TOKEN_EXPIRES_IN_MINUTES: '60',
        IDENTITY_MAPPING: 'customId',
      },
      port: await choosePort(ports.tokenEndpoint, DEFAULT_PORTS.tokenEndpoint, 'token endpoint', notes),
      host: HOST,
    });
    closers.push(() => mf.dispose());
    tokenEndpointUrl = trimSlash(await mf.ready);

    return { demoUrl: demo.url, tokenEndpointUrl, emulatorUrl, connectionString: emulator.connectionString, notes, close };
  } catch (e) {
    await close();
    throw e;
  }
}
