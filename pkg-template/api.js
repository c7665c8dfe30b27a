// The public API, shared by every entry point. Loaders instantiate the wasm module first.
export { AcsIdentityError, isAcsIdentityError } from './errors.js';
export { signRequest, parseConnectionString, CommunicationIdentityClient } from './acs_identity.js';
export { AcsTokenCredential, tokenRefresher, decodeAccessToken } from './credential.js';
