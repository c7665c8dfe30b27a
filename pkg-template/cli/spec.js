// The command table of the `acs-identity` CLI: the `az communication user-identity` command set
// (plus `user show`, `user create --custom-id`, `token issue --expires-in-minutes` and `emulator`).
// Pure data: no imports, so that `--help`, `--version` and usage errors load nothing else.

export const PROG = 'acs-identity';

export const OUTPUT_FORMATS = ['json', 'jsonc', 'none', 'table', 'tsv', 'yaml', 'yamlc'];

export const CONNECTION_STRING_ENV = 'AZURE_COMMUNICATION_CONNECTION_STRING';

/** Global arguments, accepted anywhere on the command line. */
export const GLOBAL_ARGS = [
  { name: '--debug', dest: 'debug', flag: true, help: 'Increase logging verbosity to show all debug logs.' },
  { name: '--help', aliases: ['-h'], dest: 'help', flag: true, help: 'Show this help message and exit.' },
  { name: '--only-show-errors', dest: 'onlyShowErrors', flag: true, help: 'Only show errors, suppressing warnings.' },
  {
    name: '--output',
    aliases: ['-o'],
    dest: 'output',
    choices: OUTPUT_FORMATS,
    choicesShown: ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none'],
    help: `Output format.  Allowed values: ${OUTPUT_FORMATS.join(', ')}.  Default: json.`,
  },
  {
    name: '--query',
    dest: 'query',
    help: 'JMESPath query string. See http://jmespath.org/ for more information and examples.',
  },
  { name: '--verbose', dest: 'verbose', flag: true, help: 'Increase logging verbosity. Use --debug for full debug logs.' },
];

const CONNECTION_STRING = {
  name: '--connection-string',
  dest: 'connectionString',
  secret: true,
  group: 'Communication',
  help: `Communication connection string. Environment variable: ${CONNECTION_STRING_ENV}.`,
};
/** Marks an example as ours (shown in --help, not among az's examples after an argument error). */
const OURS = { addition: true };
const INSECURE = {
  name: '--allow-insecure-connection',
  dest: 'allowInsecureConnection',
  flag: true,
  group: 'Communication',
  addition: true,
  help: 'Allow a plain-http endpoint that is not loopback (e.g. an emulator at http://emulator:4000 in docker-compose). Development only: keys sign the requests but tokens travel unencrypted.',
};
const YES = { name: '--yes', aliases: ['-y'], dest: 'yes', flag: true, help: 'Do not prompt for confirmation.' };
const USER = (help) => ({ name: '--user', dest: 'user', required: true, clientTarget: 'user', help });
const SCOPE_HELP = 'List of scopes for an access token ex: chat/voip.';
const ISSUE_DESCRIPTION =
  'Issues a new access token with the specified scopes for a given User Identity. If no User Identity is specified, creates a new User Identity as well.';

/**
 * Groups and commands, keyed by their path below the program name. A command has `args`
 * (besides the global ones), `examples` and `run` (the handler's name in commands.js).
 */
