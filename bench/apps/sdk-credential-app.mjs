// The browser app of the credential size benchmark (the SDK): the same page with the official
// AzureCommunicationTokenCredential and a refresher calling the app's own token endpoint.
import { AzureCommunicationTokenCredential } from '@azure/communication-common';

const credential = new AzureCommunicationTokenCredential({
  tokenRefresher: async () => {
    const res = await fetch('/token', { method: 'POST', headers: { authorization: `Bearer ${sessionStorage.getItem('appToken') ?? ''}` } });
    return (await res.json()).token;
  },
  refreshProactively: true,
});
const { expiresOnTimestamp } = await credential.getToken();
document.body.dataset.expires = String(expiresOnTimestamp);
