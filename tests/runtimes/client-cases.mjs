// Client cases (need the emulator); filled in with the CommunicationIdentityClient.
export const clientCases = [];
