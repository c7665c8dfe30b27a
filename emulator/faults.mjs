// Fault injection (enabled with `faults: true` / `--faults`): rules that make the next
// matching service requests fail, stall or lose their connection.

import { validationError } from './http.mjs';
import { isPlainObject } from './tokens.mjs';

const KEYS = new Set(['status', 'count', 'retryAfter', 'retryAfterMs', 'delayMs', 'drop', 'probability', 'path', 'method']);

/**
 * @typedef {object} FaultRule
 * @property {number} id
 * @property {number} [status]        answer with this status (400..599)
 * @property {number} [count]         remaining applications (absent: unlimited)
 * @property {number} [retryAfter]    seconds, sent as `Retry-After`
 * @property {number} [retryAfterMs]  sent as `retry-after-ms` and `x-ms-retry-after-ms` (and a rounded-up `Retry-After`)
 * @property {number} [delayMs]       wait before answering (alone: then serve normally)
 * @property {boolean} [drop]         destroy the connection without answering
 * @property {number} [probability]   apply to this fraction of matching requests (0 < p <= 1)
 * @property {string} [path]          only requests whose path+query contains this substring
 * @property {string} [method]        only requests with this method
 */

export class FaultInjector {
  constructor() {
    /** @type {FaultRule[]} */
    this.rules = [];
    this.nextId = 1;
    this.injected = 0;
  }

  /**
   * Validate and add a rule; throws a 400 HttpError on a bad spec.
   * @param {unknown} spec
   * @returns {FaultRule}
   */
  add(spec) {
    if (!isPlainObject(spec)) throw validationError('A fault must be a JSON object.', 'body');
    for (const k of Object.keys(spec)) if (!KEYS.has(k)) throw validationError(`Unknown fault field '${k}'.`, k);
    const s = /** @type {Record<string, any>} */ (spec);
    const int = (k, min, max) => {
      if (s[k] === undefined) return;
      if (!Number.isInteger(s[k]) || s[k] < min || s[k] > max) {
        throw validationError(`Fault field '${k}' must be an integer in [${min}, ${max}].`, k);
      }
    };
    int('status', 400, 599);
    int('count', 1, 1_000_000);
    int('retryAfterMs', 0, 600_000);
    int('delayMs', 0, 120_000);
    if (s.retryAfter !== undefined && (typeof s.retryAfter !== 'number' || !(s.retryAfter >= 0) || s.retryAfter > 600)) {
      throw validationError("Fault field 'retryAfter' must be a number of seconds in [0, 600].", 'retryAfter');
    }
    if (s.drop !== undefined && typeof s.drop !== 'boolean') throw validationError("Fault field 'drop' must be a boolean.", 'drop');
    if (s.probability !== undefined && (typeof s.probability !== 'number' || !(s.probability > 0) || s.probability > 1)) {
      throw validationError("Fault field 'probability' must be a number in (0, 1].", 'probability');
    }
    for (const k of ['path', 'method']) {
      if (s[k] !== undefined && (typeof s[k] !== 'string' || s[k] === '')) {
        throw validationError(`Fault field '${k}' must be a non-empty string.`, k);
      }
    }
    if (s.drop && s.status !== undefined) throw validationError("A fault cannot both 'drop' and answer a 'status'.", 'drop');
    if (!s.drop && s.status === undefined && s.delayMs === undefined) {
      throw validationError("A fault needs 'status', 'delayMs' or 'drop'.", 'body');
    }
    if ((s.retryAfter !== undefined || s.retryAfterMs !== undefined) && s.status === undefined) {
      throw validationError("'retryAfter'/'retryAfterMs' need a 'status'.", s.retryAfter !== undefined ? 'retryAfter' : 'retryAfterMs');
    }
    /** @type {FaultRule} */
    const rule = { id: this.nextId++, ...s };
    if (rule.method) rule.method = rule.method.toUpperCase();
    this.rules.push(rule);
    return rule;
  }

  /** Remove every rule. */
  clear() {
    this.rules = [];
  }

  /** @returns {FaultRule[]} */
  list() {
    return this.rules.map((r) => ({ ...r }));
  }

  /**
   * The rule to apply to this request, consuming one of its `count` (first matching rule wins).
   * @param {string} method
   * @param {string} target path + query
   * @returns {FaultRule | undefined}
   */
  take(method, target) {
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method) continue;
      if (rule.path && !target.includes(rule.path)) continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      if (rule.count !== undefined) {
        rule.count -= 1;
        if (rule.count <= 0) this.rules = this.rules.filter((r) => r !== rule);
      }
      this.injected++;
      return rule;
    }
    return undefined;
  }
}

/**
 * Response headers and body of an injected status.
 * @param {FaultRule} rule
 */
export function faultResponse(rule) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (rule.retryAfterMs !== undefined) {
    headers['retry-after-ms'] = String(rule.retryAfterMs);
    headers['x-ms-retry-after-ms'] = String(rule.retryAfterMs);
    headers['retry-after'] = String(Math.ceil(rule.retryAfterMs / 1000));
  }
  if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
  const code =
    rule.status === 429 ? 'TooManyRequests' : rule.status === 503 ? 'ServiceUnavailable' : rule.status === 500 ? 'InternalServerError' : 'EmulatorFault';
  return {
    headers,
    body: { error: { code, message: `Fault injected by the ACS Identity emulator (rule ${rule.id}, status ${rule.status}).` } },
  };
}
