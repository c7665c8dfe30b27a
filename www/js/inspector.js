// The request inspector: a `fetch` wrapper handed to CommunicationIdentityClient (its `fetch` option)
// that records each request as the client sent it, and the panel that shows it. The signature is
// masked and tokens are shortened; the access key is never in a request, so it never shows.
import { $, el } from './dom.js';
import { displayBody, displayHeaders, stringToSign } from './format.js';

const STATUS_TEXT = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const MAX_ENTRIES = 12;

function plainHeaders(headers) {
  if (!headers) return {};
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return { ...headers };
}

function bodyText(body) {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new TextDecoder().decode(body);
  return String(body);
}

export function createInspector() {
  const entries = [];
  let selected = null;
  let counter = 0;
  const select = $('inspector-select');

  function renderSelect() {
    select.disabled = entries.length === 0;
    if (entries.length === 0) {
      select.replaceChildren(el('option', { value: '', selected: true }, 'No requests yet'));
      return;
    }
    select.replaceChildren(
      ...entries.map((e) => {
        const u = new URL(e.url);
        const status = e.status ?? (e.error ? 'failed' : '…');
        return el('option', { value: e.n, selected: e === selected }, `#${e.n} ${e.method} ${decodeURIComponent(u.pathname)} → ${status}`);
      }),
    );
  }

  function render() {
    renderSelect();
    const e = selected;
    $('inspector-empty').hidden = e !== null;
    $('inspector-view').hidden = e === null;
    if (!e) return;
    const method = $('insp-method');
    method.textContent = e.method;
    method.className = `method ${e.method}`;
    $('insp-url').textContent = e.url;
    const status = $('insp-status');
    if (e.status !== undefined) {
      status.textContent = `${e.status} ${STATUS_TEXT[e.status] ?? ''}`.trim();
      status.classList.toggle('bad', e.status >= 400);
    } else {
      status.textContent = e.error ? 'no answer' : 'pending…';
      status.classList.toggle('bad', Boolean(e.error));
    }
    $('insp-time').textContent = e.ms !== undefined ? `${Math.round(e.ms)} ms` : '';
    $('insp-sts').textContent = e.sts ?? 'Not signed: an emulator-only development route (no HMAC authentication).';
    $('insp-sts-help').hidden = e.sts === null;
    $('insp-headers').replaceChildren(
      ...displayHeaders(e.headers).flatMap(([k, v]) => [
        el('span', { class: 'h-name' }, k),
        el('span', { class: `h-val${k === 'authorization' ? ' masked' : ''}` }, v),
      ]),
    );
    $('insp-req-body').textContent = displayBody(e.body);
    $('insp-res-body').textContent = e.error ? `The request failed before an answer: ${e.error}` : e.status === undefined ? '…' : displayBody(e.response);
  }

  select.addEventListener('change', () => {
    selected = entries.find((e) => String(e.n) === select.value) ?? selected;
    render();
  });

  /** The `fetch` for the client and the emulator-only calls. */
  async function inspectingFetch(input, init = {}) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = plainHeaders(init.headers);
    const method = String(init.method ?? 'GET').toUpperCase();
    const entry = { n: ++counter, method, url, headers, body: bodyText(init.body) };
    entry.sts = stringToSign(entry);
    entries.unshift(entry);
    entries.length = Math.min(entries.length, MAX_ENTRIES);
    selected = entry;
    render();
    const t0 = performance.now();
    let response;
    try {
      response = await fetch(input, init);
    } catch (e) {
      entry.ms = performance.now() - t0;
      entry.error = e?.message ?? String(e);
      render();
      throw e;
    }
    entry.status = response.status;
    try {
      entry.response = await response.clone().text();
    } catch {
      entry.response = '';
    }
    entry.ms = performance.now() - t0;
    render();
    return response;
  }

  render();
  return { fetch: inspectingFetch };
}
