// The public API of `acs-identity/sign` (the signing-only binary, acs_identity_sign_bg.wasm),
// shared by its loaders (sign-browser.js, sign-node.js, ...), which instantiate the module first.
import { __signFast, signRequest as signRequestFull } from './acs_identity_sign.js';
import { fastSigner } from './fast-sign.js';

export { AcsIdentityError, isAcsIdentityError } from './errors.js';
export { parseConnectionString } from './acs_identity_sign.js';

export const signRequest = fastSigner(__signFast, signRequestFull);
