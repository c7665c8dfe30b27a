/**
 * acs-identity: Azure Communication Services Identity for every JavaScript runtime.
 * @packageDocumentation
 */

/** The stable codes of errors raised locally. Errors from the service carry the service's own code. */
export type AcsIdentityLocalErrorCode =
  | 'InvalidConnectionString'
  | 'InvalidAccessKey'
  | 'InvalidUrl'
  | 'InvalidArgument'
  | 'InvalidToken'
  | 'Timeout'
  | 'Aborted'
  | 'NetworkError'
  | 'UnexpectedResponse';

/** Service codes seen on the wire (the service may send others). */
export type AcsIdentityServiceErrorCode =
  | 'ValidationError'
  | 'InvalidAccessToken'
  | 'Denied'
  | 'IdentityNotFound'
  | 'UnsupportedApiVersion';

export type AcsIdentityErrorCode = AcsIdentityLocalErrorCode | AcsIdentityServiceErrorCode | (string & {});

export interface AcsIdentityErrorProps {
  code?: AcsIdentityErrorCode;
  statusCode?: number;
  target?: string;
  details?: unknown;
  requestId?: string;
  cause?: unknown;
}

/** Every failure of this package. The message never contains a key, signature or token. */
export class AcsIdentityError extends Error {
  constructor(message: string, props?: AcsIdentityErrorProps);
  readonly name: 'AcsIdentityError';
  /** Stable machine-readable code: a local code, or the service's `error.code`. */
  readonly code: AcsIdentityErrorCode;
  /** HTTP status of the service's answer, when there was one. */
  readonly statusCode: number | undefined;
  /** The argument or field that was wrong, when known. */
  readonly target: string | undefined;
  /** The service's `error.details`, when present. */
  readonly details: unknown;
  /** The `x-ms-client-request-id` of the failed request, when one was sent. */
  readonly requestId: string | undefined;
}

/** Type guard for {@link AcsIdentityError}, optionally of one code. */
export function isAcsIdentityError<C extends AcsIdentityErrorCode>(
  err: unknown,
  code?: C,
): err is AcsIdentityError & { code: C };

export interface SignRequestOptions {
  /** HTTP method; the six standard methods are upper-cased as `fetch` does. */
  method: string;
  /** Absolute http(s) URL; its path and query are signed exactly as given. */
  url: string;
  /** The body: a string (sent as UTF-8) or bytes. Absent means empty. */
  body?: string | Uint8Array | ArrayBuffer;
  /** The base64 access key. Give this or `connectionString`, not both. */
  accessKey?: string;
  /** `endpoint=https://...;accesskey=...`. Give this or `accessKey`, not both. */
  connectionString?: string;
  /** The request time: a Date, Unix milliseconds or an RFC 1123 string. Absent means now. */
  date?: Date | number | string;
}

/** The three headers to send with the request. */
export interface SignedRequestHeaders {
  'x-ms-date': string;
  'x-ms-content-sha256': string;
  authorization: string;
}

/**
 * Signs a request with HMAC-SHA256, for any ACS data-plane call. Synchronous.
 * @throws {AcsIdentityError} `InvalidAccessKey`, `InvalidConnectionString`, `InvalidUrl` or `InvalidArgument`.
 */
export function signRequest(options: SignRequestOptions): SignedRequestHeaders;

/**
 * Validates a connection string and returns its endpoint (normalised to `scheme://host[:port]/`).
 * The key is never returned.
 * @throws {AcsIdentityError} `InvalidConnectionString`.
 */
export function parseConnectionString(connectionString: string): { endpoint: string };
