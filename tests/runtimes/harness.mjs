// The runtime-neutral test harness: tiny assertions and a runner that never throws, so the same
// cases run unchanged in Node, Deno, Bun, workerd and Chromium. No imports: every runtime loads it.

export class AssertionFailed extends Error {}

const show = (v) => {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

export const assert = {
  ok(value, message = 'expected a truthy value') {
    if (!value) throw new AssertionFailed(message);
  },
  equal(actual, expected, message = '') {
    if (!Object.is(actual, expected)) {
      throw new AssertionFailed(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
    }
  },
  deepEqual(actual, expected, message = '') {
    if (show(actual) !== show(expected)) {
      throw new AssertionFailed(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
    }
  },
  match(actual, re, message = '') {
    if (typeof actual !== 'string' || !re.test(actual)) {
      throw new AssertionFailed(`${message ? `${message}: ` : ''}expected ${show(actual)} to match ${re}`);
    }
  },
  /** Asserts that fn() throws an AcsIdentityError (of `lib`) with `code`; returns the error. */
  throwsCode(lib, fn, code, message = '') {
    let err;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    return checkError(lib, err, code, message);
  },
  /** Async twin of throwsCode. */
  async rejectsCode(lib, promiseOrFn, code, message = '') {
    let err;
    try {
      await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
    } catch (e) {
      err = e;
    }
    return checkError(lib, err, code, message);
  },
};

function checkError(lib, err, code, message) {
  const where = message ? `${message}: ` : '';
  if (err === undefined) throw new AssertionFailed(`${where}expected an error with code ${code}, nothing was thrown`);
  if (!(err instanceof lib.AcsIdentityError)) {
    throw new AssertionFailed(`${where}expected an AcsIdentityError, got ${err?.name}: ${err?.message}`);
  }
  if (!(err instanceof Error)) throw new AssertionFailed(`${where}AcsIdentityError is not an Error`);
  if (err.code !== code) throw new AssertionFailed(`${where}expected code ${code}, got ${err.code} (${err.message})`);
  return err;
}

/**
 * Runs `cases` against the imported package `lib`. Each case is `{ name, needs?, run(lib, ctx) }`;
 * a case whose `needs` (e.g. 'emulator') is missing from ctx is reported as skipped.
 * @returns {Promise<Array<{ name: string, status: 'pass'|'fail'|'skip', error?: string, ms: number }>>}
 */
export async function runCases(lib, cases, ctx = {}, only) {
  const results = [];
  for (const c of cases) {
    if (only && !only.includes(c.name)) continue;
    const t0 = Date.now();
    const missing = (c.needs ?? []).filter((n) => !ctx[n]);
    if (missing.length) {
      results.push({ name: c.name, status: 'skip', error: `needs ${missing.join(', ')}`, ms: 0 });
      continue;
    }
    try {
      await c.run(lib, ctx);
      results.push({ name: c.name, status: 'pass', ms: Date.now() - t0 });
    } catch (e) {
      results.push({
        name: c.name,
        status: 'fail',
        error: `${e?.name ?? 'Error'}: ${e?.message ?? e}${e instanceof AssertionFailed ? '' : `\n${e?.stack ?? ''}`}`,
        ms: Date.now() - t0,
      });
    }
  }
  return results;
}
