// toNodeListener: a fetch handler as a `(req, res)` listener of `node:http` (and of the frameworks
// built on it: Express, Fastify's raw request/response, Koa's `ctx.req`/`ctx.res`). Plain
// JavaScript with no imports, so every entry of acs-identity/worker can export it.

/** The token endpoint reads at most this many body bytes; one byte more is enough to refuse. */
const BODY_LIMIT = 8 * 1024;

const jsonError = (status, code, message) =>
  new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });

/**
 * Wraps `handler` — a function `(request) => Response | Promise<Response>` (e.g. the result of
 * `createTokenHandler`) or an object with `fetch(request, env, ctx)` (e.g. the default export,
 * called with `options.env`) — as a listener for `http.createServer`.
 * @param {((request: Request) => Response | Promise<Response>) | { fetch(request: Request, env?: unknown, ctx?: unknown): Response | Promise<Response> }} handler
 * @param {{ env?: object, bodyLimit?: number }} [options]
 */
export function toNodeListener(handler, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('toNodeListener(handler, options): options must be an object');
  const env = options.env ?? {};
  const bodyLimit = options.bodyLimit ?? BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 0) throw new TypeError('toNodeListener: bodyLimit must be a non-negative integer');
  let call;
  if (typeof handler === 'function') call = (request, ctx) => handler(request, ctx);
  else if (handler && typeof handler.fetch === 'function') call = (request, ctx) => handler.fetch(request, env, ctx);
  else throw new TypeError('toNodeListener(handler): handler must be a function (request) => Response or an object with fetch(request, env, ctx)');

  return function nodeListener(req, res) {
    serve(call, req, res, bodyLimit).catch((error) => {
      // Nothing can be answered any more (the response had started, or the socket is gone).
      if (!res.destroyed) res.destroy(error);
    });
  };
}

async function serve(call, req, res, bodyLimit) {
  const abort = new AbortController();
  // `close` before the answer was written completely: the client went away.
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });

  let request;
  let tooLarge = false;
  let streamed = false;
  try {
    const host = req.headers.host || 'localhost';
    const scheme = req.socket?.encrypted ? 'https' : 'http';
    // Express strips the mount path from `req.url`; `originalUrl` keeps what the client asked.
    const url = new URL(`${scheme}://${host}${req.originalUrl ?? req.url ?? '/'}`);
    const headers = new Headers();
    // Every header line as sent (Node keeps only the first of some repeated headers, such as
    // Authorization: an ambiguous request must look ambiguous to the handler).
    const raw = req.rawHeaders ?? [];
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
    const init = { method: req.method, headers, signal: abort.signal };
    // HTTP/1.1: a request has a body only with Transfer-Encoding or a non-zero Content-Length.
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (req.method !== 'GET' && req.method !== 'HEAD' && (hasBody || req.body !== undefined)) {
      if (req.body !== undefined && req.readableEnded) {
        // A body parser (express.json(), express.text(), ...) already read the stream.
        const b = req.body;
        init.body = typeof b === 'string' || b instanceof Uint8Array ? b : JSON.stringify(b);
      } else {
        init.body = bodyStream(req, bodyLimit, () => (tooLarge = true));
        init.duplex = 'half';
        streamed = true;
      }
    }
    request = new Request(url, init);
  } catch {
    await send(jsonError(400, 'BadRequest', 'the request could not be read as a fetch Request'), req, res, abort.signal, true);
    return;
  }

  let response;
  try {
    response = await call(request, { waitUntil: () => {}, passThroughOnException: () => {} });
    if (!(response instanceof Response)) throw new TypeError('the handler did not answer a Response');
  } catch {
    if (abort.signal.aborted) return;
    response = jsonError(500, 'InternalError', 'the token endpoint failed unexpectedly');
  }
  // A body cut at the limit, or left unread, is not read to its end: the connection is not reused.
  await send(response, req, res, abort.signal, tooLarge || (streamed && !req.readableEnded));
}

/** The request body as a ReadableStream that stops after `limit` + 1 bytes (enough to refuse). */
function bodyStream(req, limit, onTooLarge) {
  const chunks = req[Symbol.asyncIterator]();
  let received = 0;
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) {
        controller.close();
        return;
      }
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      received += bytes.byteLength;
      if (received > limit) {
        // Hand over what makes it too large, read no further.
        onTooLarge();
        controller.enqueue(bytes.subarray(0, bytes.byteLength - (received - limit - 1)));
        controller.close();
        return;
      }
      controller.enqueue(bytes);
    },
    cancel() {
      onTooLarge();
    },
  });
}

async function send(response, req, res, signal, closeAfter) {
  if (res.destroyed || signal.aborted) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const cookies = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  if (cookies.length) res.setHeader('set-cookie', cookies);
  if (closeAfter) res.setHeader('connection', 'close');
  if (!response.body || req.method === 'HEAD') {
    await response.body?.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (res.destroyed) throw new Error('client gone');
      if (!res.write(value)) {
        await new Promise((resolve) => {
          const go = () => (res.off('drain', go), res.off('close', go), resolve());
          res.once('drain', go);
          res.once('close', go);
        });
      }
    }
    res.end();
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (!res.destroyed) res.destroy(error);
  }
}
