// The ACS Identity emulator: an HTTP(S) server speaking the service's wire contract.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isBase64, verifyHmacRequest } from './auth.mjs';
import { FaultInjector, faultResponse } from './faults.mjs';
import {
  HttpError,
  parseJsonBody,
  readBody,
  requireJsonContentType,
  sendError,
  sendJson,
  validationError,
} from './http.mjs';
import {
  createIdentity,
  deleteIdentity,
  exchangeTeamsToken,
  getIdentity,
  introspect,
  issueToken,
  requireGuidField,
  revokeAccessTokens,
} from './operations.mjs';
import { Store } from './store.mjs';
import { GUID_RE, isPlainObject, jwks, mintEntraToken, formatServiceDate } from './tokens.mjs';
import { VERSIONS, versionFeatures } from './versions.mjs';

const ID = Symbol('id');

/**
 * Service routes. Literal segments match case-insensitively (as ASP.NET routing does) after
 * percent-decoding; `feature` names the VersionFeatures flag an operation needs.
 */
const ROUTES = [
  { pattern: '/identities', segments: ['identities'], methods: { POST: { op: createIdentity } } },
  {
    pattern: '/identities/{id}',
    segments: ['identities', ID],
    methods: { GET: { op: getIdentity, feature: 'getIdentity' }, DELETE: { op: deleteIdentity } },
  },
  {
    pattern: '/identities/{id}/:revokeAccessTokens',
    segments: ['identities', ID, ':revokeaccesstokens'],
    methods: { POST: { op: revokeAccessTokens } },
  },
  {
    pattern: '/identities/{id}/:issueAccessToken',
    segments: ['identities', ID, ':issueaccesstoken'],
    methods: { POST: { op: issueToken } },
  },
  {
    pattern: '/teamsUser/:exchangeAccessToken',
    segments: ['teamsuser', ':exchangeaccesstoken'],
    methods: { POST: { op: exchangeTeamsToken, feature: 'teamsExchange' } },
  },
];

/**
 * Match a raw request path against the service routes.
 * @param {string} rawPath
 * @returns {{route: typeof ROUTES[number], id: string | null | undefined} | undefined}
 */
function matchRoute(rawPath) {
  const parts = rawPath.split('/');
  if (parts[0] !== '') return undefined;
  parts.shift();
  for (const route of ROUTES) {
    if (route.segments.length !== parts.length) continue;
    let id;
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      let decoded;
      try {
        decoded = decodeURIComponent(parts[i]);
      } catch {
        decoded = null;
      }
      const seg = route.segments[i];
      if (seg === ID) {
        if (parts[i] === '') ok = false;
        else id = decoded;
      } else {
        ok = decoded !== null && decoded.toLowerCase() === seg;
      }
    }
    if (ok) return { route, id };
  }
  return undefined;
}

function unsupportedVersion(req, scheme, version) {
  const uri = `${scheme}://${req.headers.host ?? 'localhost'}${req.url}`;
  return new HttpError(
    400,
    'UnsupportedApiVersion',
    `The HTTP resource that matches the request URI '${uri}' does not support the API version '${version}'.`,
  );
}

function methodNotAllowed(method, pattern, allowed) {
  return new HttpError(405, 'MethodNotAllowed', `The method '${method}' is not allowed on '${pattern}'.`, {
    headers: { allow: allowed.join(', ') },
  });
}

/**
 * Answer 413 and close the connection. The rest of the upload is discarded (never buffered)
 * for a short, bounded while so that the client can read the answer before the socket closes.
 */
function sendTooLarge(req, res, err) {
  err.headers = { ...(err.headers ?? {}), connection: 'close' };
  const socket = req.socket;
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), 2000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  req.on('data', (chunk) => {
    discarded += chunk.length;
    if (discarded > 4 * 1024 * 1024) socket.destroy();
  });
  req.resume();
  sendError(req, res, err);
}

/** A delay that does not keep a closed emulator's process alive. */
/** Headers that take part in authentication and must appear at most once. */
const SINGLE_HEADERS = new Set(['authorization', 'x-ms-date', 'date', 'x-ms-content-sha256', 'host', 'content-length', 'content-type']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

const CORS_EXPOSED = [
  'ms-cv',
  'api-supported-versions',
  'x-ms-client-request-id',
  'retry-after',
  'retry-after-ms',
  'x-ms-retry-after-ms',
].join(', ');

/**
 * Whether an `Origin` is a loopback one (http(s) on localhost, 127.0.0.0/8 or [::1], any port):
 * pages served from this machine may call the emulator; other pages may not.
 * @param {string} origin
 */
export function isLoopbackOrigin(origin) {
  let u;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== origin) return false;
  return u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname);
}

