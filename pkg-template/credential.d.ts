// The token credential (also the wasm-free entry `acs-identity/credential`): AcsTokenCredential
// and tokenRefresher.
import type { FetchLike } from './index.js';

export { AcsIdentityError, isAcsIdentityError } from './index.js';

/** The access token a {@link CommunicationTokenCredential} hands out (`AccessToken` of `@azure/core-auth`). */
export interface AccessToken {
  token: string;
  /** Unix milliseconds. */
  expiresOnTimestamp: number;
}

/** `AbortSignalLike` of `@azure/abort-controller`: the DOM `AbortSignal` fits. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: (this: AbortSignalLike, ev: unknown) => unknown, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: (this: AbortSignalLike, ev: unknown) => unknown): void;
}

export interface CommunicationGetTokenOptions {
  /** Stops waiting (rejects with code `Aborted`); the refresh itself goes on for other callers. */
  abortSignal?: AbortSignalLike;
}

/** The credential interface of the ACS Calling and Chat SDKs (`@azure/communication-common`). */
export interface CommunicationTokenCredential {
  getToken(options?: CommunicationGetTokenOptions): Promise<AccessToken>;
  dispose(): void;
}

/**
 * A token with the expiry your token endpoint returned beside it. The token's own `exp` wins when
 * it can be decoded; `expiresOn` is what makes encrypted (JWE) or opaque tokens usable.
 */
export interface TokenWithExpiry {
  token: string;
  /** A Date, an ISO 8601 string (as the service and the edge endpoint send) or Unix milliseconds. */
  expiresOn?: Date | string | number;
}

/** A token string (a JWT) or {@link TokenWithExpiry}. */
export type TokenLike = string | TokenWithExpiry;

/**
 * Fetches a new token, typically from your own backend. Receives an `AbortSignal` that aborts when
 * the credential is disposed or when every `getToken` waiting for this refresh was aborted.
 */
export type TokenRefresher = (abortSignal: AbortSignal) => TokenLike | Promise<TokenLike>;

/** For tests only: the time source and timers of the credential (default: `Date.now` and global timers). */
export interface CredentialClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export interface AcsTokenCredentialOptions {
  /** Resolves a fresh token: a string, or `{ token, expiresOn }` (required for encrypted tokens). */
  tokenRefresher: TokenRefresher;
  /** The first token (e.g. rendered into the page), used until it expires within 10 minutes. */
  token?: TokenLike;
  /**
   * Refresh ahead of time: 10 minutes before expiry, or at half the remaining life (at least 1 s)
   * when already closer; at once when there is no token. Default false (refresh on demand).
   */
  refreshProactively?: boolean;
  /** For tests only: an injectable clock. */
  clock?: CredentialClock;
}

/** The codes `AcsTokenCredential` and `tokenRefresher` reject with (besides the endpoint's own). */
export type CredentialErrorCode =
  | 'Disposed'
  | 'Aborted'
  | 'TokenExpired'
  | 'TokenExpiryUnknown'
  | 'TokenRefreshFailed'
  | 'InvalidToken'
  | 'InvalidArgument'
  | 'NetworkError'
  | 'UnexpectedResponse';

/**
 * A `CommunicationTokenCredential` for the ACS Calling and Chat SDKs, in any runtime, with the
 * refresh rules of `AzureCommunicationTokenCredential`. Errors are `AcsIdentityError`s:
 * `Disposed` after {@link AcsTokenCredential.dispose}, `Aborted`, `TokenExpired` (a static token
 * past its expiry, or a refresher answer that is already expired), `TokenExpiryUnknown` (an
 * encrypted or opaque token without `expiresOn`) and `TokenRefreshFailed` (the refresher threw; the
 * error is the `cause`).
 */
export class AcsTokenCredential implements CommunicationTokenCredential {
  /**
   * A static credential: the token is returned until it expires, then `getToken` rejects with
   * `TokenExpired`.
   * @throws {AcsIdentityError} `InvalidToken` or `TokenExpiryUnknown`.
   */
  constructor(token: TokenLike);
  /**
   * A refreshing credential.
   * @throws {AcsIdentityError} `InvalidArgument`, or `InvalidToken` / `TokenExpiryUnknown` for `options.token`.
   */
  constructor(options: AcsTokenCredentialOptions);
  /** The current token, refreshed first when it expires within 10 minutes. Concurrent calls share one refresh. */
  getToken(options?: CommunicationGetTokenOptions): Promise<AccessToken>;
  /** Clears the timers and cancels a running refresh; `getToken` then rejects with `Disposed`. */
  dispose(): void;
}

export interface TokenRefresherOptions {
  /** Your app's own credential for the endpoint (e.g. the signed-in user's session token), sent as `Bearer`. */
  getAuthToken: (abortSignal?: AbortSignal) => string | Promise<string>;
  /** The fetch to use (default: the global fetch). */
  fetch?: FetchLike;
  /** Token scopes to ask for, sent in the JSON body. */
  scopes?: string[];
  /** Token lifetime in minutes to ask for, sent in the JSON body. */
  expiresInMinutes?: number;
}

/**
 * A {@link TokenRefresher} for your app's edge token endpoint: `POST url` with
 * `Authorization: Bearer <await getAuthToken()>` and, when `scopes` or `expiresInMinutes` is given,
 * the JSON body `{ scopes, expiresInMinutes }`. The answer `{ user, token, expiresOn }` becomes
 * `{ token, expiresOn }`. A non-2xx answer rejects with an `AcsIdentityError` carrying the
 * endpoint's `error.code`, `error.message` and the HTTP `statusCode`.
 * @throws {AcsIdentityError} `InvalidArgument` for bad arguments.
 */
export function tokenRefresher(
  url: string | URL,
  options: TokenRefresherOptions,
): (abortSignal?: AbortSignal) => Promise<TokenWithExpiry>;
