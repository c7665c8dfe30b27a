// Type-checked (tsc --noEmit, strict) against the installed package: proves the shipped .d.ts
// describe the API, and that wrong uses are rejected (each @ts-expect-error must be an error).
import {
  AcsIdentityError,
  isAcsIdentityError,
  parseConnectionString,
  signRequest,
  type SignedRequestHeaders,
} from 'acs-identity';
import { init } from 'acs-identity/slim';

const headers: SignedRequestHeaders = signRequest({
  method: 'POST',
  url: 'https://res.communication.azure.com/identities?api-version=2025-06-30',
  body: new Uint8Array([1, 2]),
  accessKey: 'pw==',
  date: new Date(),
});
const auth: string = headers.authorization;
const endpoint: string = parseConnectionString('endpoint=https://x/;accesskey=pw==').endpoint;

try {
  signRequest({ method: 'GET', url: 'https://x/', connectionString: 'endpoint=https://x/;accesskey=pw==' });
} catch (e) {
  if (isAcsIdentityError(e, 'InvalidAccessKey')) {
    const code: 'InvalidAccessKey' = e.code;
    const status: number | undefined = e.statusCode;
    void code;
    void status;
  }
  if (e instanceof AcsIdentityError) console.log(e.code, e.target, e.requestId);
}

void init(new URL('https://cdn.example/acs_identity_bg.wasm'));

// @ts-expect-error method is required
signRequest({ url: 'https://x/', accessKey: 'pw==' });
// @ts-expect-error body cannot be a number
signRequest({ method: 'GET', url: 'https://x/', accessKey: 'pw==', body: 42 });
// @ts-expect-error the result has no `signature` field
void signRequest({ method: 'GET', url: 'https://x/', accessKey: 'pw==' }).signature;

export { auth, endpoint };

// ---- the client ----
import { CommunicationIdentityClient, type CommunicationUserToken } from 'acs-identity';
const client = new CommunicationIdentityClient('endpoint=https://x/;accesskey=pw==', { apiVersion: '2025-06-30', retry: { maxRetries: 1 } });
new CommunicationIdentityClient('https://x/', { key: 'pw==' });
new CommunicationIdentityClient('https://x/', { getToken: async () => ({ token: 't', expiresOnTimestamp: 0 }) });
async function useClient(): Promise<Date> {
  const r: CommunicationUserToken = await client.createUserAndToken(['chat', 'voip'], { tokenExpiresInMinutes: 60 });
  await client.getToken(r.user, ['chat.join'], { abortSignal: new AbortController().signal, timeoutMs: 1000 });
  await client.revokeTokens(r.user.communicationUserId);
  // @ts-expect-error unknown scope
  await client.getToken(r.user, ['admin']);
  // Any api-version string is accepted (sent as given, as the official SDK sends it).
  new CommunicationIdentityClient('endpoint=https://x/;accesskey=pw==', { apiVersion: '2099-01-01' });
  // @ts-expect-error an api-version is a string
  new CommunicationIdentityClient('endpoint=https://x/;accesskey=pw==', { apiVersion: 20990101 });
  return r.expiresOn;
}
void useClient;
