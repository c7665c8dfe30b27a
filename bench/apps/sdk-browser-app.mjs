// The browser app of the size benchmark (the official SDK): the same app as ours-browser-app.mjs.
// allowInsecureConnection: the emulator of the functional check is plain http.
import { CommunicationIdentityClient } from '@azure/communication-identity';

const cs = decodeURIComponent(location.hash.slice('#cs='.length));
const client = new CommunicationIdentityClient(cs, { allowInsecureConnection: true });
const { user, token } = await client.createUserAndToken(['chat', 'voip']);
document.body.dataset.user = user.communicationUserId;
document.body.dataset.ok = String(token.length > 0);
