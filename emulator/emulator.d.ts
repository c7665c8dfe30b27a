// Types of `acs-identity/emulator`: a local ACS Identity service for development and tests.
// See emulator/README.md for the routes, the checks it enforces and the dev-only helpers.

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /** TCP port to listen on; 0 (the default) picks any free port. */
  port?: number;
  /**
   * Interface to listen on (default `'127.0.0.1'`). Use `'0.0.0.0'` in a container so that the
   * host and other containers can reach it; the emulator is then open to the network.
   */
  host?: string;
  /** Base64 access key. Default: the key stored in `data`, else 32 random bytes. */
  accessKey?: string;
  /** JSON file persisting the resource (identities, revocations, access and signing keys). */
  data?: string;
  /** PEM certificate path; with `tlsKey`, the emulator serves https. */
  tlsCert?: string;
  /** PEM private-key path of `tlsCert`. */
  tlsKey?: string;
  /** Enable fault injection (`POST/GET/DELETE /emulator/faults`). Default false. */
  faults?: boolean;
  /**
   * Origins (`scheme://host[:port]`) whose pages may call the emulator from a browser, besides
   * loopback ones (localhost, 127.0.0.0/8, [::1]), which always may. Other origins get 403.
   */
  corsOrigins?: string[];
  /** Close connections whose headers take longer than this (default 10000 ms). */
  headersTimeoutMs?: number;
  /** Close connections whose whole request takes longer than this (default 30000 ms). */
  requestTimeoutMs?: number;
  /** Request log sink: one line per request (`POST /identities 201 1.2ms`), never a secret. */
  log?: ((line: string) => void) | null;
  /** Test hook: the emulator's clock in epoch milliseconds (default `Date.now`). */
  clock?: () => number;
}

/** A running emulator, as {@link startEmulator} resolves it. */
export interface EmulatorHandle {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** `url` plus `/`: the endpoint of the connection string. */
  readonly endpoint: string;
  /** The port it listens on. */
  readonly port: number;
  /** The base64 access key requests must be signed with. */
  readonly accessKey: string;
  /** `endpoint=<endpoint>;accesskey=<key>`, for `CommunicationIdentityClient` or the CLI. */
  readonly connectionString: string;
  /** The emulated resource's GUID (in every identity id it creates). */
  readonly resourceId: string;
  /** Stop listening and close every connection. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Start an ACS Identity emulator.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'acs-identity/emulator';
 * const emulator = await startEmulator({ faults: true });
 * const client = new CommunicationIdentityClient(emulator.connectionString);
 * // ...
 * await emulator.close();
 * ```
 * @throws TypeError on a bad option (port, access key, TLS pair, CORS origin).
 */
export function startEmulator(options?: EmulatorOptions): Promise<EmulatorHandle>;
