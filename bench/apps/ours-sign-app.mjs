// The browser app of the signing-only size benchmark (ours): sign one ACS request with
// `acs-identity/sign` and send it. The access key comes from the page (#key=...), as the app's
// configuration would.
import { signRequest } from 'acs-identity/sign';

const accessKey = decodeURIComponent(location.hash.slice('#key='.length));
const url = `${location.origin}/identities?api-version=2025-06-30`;
const body = JSON.stringify({ createTokenWithScopes: ['chat'] });
const headers = signRequest({ method: 'POST', url, body, accessKey });
document.body.dataset.ok = String(headers.authorization.startsWith('HMAC-SHA256 '));
document.body.dataset.signed = JSON.stringify(headers);
