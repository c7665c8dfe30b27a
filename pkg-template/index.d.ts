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
  | 'UnexpectedResponse'
  /** `acs-identity/slim` used before `await init(source)`. */
  | 'NotInitialized';

/** Service codes seen on the wire (the service may send others). */
export type AcsIdentityServiceErrorCode =
  | 'ValidationError'
  | 'InvalidAccessToken'
  | 'Denied'
  | 'IdentityNotFound'
  | 'IdentityNotOwned'
  | 'UnsupportedApiVersion';

export type AcsIdentityErrorCode = AcsIdentityLocalErrorCode | AcsIdentityServiceErrorCode | (string & {});

export interface AcsIdentityErrorProps {
  name?: 'AcsIdentityError' | 'RestError' | 'AbortError';
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
  /**
   * The official SDK's name for the same failure: `RestError` for a service answer or a network
   * failure, `AbortError` for an abort by the caller's `abortSignal`, else `AcsIdentityError`.
   */
  readonly name: 'AcsIdentityError' | 'RestError' | 'AbortError';
  /** The abort signal's `reason` (`AbortError`), or the runtime's network error (its `code`, e.g. `ECONNREFUSED`, is in the message too). */
  readonly cause: unknown;
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

// ---- CommunicationIdentityClient -------------------------------------------------------------

/** Token scopes. `chat.join`, `chat.join.limited` and `voip.join` need api-version 2023-10-01 or later. */
export type TokenScope = 'chat' | 'voip' | 'chat.join' | 'chat.join.limited' | 'voip.join';

/** The api-versions the client speaks. `2025-03-02-preview` adds `customId` and `getUser`. */
export type ApiVersion =
  | '2021-03-07'
  | '2022-06-01'
  | '2022-10-01'
  | '2023-10-01'
  | '2025-03-02-preview'
  | '2025-06-30';

export interface CommunicationUserIdentifier {
  communicationUserId: string;
}

/** What `createUser` / `createUserAndToken` return: the identifier, plus `customId` when one was given. */
export interface CommunicationUserIdentifierWithCustomId extends CommunicationUserIdentifier {
  customId?: string;
}

export interface CommunicationAccessToken {
  token: string;
  expiresOn: Date;
}

export interface CommunicationUserToken extends CommunicationAccessToken {
  user: CommunicationUserIdentifierWithCustomId;
}

export interface CommunicationUserDetails extends CommunicationUserIdentifierWithCustomId {
  /** When a token was last issued for the identity (preview api-version). */
  lastTokenIssuedAt?: Date;
}

/** Options every method takes. */
export interface OperationOptions {
  /** Cancels the call (rejects with code `Aborted`). */
  abortSignal?: AbortSignal;
  /** Time limit of the whole call, retries included (rejects with code `Timeout`). */
  timeoutMs?: number;
}

export interface CreateUserOptions extends OperationOptions {
  /** Your own id for the user (1..256 chars): the same customId always maps to the same identity (preview). */
  customId?: string;
}

export interface CreateUserAndTokenOptions extends CreateUserOptions {
  /** Token lifetime, a whole number of minutes from 60 to 1440 (default 1440); other values are sent, and the service refuses them (400 ValidationError). */
  tokenExpiresInMinutes?: number;
}

export interface GetTokenOptions extends OperationOptions {
  /** Token lifetime, a whole number of minutes from 60 to 1440 (default 1440); other values are sent, and the service refuses them (400 ValidationError). */
  tokenExpiresInMinutes?: number;
}

export interface GetTokenForTeamsUserOptions extends OperationOptions {
  /** The Teams user's Microsoft Entra ID access token. */
  teamsUserAadToken: string;
  /** The Entra application (client) id; must match the token's `appid`. */
  clientId: string;
  /** The Teams user's Entra object id; must match the token's `oid`. */
  userObjectId: string;
}

export interface RetryOptions {
  /** Retries after the first attempt (0..10, default 3). */
  maxRetries?: number;
  /** First back-off delay, doubled each retry (default 800 ms). */
  retryDelayInMs?: number;
  /** Longest wait between attempts, server hints included (default 60000 ms). */
  maxRetryDelayInMs?: number;
}

/** A minimal `fetch`: the global one, or your own (for tests, proxies, instrumentation). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface CommunicationIdentityClientOptions {
  /** Pin an api-version (default `2025-06-30`; `customId`/`getUser` then switch to the preview automatically). */
  apiVersion?: ApiVersion;
  /** The fetch to use (default: the global fetch). */
  fetch?: FetchLike;
  retry?: RetryOptions;
  /** Default time limit of each call, retries included (default 60000 ms). */
  timeoutMs?: number;
  /** Allow plain http to a non-loopback endpoint (credentials would travel unencrypted). */
  allowInsecureConnection?: boolean;
}

