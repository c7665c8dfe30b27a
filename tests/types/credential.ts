// Type-checked (tsc --noEmit, strict) against the built package: the credential API as users write
// it, and wrong uses rejected (each @ts-expect-error must be an error).
import {
  AcsIdentityError,
  AcsTokenCredential,
  decodeAccessToken,
  isAcsIdentityError,
  tokenRefresher,
  type AccessToken,
  type AccessTokenInfo,
  type CommunicationTokenCredential,
  type CredentialErrorCode,
  type TokenRefresher,
} from 'acs-identity';

const info: AccessTokenInfo = decodeAccessToken('a.b.c');
const user: string | undefined = info.communicationUserId;
const scopes: string[] = info.scopes;
const issued: Date | undefined = info.issuedAt;
const expires: Date = info.expiresOn;
const claims: Record<string, unknown> = info.claims;
void [user, scopes, issued, expires, claims];

// @ts-expect-error the token is a string
decodeAccessToken(42);

const fromString = new AcsTokenCredential('a.b.c');
const fromJwe = new AcsTokenCredential({ token: 'a.b.c.d.e', expiresOn: new Date() });
const refresher: TokenRefresher = async (signal) => {
  void signal.aborted;
  return { token: 'x', expiresOn: '2030-01-01T00:00:00Z' };
};
const refreshing = new AcsTokenCredential({ tokenRefresher: refresher, refreshProactively: true, token: 'a.b.c' });
const simple = new AcsTokenCredential({ tokenRefresher: async () => 'a.b.c' });
const edge = new AcsTokenCredential({
  tokenRefresher: tokenRefresher('/api/acs-token', {
    getAuthToken: async () => 'session',
    scopes: ['chat', 'voip'],
    expiresInMinutes: 60,
    fetch: (input, init) => fetch(input, init),
  }),
});
edge.dispose();

// @ts-expect-error tokenRefresher must be a function
new AcsTokenCredential({ tokenRefresher: 'nope' });
// @ts-expect-error getAuthToken is required
tokenRefresher('/api/acs-token', {});

/** The interface of @azure/communication-common, written out: the credential must fit it. */
interface AbortSignalLikeSdk {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: (this: AbortSignalLikeSdk, ev: unknown) => unknown, options?: unknown): void;
  removeEventListener(type: 'abort', listener: (this: AbortSignalLikeSdk, ev: unknown) => unknown, options?: unknown): void;
}
interface SdkCredential {
  getToken(options?: { abortSignal?: AbortSignalLikeSdk }): Promise<{ token: string; expiresOnTimestamp: number }>;
  dispose(): void;
}
const forSdk: SdkCredential[] = [fromString, fromJwe, refreshing, simple];
const asInterface: CommunicationTokenCredential = refreshing;
void forSdk;

async function use(): Promise<void> {
  try {
    const t: AccessToken = await asInterface.getToken({ abortSignal: new AbortController().signal });
    const ms: number = t.expiresOnTimestamp;
    void ms;
  } catch (e) {
    if (isAcsIdentityError(e, 'TokenRefreshFailed')) {
      const c: 'TokenRefreshFailed' = e.code;
      const cause: unknown = e.cause;
      void [c, cause];
    }
    const codes: CredentialErrorCode[] = ['Disposed', 'Aborted', 'TokenExpired', 'TokenExpiryUnknown'];
    void codes;
    if (e instanceof AcsIdentityError) void e.statusCode;
  }
}
void use;
