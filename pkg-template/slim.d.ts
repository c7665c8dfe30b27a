export * from './index.js';

/** What `init` accepts: where or what the client's `acs_identity_bg.wasm` is. */
export type WasmSource =
  | URL
  | string
  | Request
  | Response
  | Promise<Response>
  | BufferSource
  | WebAssembly.Module;

/** Loads the module once; call before anything else. Later calls return the same promise. */
export function init(source: WasmSource): Promise<void>;

/** Synchronous load from bytes or a compiled module. */
export function initSync(source: BufferSource | WebAssembly.Module): void;
