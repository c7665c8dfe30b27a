// The official quick-start ("Create and manage access tokens", JavaScript) with one change: the
// import line. Only the connection string comes in as an argument instead of process.env, so the
// same file runs in browsers and workers too.
import { CommunicationIdentityClient } from 'acs-identity';

export async function main(connectionString, log = console.log) {
  log('Azure Communication Services - Access Tokens Quickstart');

  // Instantiate the identity client
  const identityClient = new CommunicationIdentityClient(connectionString);

  // Create an identity
  let identityResponse = await identityClient.createUser();
  log(`\nCreated an identity with ID: ${identityResponse.communicationUserId}`);

  // Issue an access token with a validity of 24 hours and the "voip" scope for an identity
  let tokenResponse = await identityClient.getToken(identityResponse, ['voip']);

  // Get the token and its expiration date from the response
  const { token, expiresOn } = tokenResponse;
  log(`\nIssued an access token with 'voip' scope that expires at ${expiresOn}:`);
  log(token);

  // Issue an access token with a validity of an hour and the "voip" scope for an identity
  const tokenOptions = { tokenExpiresInMinutes: 60 };
  tokenResponse = await identityClient.getToken(identityResponse, ['voip'], tokenOptions);

  // Issue an identity and an access token with a validity of 24 hours and the "voip" scope for the new identity
  let identityTokenResponse = await identityClient.createUserAndToken(['voip']);

  // Get the token, its expiration date, and the user from the response
  const { token: newToken, expiresOn: newExpiresOn, user } = identityTokenResponse;
  log(`\nCreated an identity with ID: ${user.communicationUserId}`);
  log(`\nIssued an access token with 'voip' scope that expires at ${newExpiresOn}:`);
  log(newToken);

  // Refresh an access token: issue a new token for the same identity
  tokenResponse = await identityClient.getToken(identityResponse, ['voip']);

  // Revoke access tokens
  await identityClient.revokeTokens(identityResponse);
  log(`\nSuccessfully revoked all access tokens for identity with ID: ${identityResponse.communicationUserId}`);

  // Delete an identity
  await identityClient.deleteUser(identityResponse);
  log(`\nDeleted the identity with ID: ${identityResponse.communicationUserId}`);

  return { identityResponse, tokenResponse, identityTokenResponse };
}
