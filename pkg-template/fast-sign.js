// Internal: `signRequest` with a fast path, over the exports of whichever glue has signing (the
// client's or the signing-only binary's).

/**
 * Signs a request (see index.d.ts). The common shape — string method, URL, body and access key,
 * the time absent, a Date or milliseconds — takes a fast path that passes plain strings to the
 * wasm module; every other shape (and every error) goes through the full argument reader.
 */
export function fastSigner(signFast, signFull) {
  return function signRequest(options) {
    if (options !== null && typeof options === 'object' && options.connectionString === undefined) {
      const { method, url, body, accessKey, date } = options;
      const ms = date === undefined ? Date.now() : date instanceof Date ? date.getTime() : date;
      if (
        typeof method === 'string' &&
        typeof url === 'string' &&
        typeof accessKey === 'string' &&
        (body === undefined || typeof body === 'string') &&
        typeof ms === 'number'
      ) {
        const s = signFast(method, url, body ?? '', accessKey, ms);
        const i = s.indexOf('\n');
        const j = s.indexOf('\n', i + 1);
        return { 'x-ms-date': s.slice(0, i), 'x-ms-content-sha256': s.slice(i + 1, j), authorization: s.slice(j + 1) };
      }
    }
    return signFull(options);
  };
}