/**
 * An origin as browsers send it (`scheme://host[:port]`), for `corsOrigins`.
 * @param {string} value
 * @returns {string}
 */
export function normalizeOrigin(value) {
  let u;
  try {
    u = new URL(value);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || value.replace(/\/$/, '') !== u.origin) {
    throw new TypeError(`'${value}' is not an origin such as https://app.example.com:8443 (scheme, host and port only).`);
  }
  return u.origin;
}

/**
 * CORS, so that browser clients (which sign with the Host the browser sends) can call the
 * emulator from a page on this machine (or from an origin given in `corsOrigins`). A request
 * whose `Origin` is neither is refused with 403 and no CORS headers, so that no web page can mint
 * tokens or inject faults in a running emulator. Answers a preflight itself (returns true then).
 * @param {Set<string>} allowed extra origins
 */
function applyCors(req, res, allowed) {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return false;
  if (!isLoopbackOrigin(origin) && !allowed.has(origin)) {
    throw new HttpError(
      403,
      'OriginNotAllowed',
      'This origin may not call the emulator: only pages on localhost, 127.0.0.0/8 or [::1] may, ' +
        'and origins given with --cors-origin (corsOrigins).',
    );
  }
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', CORS_EXPOSED);
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  const requested = req.headers['access-control-request-headers'];
  sendJson(req, res, 204, undefined, {
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-allow-headers':
      typeof requested === 'string' && requested !== ''
        ? requested
        : 'authorization, content-type, x-ms-date, x-ms-content-sha256, x-ms-client-request-id',
    'access-control-max-age': '600',
  });
  return true;
}

