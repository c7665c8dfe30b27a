// The browser app of the credential size benchmark (ours): what a calling/chat page runs — a
// refreshing token credential fed by the app's own token endpoint. No access key in the browser.
import { AcsTokenCredential, tokenRefresher } from 'acs-identity/credential';

const credential = new AcsTokenCredential({
  tokenRefresher: tokenRefresher('/token', { getAuthToken: async () => sessionStorage.getItem('appToken') ?? '' }),
  refreshProactively: true,
});
const { expiresOnTimestamp } = await credential.getToken();
document.body.dataset.expires = String(expiresOnTimestamp);
