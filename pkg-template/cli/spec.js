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
  help: `Communication connection string. Environment variable: ${CONNECTION_STRING_ENV}.`,
};
const YES = { name: '--yes', aliases: ['-y'], dest: 'yes', flag: true, help: 'Do not prompt for confirmation.' };
const USER = (help) => ({ name: '--user', dest: 'user', required: true, clientTarget: 'user', help });
const SCOPE_HELP = 'List of scopes for an access token ex: chat/voip.';
const SCOPE_DETAILS =
  'Space-separated, or repeat the argument. Scopes: chat, voip, chat.join, chat.join.limited, voip.join.';
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
    description:
      'Azure Communication Services Identity from the command line: the `az communication user-identity` command set, plus a local emulator.',
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
      { name: '--scope', dest: 'scope', multiple: true, required: true, clientTarget: 'scopes', help: `${SCOPE_HELP} ${SCOPE_DETAILS}` },
      CONNECTION_STRING,
      {
        name: '--expires-in-minutes',
        dest: 'expiresInMinutes',
        type: 'int',
        clientTarget: 'tokenExpiresInMinutes',
        help: 'Token lifetime in minutes, from 60 to 1440. Default: 1440 (24 hours).',
      },
      { name: '--user', dest: 'user', clientTarget: 'user', help: 'ACS identifier. Default: a new user is created.' },
    ],
    examples: [
      ['Issue access token', 'token issue --scope chat'],
      ['Issue access token with multiple scopes and user', 'token issue --scope chat voip --user "8:acs:xxxxxx"'],
      ['Issue access token that expires in one hour', 'token issue --scope voip --expires-in-minutes 60'],
      ['Print only the token', 'token issue --scope chat --query token --output tsv'],
    ],
  },
  'issue-access-token': {
    summary: ISSUE_DESCRIPTION,
    deprecated: { redirect: 'token issue' },
    run: 'tokenIssue',
    args: [
      { name: '--scope', aliases: ['-s'], dest: 'scope', multiple: true, required: true, clientTarget: 'scopes', help: SCOPE_HELP },
      CONNECTION_STRING,
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
    args: [USER('ACS identifier.'), CONNECTION_STRING, YES],
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
        name: '--aad-user',
        dest: 'aadUser',
        required: true,
        clientTarget: 'userObjectId',
        help: 'Object ID of an Azure AD user (Teams User) to be verified against the OID claim in the Azure AD access token.',
      },
      {
        name: '--client',
        dest: 'client',
        required: true,
        clientTarget: 'clientId',
        help: 'Client ID of an Azure AD application to be verified against the appId claim in the Azure AD access token.',
      },
      CONNECTION_STRING,
    ],
    examples: [
      [
        'Get token for teams user',
        'token get-for-teams-user --aad-token "aad-123-xyz" --client "app-id-123-xyz" --aad-user "aad-user-id-123-xyz"',
      ],
    ],
  },
  'user create': {
    summary: 'Creates a new ACS Identity.',
    run: 'userCreate',
    args: [
      CONNECTION_STRING,
      {
        name: '--custom-id',
        dest: 'customId',
        clientTarget: 'customId',
        help: 'Your own id for the user (1 to 256 characters): the same custom id always maps to the same ACS Identity (preview api-version).',
      },
    ],
    examples: [
      ['Create a user', 'user create'],
      ['Create (or find) the user of a custom id', 'user create --custom-id "alice@contoso"'],
    ],
  },
  'user delete': {
    summary: 'Deletes an existing ACS Identity, revokes all tokens for that ACS Identity and deletes all associated data.',
    run: 'userDelete',
    confirm: true,
    args: [USER('ACS identifier.'), CONNECTION_STRING, YES],
    examples: [['Delete a user', 'user delete --user "8:acs:xxxxxx"']],
  },
  'user show': {
    summary: 'Shows an ACS Identity: its custom id and when a token was last issued for it (preview api-version).',
    run: 'userShow',
    args: [USER('ACS identifier.'), CONNECTION_STRING],
    examples: [['Show a user', 'user show --user "8:acs:xxxxxx"']],
  },
  emulator: {
    summary: 'Runs a local ACS Identity emulator (development and tests only) until interrupted.',
    description:
      'Prints one line when ready: AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=http://127.0.0.1:<port>/;accesskey=<key>. Request logs go to stderr. Every argument is passed to the emulator as is.',
    run: 'emulator',
    passthrough: true,
    args: [
      { name: '--access-key', help: 'Base64 access key. Default: the one stored in --data, else random.' },
      { name: '--data', help: 'Persist identities, revocations and the signing key in this file.' },
      { name: '--faults', flag: true, help: 'Enable fault injection (POST/GET/DELETE /emulator/faults).' },
      { name: '--host', help: 'Interface to listen on.  Default: 127.0.0.1.' },
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
