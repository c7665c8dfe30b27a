// The browser app of the size benchmark (ours): create a user and a token, show the user id.
// The connection string comes from the page (#cs=...), as the app's configuration would.
import { CommunicationIdentityClient } from 'acs-identity';

const cs = decodeURIComponent(location.hash.slice('#cs='.length));
const client = new CommunicationIdentityClient(cs);
const { user, token } = await client.createUserAndToken(['chat', 'voip']);
document.body.dataset.user = user.communicationUserId;
document.body.dataset.ok = String(token.length > 0);