/** `{ key }`, as `AzureKeyCredential` from `@azure/core-auth`. */
export interface KeyCredential {
  readonly key: string;
}

/** A Microsoft Entra ID token source, as `TokenCredential` from `@azure/core-auth`. */
export interface TokenCredential {
  getToken(
    scopes: string | string[],
    options?: { abortSignal?: AbortSignal },
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** A user: the identifier object or its raw id (`8:acs:...`). */
export type CommunicationUserLike = CommunicationUserIdentifier | string;

/**
 * The ACS Identity client, with the API of `@azure/communication-identity`'s
 * `CommunicationIdentityClient`. All errors are {@link AcsIdentityError}s.
 */
export class CommunicationIdentityClient {
  constructor(connectionString: string, options?: CommunicationIdentityClientOptions);
  constructor(endpoint: string, credential: KeyCredential | TokenCredential, options?: CommunicationIdentityClientOptions);
  createUser(options?: CreateUserOptions): Promise<CommunicationUserIdentifierWithCustomId>;
  createUserAndToken(scopes: TokenScope[], options?: CreateUserAndTokenOptions): Promise<CommunicationUserToken>;
  getToken(user: CommunicationUserLike, scopes: TokenScope[], options?: GetTokenOptions): Promise<CommunicationAccessToken>;
  revokeTokens(user: CommunicationUserLike, options?: OperationOptions): Promise<void>;
  deleteUser(user: CommunicationUserLike, options?: OperationOptions): Promise<void>;
  getTokenForTeamsUser(options: GetTokenForTeamsUserOptions): Promise<CommunicationAccessToken>;
  /** Preview api-version. */
  getUser(user: CommunicationUserLike, options?: OperationOptions): Promise<CommunicationUserDetails>;
  /** Releases the wasm-side state now (it is also released when the client is garbage-collected). */
  free(): void;
}
// ---- access tokens --------------------------------------------------------------------------

/** What an access token (a JWT) says about itself. Decoded, never verified. */
export interface AccessTokenInfo {
  /** `8:` + the `skypeid` claim, e.g. `8:acs:<resource>_<id>`; absent when the claim is missing. */
  communicationUserId: string | undefined;
  /** The `acsScope` claim split on commas, e.g. `['chat', 'voip']`; `[]` when absent. */
  scopes: string[];
  /** The `iat` claim, when present. */
  issuedAt?: Date;
  /** The `exp` claim. */
  expiresOn: Date;
  /** Every claim of the token, as JSON. */
  claims: Record<string, unknown>;
}

/**
 * Decodes (does not verify) a Communication Services access token. Synchronous.
 * @throws {AcsIdentityError} `InvalidToken` when the token is not a string, is encrypted (JWE, five
 * parts: rely on the `expiresOn` the service returned), is not a JWT or has no numeric `exp`. The
 * message never contains the token.
 */
export function decodeAccessToken(token: string): AccessTokenInfo;

export * from './credential.js';
