// acs-identity/sign, type-checked (tsc --noEmit, strict) against the installed package: signing
// alone, with the same types and the same error class as `acs-identity`.
import * as main from 'acs-identity';
import {
  AcsIdentityError,
  isAcsIdentityError,
  parseConnectionString,
  signRequest,
  type SignRequestOptions,
  type SignedRequestHeaders,
} from 'acs-identity/sign';
// @ts-expect-error the client is not part of acs-identity/sign
import { CommunicationIdentityClient } from 'acs-identity/sign';
// @ts-expect-error nor is decodeAccessToken
import { decodeAccessToken } from 'acs-identity/sign';

const options: SignRequestOptions = { method: 'GET', url: 'https://x/', accessKey: 'pw==', date: 0 };
const headers: SignedRequestHeaders = signRequest(options);
const same: main.SignedRequestHeaders = headers;
const endpoint: string = parseConnectionString('endpoint=https://x/;accesskey=pw==').endpoint;
// @ts-expect-error the options are required
signRequest();
// @ts-expect-error a body is a string or bytes
signRequest({ ...options, body: 42 });

try {
  signRequest({ method: 'GET', url: 'https://x/', connectionString: 'endpoint=https://x/;accesskey=pw==' });
} catch (e) {
  if (isAcsIdentityError(e, 'InvalidUrl')) {
    const code: 'InvalidUrl' = e.code;
    void code;
  }
  // One class: an error of either entry is the other's AcsIdentityError.
  const mine: AcsIdentityError = new main.AcsIdentityError('x');
  const theirs: main.AcsIdentityError = new AcsIdentityError('x', { code: 'InvalidArgument' });
  void mine;
  void theirs;
}

void same;
void endpoint;
void CommunicationIdentityClient;
void decodeAccessToken;
