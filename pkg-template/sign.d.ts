// acs-identity/sign: request signing alone (a much smaller .wasm than the client's).
export {
  AcsIdentityError,
  isAcsIdentityError,
  signRequest,
  parseConnectionString,
} from './index.js';
export type {
  AcsIdentityErrorCode,
  AcsIdentityErrorProps,
  AcsIdentityLocalErrorCode,
  AcsIdentityServiceErrorCode,
  SignRequestOptions,
  SignedRequestHeaders,
} from './index.js';
