// stderr logging (WARNING/INFO/DEBUG/ERROR, as az) with secret scrubbing, and the instrumented
// fetch behind --verbose/--debug. Nothing written here ever contains the access key, the connection
// string, a request signature or a token.

const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)*/g;
const SIGNATURE = /(Signature=)[^&\s'",]+/gi;
const JSON_TOKEN = /("(?:token|accessToken|accesskey|access_key)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/** The access key of a connection string (for scrubbing only; the client validates). */
export function accessKeyOf(connectionString) {
  for (const part of String(connectionString).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === 'accesskey') return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class Logger {
  /**
   * @param {{ verbose?: boolean, debug?: boolean, onlyShowErrors?: boolean, stderr?: NodeJS.WritableStream }} opts
   */
  constructor({ verbose = false, debug = false, onlyShowErrors = false, color = false, stderr = process.stderr } = {}) {
    this.color = color;
    /** @type {string[]} keys of which no 8-character piece may be printed */
    this.partial = [];
    this.verbose = verbose || debug;
    this.debugOn = debug;
    this.onlyShowErrors = onlyShowErrors;
    this.stderr = stderr;
    /** @type {string[]} */
    this.secrets = [];
  }

  /** Strings never to print (a connection string, its key, an Entra token). */
  addSecret(value) {
    if (typeof value === 'string' && value.length >= 8 && !this.secrets.includes(value)) {
      this.secrets.push(value);
      this.secrets.sort((a, b) => b.length - a.length);
    }
  }

  /**
   * An access key: besides the whole key, no piece of 8 characters or more of it is printed (a
   * service message may echo a truncated value, e.g. a connection string given to --scope).
   */
  addPartialSecret(value) {
    this.addSecret(value);
    if (typeof value === 'string' && value.length >= 8 && !this.partial.includes(value)) this.partial.push(value);
  }

  scrub(text) {
    let out = String(text);
    for (const s of this.secrets) out = out.split(s).join('REDACTED');
    for (const key of this.partial) out = scrubPieces(out, key, 8);
    return out.replace(SIGNATURE, '$1REDACTED').replace(JSON_TOKEN, '$1"REDACTED"').replace(JWT, 'REDACTED');
  }

  /**
   * As knack's handler: `LEVEL: message` (the prefix once, before the first line); on a colour
   * terminal the message alone, coloured by level.
   */
  write(prefix, colour, message, everyLine = false) {
    let text = this.scrub(message);
    if (everyLine) text = text.split('\n').join(`\n${prefix}`);
    this.stderr.write(this.color ? `${colour}${text}\x1b[0m\n` : `${prefix}${text}\n`);
  }

  error(message) {
    this.write('ERROR: ', '\x1b[91m', message);
  }

  warning(message) {
    if (!this.onlyShowErrors) this.write('WARNING: ', '\x1b[33m', message);
  }

  info(message) {
    if (this.verbose) this.write('INFO: ', '\x1b[32m', message, true);
  }

  debug(message) {
    if (this.debugOn) this.write('DEBUG: ', '\x1b[36m', message, true);
  }
}

/** `text` with every run of at least `min` characters that also occurs in `secret` REDACTED. */
export function scrubPieces(text, secret, min) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    let best = 0;
    if (i + min <= text.length && secret.includes(text.slice(i, i + min))) {
      best = min;
      while (i + best < text.length && secret.includes(text.slice(i, i + best + 1))) best++;
    }
    if (best) {
      out += 'REDACTED';
      i += best;
    } else out += text[i++];
  }
  return out;
}

// ---- redaction of HTTP traffic ------------------------------------------------------------------

/** The Authorization header without its secret part. */
export function redactAuthorization(value) {
  const v = String(value);
  if (/^HMAC-SHA256\s/i.test(v)) return v.replace(SIGNATURE, '$1REDACTED');
  const sp = v.indexOf(' ');
  return sp > 0 ? `${v.slice(0, sp)} REDACTED` : 'REDACTED';
}

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);

function redactTokens(value) {
  if (Array.isArray(value)) return value.map(redactTokens);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = /^(token|accesskey|access_key)$/i.test(k) && typeof v === 'string' ? 'REDACTED' : redactTokens(v);
    }
    return out;
  }
  return value;
}

/** A request or response body as it may be shown: JSON with every `token` value REDACTED. */
export function redactBody(text) {
  if (text === undefined || text === null || text === '') return '(empty)';
  try {
    return JSON.stringify(redactTokens(JSON.parse(text)));
  } catch {
    const s = String(text);
    return `(${Buffer.byteLength(s)} bytes, not JSON) ${s.length > 2000 ? `${s.slice(0, 2000)}...` : s}`;
  }
}

function headerLines(headers) {
  const lines = [];
  for (const [name, value] of new Headers(headers ?? {})) {
    const shown = name === 'authorization' ? redactAuthorization(value) : SECRET_HEADERS.has(name) ? 'REDACTED' : value;
    lines.push(`    '${name}': '${shown}'`);
  }
  return lines;
}

/**
 * A fetch that logs each request (method, URL, status, time with --verbose; headers and bodies,
 * redacted, with --debug) through `log`.
 * @param {Logger} log
 * @param {typeof fetch} [baseFetch]
 */
export function instrumentedFetch(log, baseFetch = globalThis.fetch) {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    log.debug(`Request URL: '${url}'`);
    log.debug(`Request method: '${method}'`);
    log.debug(['Request headers:', ...headerLines(init.headers)].join('\n'));
    if (init.body !== undefined && init.body !== null) {
      const body = typeof init.body === 'string' ? init.body : Buffer.from(init.body).toString('utf8');
      log.debug(`Request body: ${redactBody(body)}`);
    }
    const t0 = performance.now();
    let res;
    try {
      res = await baseFetch(input, init);
    } catch (e) {
      log.info(`${method} ${url} failed after ${(performance.now() - t0).toFixed(0)} ms: ${e?.cause?.code ?? e?.message ?? e}`);
      throw e;
    }
    const ms = (performance.now() - t0).toFixed(0);
    log.info(`${method} ${url} ${res.status} (${ms} ms)`);
    if (log.debugOn) {
      log.debug(`Response status: ${res.status}`);
      log.debug(['Response headers:', ...headerLines(res.headers)].join('\n'));
      try {
        log.debug(`Response body: ${redactBody(await res.clone().text())}`);
      } catch (e) {
        log.debug(`Response body: (unreadable: ${e?.message ?? e})`);
      }
    }
    return res;
  };
}