/** Whether a listening host is a loopback interface (else the emulator is reachable from other machines). */
export function isLoopbackHost(host) {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * @typedef {object} EmulatorOptions
 * @property {number} [port=0]            TCP port (0: any free port)
 * @property {string} [host='127.0.0.1']  interface to listen on
 * @property {string} [accessKey]         base64 access key (default: the one in `data`, else 32 random bytes)
 * @property {string} [data]              JSON file persisting the resource (identities, revocations, key)
 * @property {string} [tlsCert]           PEM certificate path (with tlsKey: serve https)
 * @property {string} [tlsKey]            PEM private-key path
 * @property {boolean} [faults=false]     enable the /emulator/faults routes
 * @property {string[]} [corsOrigins]     origins besides loopback ones allowed to call it from a browser
 * @property {number} [headersTimeoutMs=10000] close connections whose headers take longer (slow-loris)
 * @property {number} [requestTimeoutMs=30000] close connections whose whole request takes longer
 * @property {((line: string) => void) | null} [log] request log sink (one line per request; no secrets)
 * @property {() => number} [clock]       test hook: the emulator's clock in epoch ms (default Date.now)
 */

/**
 * @typedef {object} EmulatorHandle
 * @property {string} url               e.g. `http://127.0.0.1:PORT`
 * @property {string} endpoint          url + '/'
 * @property {number} port
 * @property {string} accessKey         base64
 * @property {string} connectionString  `endpoint=<endpoint>;accesskey=<key>`
 * @property {string} resourceId        the emulated resource's guid
 * @property {() => Promise<void>} close
 */

/**
 * Start an ACS Identity emulator.
 * @param {EmulatorOptions} [options]
 * @returns {Promise<EmulatorHandle>}
 */
export async function startEmulator(options = {}) {
  const { port = 0, host = '127.0.0.1', data, tlsCert, tlsKey, faults = false, log = null } = options;
  const now = options.clock ?? Date.now;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`Invalid port: ${port}`);
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new TypeError('tlsCert and tlsKey must be given together.');
  if (options.accessKey !== undefined) checkAccessKey(options.accessKey);
  const corsOrigins = new Set((options.corsOrigins ?? []).map(normalizeOrigin));

  const store = Store.open({ dataFile: data, accessKey: options.accessKey });
  if (store.accessKey === undefined) {
    store.accessKey = randomBytes(32).toString('base64');
    store.persist();
  }
  const accessKey = store.accessKey;
  checkAccessKey(accessKey);

  const injector = faults ? new FaultInjector() : undefined;
  const stats = {
    requests: 0,
    byRoute: /** @type {Record<string, number>} */ ({}),
    byStatus: /** @type {Record<string, number>} */ ({}),
    counters: { tokensIssued: 0 },
  };
  let lastTick = 0;
  const clock = () => {
    lastTick = Math.max(now(), lastTick + 1);
    return lastTick;
  };
  const tls = Boolean(tlsCert);
  const scheme = tls ? 'https' : 'http';

  /** Emulator-only routes (no auth, no api-version): dev helpers. */
  const emulatorRoutes = {
    '/': {
      GET: () => ({
        status: 200,
        body: {
          service: 'ACS Identity emulator',
          description: 'A local stand-in for the Azure Communication Services Identity service (development and tests only).',
          apiVersions: Object.keys(VERSIONS),
          routes: ROUTES.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.pattern}?api-version=<version>`)),
          devRoutes: Object.entries(emulatorRoutes)
            .filter(([path]) => path !== '/')
            .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)),
        },
      }),
    },
    '/emulator/health': {
      GET: () => ({ status: 200, body: { status: 'ok', resourceId: store.resourceId, apiVersions: Object.keys(VERSIONS) } }),
    },
    '/emulator/jwks': { GET: () => ({ status: 200, body: jwks(store.signingKey) }) },
    '/emulator/stats': {
      GET: () => ({
        status: 200,
        body: {
          requests: stats.requests,
          ...store.counts(),
          tokensIssued: stats.counters.tokensIssued,
          faultsInjected: injector?.injected ?? 0,
          byRoute: stats.byRoute,
          byStatus: stats.byStatus,
        },
      }),
    },
    '/emulator/introspect': {
      POST: (body) => {
        if (!isPlainObject(body) || typeof body.token !== 'string') {
          throw validationError("Expected a JSON object with a string 'token'.", 'token');
        }
        return { status: 200, body: introspect(store, body.token, now()) };
      },
    },
    '/emulator/teams-token': {
      POST: (body) => {
        if (!isPlainObject(body)) throw validationError('The request body must be a JSON object.', 'body');
        for (const k of Object.keys(body)) {
          if (!['appId', 'userId', 'tenantId', 'expiresInMinutes'].includes(k)) {
            throw validationError(`'${k}' is not a known field of this request.`, k);
          }
        }
        const appId = requireGuidField(body, 'appId');
        const userId = requireGuidField(body, 'userId');
        const tenantId = body.tenantId ?? store.resourceId;
        if (typeof tenantId !== 'string' || !GUID_RE.test(tenantId)) {
          throw validationError('Provided TenantId has invalid format.', 'tenantId');
        }
        const minutes = body.expiresInMinutes ?? 60;
        if (!Number.isInteger(minutes) || minutes < -1440 || minutes > 1440) {
          throw validationError("'expiresInMinutes' must be an integer in [-1440, 1440].", 'expiresInMinutes');
        }
        const nowMs = now();
        const token = mintEntraToken({ appId, userId, tenantId, nowMs, expiresInMinutes: minutes });
        const exp = Math.floor(nowMs / 1000) + minutes * 60;
        return { status: 200, body: { token, expiresOn: formatServiceDate(exp * 1000), tenantId } };
      },
    },
  };
  if (injector) {
    emulatorRoutes['/emulator/faults'] = {
      GET: () => ({ status: 200, body: { faults: injector.list() } }),
      POST: (body) => ({ status: 201, body: injector.add(body) }),
      DELETE: () => {
        injector.clear();
        return { status: 204 };
      },
    };
  }

  async function handleEmulator(req, res, rawPath) {
    const methods = emulatorRoutes[rawPath];
    if (!methods) throw new HttpError(404, 'NotFound', `No emulator route matches '${req.method} ${rawPath}'.`);
    const handler = methods[req.method];
    if (!handler) throw methodNotAllowed(req.method, rawPath, Object.keys(methods));
    const raw = await readBody(req);
    requireJsonContentType(req, raw);
    const result = handler(parseJsonBody(raw));
    sendJson(req, res, result.status, result.body);
  }

  async function handleService(req, res, rawPath, query) {
    stats.requests++;
    const fault = injector?.take(req.method, req.url);
    if (fault) {
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        const { headers, body } = faultResponse(fault);
        sendJson(req, res, fault.status, body, headers, 'application/json');
        return;
      }
    }

    const match = matchRoute(rawPath);
    if (!match) throw new HttpError(404, 'NotFound', `No route matches '${req.method} ${rawPath}'.`);
    const { route, id } = match;
    const routeKey = `${req.method} ${route.pattern}`;
    stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;
    const entry = route.methods[req.method];
    if (!entry) throw methodNotAllowed(req.method, route.pattern, Object.keys(route.methods));

    const versions = query.getAll('api-version');
    if (versions.length === 0 || versions[0] === '') {
      throw new HttpError(400, 'ApiVersionUnspecified', 'An API version is required, but was not specified.');
    }
    const version = versions[0];
    const features = versions.length === 1 ? versionFeatures(version) : undefined;
    if (!features) throw unsupportedVersion(req, scheme, versions.join(','));

    rejectDuplicateSignedHeaders(req);
    const raw = await readBody(req);
    const auth = verifyHmacRequest({ method: req.method, url: req.url, headers: req.headers, body: raw, accessKey, now: now() });
    if (!auth.ok) {
      throw new HttpError(auth.status, auth.code, auth.message, { headers: { 'www-authenticate': 'HMAC-SHA256' } });
    }
    if (entry.feature && !features[entry.feature]) throw unsupportedVersion(req, scheme, version);

    requireJsonContentType(req, raw);
    const body = parseJsonBody(raw);
    const result = entry.op({ store, features, version, body, id, clock, counters: stats.counters });
    sendJson(req, res, result.status, result.body);
  }

  /** Two copies of a signed header are ambiguous (Node would keep only one): refuse them. */
  function rejectDuplicateSignedHeaders(req) {
    const seen = new Set();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (!SINGLE_HEADERS.has(name)) continue;
      if (seen.has(name)) {
        throw new HttpError(400, 'InvalidHeader', `The header '${name}' appears more than once.`, { target: name });
      }
      seen.add(name);
    }
  }

  async function handle(req, res) {
    const started = process.hrtime.bigint();
    const target = req.url ?? '';
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const isEmulatorRoute = rawPath === '/' || rawPath === '/emulator' || rawPath.startsWith('/emulator/');
    res.on('finish', () => {
      if (!isEmulatorRoute) stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
      if (log) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log(`${req.method} ${rawPath} ${res.statusCode} ${ms.toFixed(1)}ms`);
      }
    });
    try {
      if (applyCors(req, res, corsOrigins)) return;
      if (!target.startsWith('/')) throw new HttpError(400, 'BadRequest', 'The request target must be an origin-form path.');
      const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
      if (isEmulatorRoute) await handleEmulator(req, res, rawPath);
      else await handleService(req, res, rawPath, query);
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.tooLarge) sendTooLarge(req, res, err);
        else sendError(req, res, err);
      } else if (!res.headersSent && !req.socket.destroyed) {
        log?.(`internal error on ${req.method} ${rawPath}: ${err?.stack ?? err}`);
        sendError(req, res, new HttpError(500, 'InternalServerError', 'The emulator failed to process the request.'));
      }
    }
  }

  const listener = (req, res) => {
    handle(req, res);
  };
  // Slow or stalled clients (slow-loris) are cut off so that they cannot hold the server.
  const serverOptions = {
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs ?? 1000),
    maxHeaderSize: 16 * 1024,
  };
  const server = tls
    ? https.createServer({ ...serverOptions, cert: fs.readFileSync(tlsCert), key: fs.readFileSync(tlsKey) }, listener)
    : http.createServer(serverOptions, listener);
  server.keepAliveTimeout = 5000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 1024 }, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const boundPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const urlHost =
    host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}://${urlHost}:${boundPort}`;
  const endpoint = `${url}/`;
  let closing;
  return {
    url,
    endpoint,
    port: boundPort,
    accessKey,
    connectionString: `endpoint=${endpoint};accesskey=${accessKey}`,
    resourceId: store.resourceId,
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** @param {string} key */
function checkAccessKey(key) {
  if (!isBase64(key)) {
    throw new TypeError('accessKey must be a non-empty base64 string.');
  }
}
