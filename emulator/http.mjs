// Small HTTP helpers: error type, JSON responses, bounded body reading.

import { randomBytes } from 'node:crypto';
import { SUPPORTED_VERSIONS_HEADER } from './versions.mjs';

/** Largest request body the emulator reads (bytes). Larger bodies get 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * An error that maps to an HTTP response with the service's error body
 * `{"error":{"code","message","target"?,"details"?}}`.
 */
export class HttpError extends Error {
  /**
   * @param {number} status HTTP status code
   * @param {string} code service error code, e.g. `ValidationError`
   * @param {string} message human-readable message
   * @param {{target?: string, details?: object[], headers?: Record<string,string>}} [extra]
   */
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.target = extra.target;
    this.details = extra.details;
    this.headers = extra.headers;
  }

  /** The JSON error body. */
  toBody() {
    /** @type {Record<string, unknown>} */
    const error = { code: this.code, message: this.message };
    if (this.target !== undefined) error.target = this.target;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/**
 * Shorthand for a 400 ValidationError.
 * @param {string} message
 * @param {string} [target]
 */
export function validationError(message, target) {
  return new HttpError(400, 'ValidationError', message, { target });
}

/** A random correlation vector in the shape the service sends (`base64.0`). */
export function newCorrelationVector() {
  return `${randomBytes(16).toString('base64').replace(/=+$/, '')}.0`;
}

/**
 * Headers every response carries.
 * @param {import('node:http').IncomingMessage} req
 */
export function commonHeaders(req) {
  /** @type {Record<string, string>} */
  const headers = {
    'api-supported-versions': SUPPORTED_VERSIONS_HEADER,
    'ms-cv': newCorrelationVector(),
  };
  const clientRequestId = req.headers['x-ms-client-request-id'];
  if (typeof clientRequestId === 'string' && clientRequestId !== '') {
    headers['x-ms-client-request-id'] = clientRequestId;
  }
  return headers;
}

/**
 * Send a JSON response (or an empty one when `body` is undefined).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} [body]
 * @param {Record<string, string>} [extraHeaders]
 */
export function sendJson(req, res, status, body, extraHeaders = {}, contentType = 'application/json; charset=utf-8') {
  if (res.headersSent || res.destroyed) return;
  const headers = { ...commonHeaders(req), ...extraHeaders };
  if (body === undefined) {
    headers['content-length'] = '0';
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  headers['content-type'] = contentType;
  headers['content-length'] = String(payload.length);
  res.writeHead(status, headers);
  res.end(payload);
}

/**
 * Send an HttpError as the service's JSON error body.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {HttpError} err
 */
export function sendError(req, res, err) {
  // The service labels its error bodies `application/json` without a charset (its successes
  // carry `; charset=utf-8`): so every recorded answer shows.
  sendJson(req, res, err.status, err.toBody(), err.headers ?? {}, 'application/json');
}

/**
 * Read the request body, never holding more than `limit` bytes.
 * Rejects with a 413 HttpError (flag `tooLarge`) as soon as the limit is crossed:
 * reading stops there and the caller must close the connection.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} [limit]
 * @returns {Promise<Buffer>}
 */
export function readBody(req, limit = MAX_BODY_BYTES) {
  const tooLarge = () => {
    const err = new HttpError(
      413,
      'RequestEntityTooLarge',
      `The request body exceeds the emulator's limit of ${limit} bytes.`,
    );
    err.tooLarge = true;
    return err;
  };
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge());
  }
  if (req.destroyed) return Promise.reject(new Error('request aborted'));
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    let settled = false;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        settled = true;
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (!req.complete) onError(new Error('request aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Decode a JSON request body strictly: valid UTF-8 (an optional BOM is skipped), valid JSON.
 * Returns `undefined` for an empty body.
 * @param {Buffer} body
 * @returns {unknown}
 */
export function parseJsonBody(body) {
  if (body.length === 0) return undefined;
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw validationError('The request body is not valid UTF-8.', 'body');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw validationError(`The request body is not valid JSON: ${e.message}`, 'body');
  }
}

/**
 * Reject a non-empty body that is not declared as JSON (ASP.NET answers 415 there too).
 * @param {import('node:http').IncomingMessage} req
 * @param {Buffer} body
 */
export function requireJsonContentType(req, body) {
  if (body.length === 0) return;
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(
      415,
      'UnsupportedMediaType',
      `A request body must be sent with 'Content-Type: application/json' (got '${type || 'none'}').`,
    );
  }
}
