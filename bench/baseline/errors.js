/**
 * The one error class of acs-identity. Every failure, local or from the service, is an
 * `AcsIdentityError` with a stable `code`; messages never contain a key, signature or token.
 * Its `name` is the official SDK's for the same failure: `RestError` for a service answer or a
 * network failure, `AbortError` for an abort by the caller's signal, else `AcsIdentityError`.
 */
const NAMES = new Set(['AcsIdentityError', 'RestError', 'AbortError']);

export class AcsIdentityError extends Error {
  /**
   * @param {string} message
   * @param {{ name?: 'AcsIdentityError' | 'RestError' | 'AbortError', code?: string, statusCode?: number, target?: string, details?: unknown, requestId?: string, cause?: unknown }} [props]
   */
  constructor(message, props = {}) {
    super(message, props.cause === undefined ? undefined : { cause: props.cause });
    this.name = NAMES.has(props.name) ? props.name : 'AcsIdentityError';
    this.code = props.code ?? 'Unknown';
    this.statusCode = props.statusCode;
    this.target = props.target;
    this.details = props.details;
    this.requestId = props.requestId;
  }
}

/**
 * Type guard: `err` is an `AcsIdentityError`, optionally with the given `code`. Works across
 * module copies too (it also checks the name), as errors may cross realm boundaries.
 * @param {unknown} err
 * @param {string} [code]
 */
export function isAcsIdentityError(err, code) {
  const ok =
    err instanceof AcsIdentityError ||
    (err instanceof Error && NAMES.has(err.name) && typeof err.code === 'string' && 'requestId' in err);
  return ok && (code === undefined || err.code === code);
}
