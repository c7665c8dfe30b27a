// Internal: what every loader does right after the wasm module is instantiated.
import { __setErrorClass } from './acs_identity.js';
import { AcsIdentityError } from './errors.js';

export function afterInit() {
  __setErrorClass(AcsIdentityError);
}