export const TREE = {
  '': {
    group: true,
    summary: 'Commands to manage user identities and their tokens for a Communication Service resource.',
  },
  token: {
    group: true,
    summary: 'Commands to manage user tokens for a Communication Service resource.',
  },
  user: {
    group: true,
    summary: 'Commands to manage user identities for a Communication Service resource.',
  },
  'token issue': {
    summary: ISSUE_DESCRIPTION,
    run: 'tokenIssue',
    args: [
      { name: '--scope', dest: 'scope', multiple: true, required: true, clientTarget: 'scopes', help: SCOPE_HELP },
      CONNECTION_STRING,
      INSECURE,
      {
        name: '--expires-in-minutes',
        dest: 'expiresInMinutes',
        addition: true,
        type: 'int',
        clientTarget: 'tokenExpiresInMinutes',
        help: 'Token lifetime in minutes, from 60 to 1440. Default: 1440 (24 hours).',
      },
      { name: '--user', dest: 'user', clientTarget: 'user', help: 'ACS identifier.' },
    ],
    examples: [
      ['Issue access token', 'token issue --scope chat'],
      ['Issue access token with multiple scopes and user', 'token issue --scope chat voip --user "8:acs:xxxxxx"'],
      ['Issue access token that expires in one hour', 'token issue --scope voip --expires-in-minutes 60', OURS],
      ['Print only the token', 'token issue --scope chat --query token --output tsv', OURS],
    ],
  },
  'issue-access-token': {
    summary: ISSUE_DESCRIPTION,
    deprecated: { redirect: 'token issue' },
    hidden: true,
    run: 'tokenIssue',
    args: [
      { name: '--scope', aliases: ['-s'], dest: 'scope', multiple: true, required: true, clientTarget: 'scopes', help: SCOPE_HELP },
      CONNECTION_STRING,
      INSECURE,
      { name: '--userid', aliases: ['-u'], dest: 'user', clientTarget: 'user', help: 'ACS identifier.' },
    ],
    examples: [
      ['Issue access token', 'issue-access-token --scope chat'],
      ['Issue access token with multiple scopes and user', 'issue-access-token --scope chat voip --userid "8:acs:xxxxxx"'],
    ],
  },
  'token revoke': {
    summary: 'Revokes all access tokens for the specific ACS Identity.',
    run: 'tokenRevoke',
    confirm: true,
    args: [USER('ACS identifier.'), CONNECTION_STRING, INSECURE, YES],
    examples: [['Revoke access tokens', 'token revoke --user "8:acs:xxxxxx"']],
  },
  'token get-for-teams-user': {
    summary:
      'Exchanges an Azure Active Directory (Azure AD) access token of a Teams user for a new ACS Identity access token with a matching expiration time.',
    run: 'tokenGetForTeamsUser',
    args: [
      {
        name: '--aad-token',
        dest: 'aadToken',
        required: true,
        secret: true,
        clientTarget: 'teamsUserAadToken',
        help: 'Azure AD access token of a Teams User.',
      },
      {
        name: '--client',
        dest: 'client',
        required: true,
        clientTarget: 'clientId',
        help: 'Client ID of an Azure AD application to be verified against the appId claim in the Azure AD access token.',
      },
      {
        name: '--aad-user',
        dest: 'aadUser',
        required: true,
        clientTarget: 'userObjectId',
        help: 'Object ID of an Azure AD user (Teams User) to be verified against the OID claim in the Azure AD access token.',
      },
      CONNECTION_STRING,
      INSECURE,
    ],
    examples: [
      [
        'Get token for teams user',
        'token get-for-teams-user --aad-token "aad-123-xyz" --client "app-id-123-xyz" --aad-user "uid"',
      ],
    ],
  },
  'user create': {
    summary: 'Creates a new ACS Identity.',
    run: 'userCreate',
    args: [
      CONNECTION_STRING,
      INSECURE,
      {
        name: '--custom-id',
        dest: 'customId',
        addition: true,
        clientTarget: 'customId',
        help: 'Your own id for the user (1 to 256 characters): the same custom id always maps to the same ACS Identity (preview api-version).',
      },
    ],
    examples: [
      ['Create ACS user', 'user create'],
      ['Create (or find) the user of a custom id', 'user create --custom-id "alice@contoso"', OURS],
    ],
  },
  'user delete': {
    summary: 'Deletes an existing ACS Identity, revokes all tokens for that ACS Identity and deletes all associated data.',
    run: 'userDelete',
    confirm: true,
    args: [USER('ACS identifier.'), CONNECTION_STRING, INSECURE, YES],
    examples: [['Delete ACS user', 'user delete --user "8:acs:xxxxxx"']],
  },
  'user show': {
    summary: 'Shows an ACS Identity: its custom id and when a token was last issued for it (preview api-version).',
    run: 'userShow',
    addition: true,
    args: [USER('ACS identifier.'), CONNECTION_STRING, INSECURE],
    examples: [['Show a user', 'user show --user "8:acs:xxxxxx"']],
  },
  'dev-token': {
    summary: 'Prints an HS256 app token (JWT) that the token endpoint (acs-identity/worker) accepts with the same settings. For development only.',
    description:
      'For development and tests only: whoever holds the secret can sign a token for any user, so real apps get their tokens from their own sign-in. The token has sub, iat, nbf and exp (and iss / aud when given), matching AUTH_JWT_SECRET, AUTH_ISSUER and AUTH_AUDIENCE of the endpoint.',
    run: 'devToken',
    local: true,
    addition: true,
    args: [
      { name: '--secret', dest: 'secret', required: true, secret: true, help: 'The endpoint\'s AUTH_JWT_SECRET (at least 32 bytes).' },
      { name: '--sub', dest: 'sub', required: true, help: 'The app user id (the token\'s sub claim).' },
      { name: '--aud', dest: 'aud', help: 'The audience (aud claim), as the endpoint\'s AUTH_AUDIENCE.' },
      { name: '--iss', dest: 'iss', help: 'The issuer (iss claim), as the endpoint\'s AUTH_ISSUER.' },
      { name: '--ttl-minutes', dest: 'ttlMinutes', type: 'int', help: 'Lifetime in minutes, from 1 to 1440.  Default: 60.' },
    ],
    examples: [
      ['A token for alice', 'dev-token --sub alice --secret "$AUTH_JWT_SECRET"'],
      [
        'Call a local endpoint with it',
        'curl -X POST -H "Authorization: Bearer $(acs-identity dev-token --sub alice --secret "$AUTH_JWT_SECRET")" http://127.0.0.1:8787/token',
      ],
    ],
  },
  emulator: {
    summary: 'Runs a local ACS Identity emulator (development and tests only) until interrupted.',
    description:
      'Prints one line when ready: AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=http://127.0.0.1:<port>/;accesskey=<key>. Request logs go to stderr. Every argument is passed to the emulator as is.',
    run: 'emulator',
    passthrough: true,
    local: true,
    addition: true,
    args: [
      { name: '--access-key', help: 'Base64 access key. Default: the one stored in --data, else random.' },
      { name: '--cors-origin', help: 'Also answer CORS for this origin (repeatable); loopback origins always are, any other origin gets 403.' },
      { name: '--data', help: 'Persist identities, revocations and the signing key in this file.' },
      { name: '--faults', flag: true, help: 'Enable fault injection (POST/GET/DELETE /emulator/faults).' },
      { name: '--host', help: 'Interface to listen on (0.0.0.0 in a container).  Default: 127.0.0.1.' },
      { name: '--port', help: 'TCP port to listen on.  Default: 0 (any free port).' },
      { name: '--quiet', flag: true, help: 'No request log on stderr.' },
      { name: '--tls-cert', help: 'PEM certificate: serve https (needs --tls-key).' },
      { name: '--tls-key', help: 'PEM private key of --tls-cert.' },
    ],
    examples: [
      ['Run an emulator on port 8080', 'emulator --port 8080'],
      ['Use it from another shell', 'export AZURE_COMMUNICATION_CONNECTION_STRING="endpoint=http://127.0.0.1:8080/;accesskey=..."'],
    ],
  },
};

/** The child names of a group path ('' is the root), groups and commands alike. */
export function children(path) {
  const depth = path === '' ? 0 : path.split(' ').length;
  return Object.keys(TREE)
    .filter((k) => k !== '' && k.split(' ').length === depth + 1 && (path === '' || k.startsWith(`${path} `)))
    .map((k) => k.split(' ').pop())
    .sort();
}
