// The command lines of the az golden suite, shared by scripts/record-az-golden.mjs (which runs the
// real `az communication user-identity` on them and writes tests/cli/golden/<id>.json) and
// tests/cli/golden.test.mjs (which runs `acs-identity` on the same lines and compares).
//
// `argv` is what follows `az communication user-identity` (and `acs-identity`). Placeholders in
// argv and env are filled in per run by prepareCase:
//   <USER>               an existing identity
//   <MISSING_USER>       a well-formed identity of this resource that does not exist (deleted)
//   <CONNECTION_STRING>  the emulator's connection string (https)
//   <CA_BUNDLE>          the PEM file of the emulator's self-signed certificate
//   <AAD_TOKEN> <AAD_USER> <CLIENT>  an Entra-like Teams token minted by the emulator, its oid, its appid
// Unless a case says otherwise, the connection string comes from AZURE_COMMUNICATION_CONNECTION_STRING
// and the certificate from REQUESTS_CA_BUNDLE.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call } from '../emulator/helpers.mjs';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const ENV_CS = { AZURE_COMMUNICATION_CONNECTION_STRING: '<CONNECTION_STRING>', REQUESTS_CA_BUNDLE: '<CA_BUNDLE>' };
const NO_CS = { REQUESTS_CA_BUNDLE: '<CA_BUNDLE>' };
const TEAMS = ['--aad-token', '<AAD_TOKEN>', '--client', '<CLIENT>', '--aad-user', '<AAD_USER>'];

/** @type {{ id: string, about: string, argv: string[], env?: Record<string,string>, stdin?: string, tty?: boolean }[]} */
export const CASES = [
  // ---- user create, every output format ----------------------------------------------------------
  { id: 'user-create', about: 'user create (seed command), default json', argv: ['user', 'create'] },
  { id: 'user-create-jsonc', about: 'jsonc without a terminal', argv: ['user', 'create', '-o', 'jsonc'] },
  { id: 'user-create-table', about: 'table', argv: ['user', 'create', '-o', 'table'] },
  { id: 'user-create-tsv', about: 'tsv', argv: ['user', 'create', '-o', 'tsv'] },
  { id: 'user-create-yaml', about: 'yaml', argv: ['user', 'create', '-o', 'yaml'] },
  { id: 'user-create-yamlc', about: 'yamlc without a terminal', argv: ['user', 'create', '--output', 'yamlc'] },
  { id: 'user-create-none', about: 'none', argv: ['user', 'create', '-o', 'none'] },
  { id: 'user-create-query-rawid', about: '--query rawId -o tsv (the scripting idiom)', argv: ['user', 'create', '--query', 'rawId', '-o', 'tsv'] },
  { id: 'user-create-query-id', about: '--query properties.id', argv: ['user', 'create', '--query', 'properties.id'] },
  {
    id: 'user-create-connection-string-flag',
    about: 'connection string by argument',
    argv: ['user', 'create', '--connection-string', '<CONNECTION_STRING>'],
    env: NO_CS,
  },
  { id: 'user-create-missing-connection-string', about: 'no connection string anywhere', argv: ['user', 'create'], env: NO_CS },
  {
    id: 'user-create-invalid-connection-string',
    about: 'a connection string without an access key',
    argv: ['user', 'create', '--connection-string', 'endpoint=https://127.0.0.1:9/'],
    env: NO_CS,
  },
  { id: 'user-create-unknown-argument', about: 'an unknown argument', argv: ['user', 'create', '--custom'] },
  { id: 'user-create-bad-output', about: 'a bad --output value', argv: ['user', 'create', '-o', 'xml'] },
  { id: 'user-create-ssl-cert-file', about: 'trust through SSL_CERT_FILE', argv: ['user', 'create', '--query', 'rawId', '-o', 'tsv'], env: { AZURE_COMMUNICATION_CONNECTION_STRING: '<CONNECTION_STRING>', SSL_CERT_FILE: '<CA_BUNDLE>' } },

  // ---- token issue -------------------------------------------------------------------------------------
  { id: 'token-issue', about: 'token issue (seed command): a new user and a token', argv: ['token', 'issue', '--scope', 'chat'] },
  { id: 'token-issue-two-scopes', about: 'two scopes after one flag', argv: ['token', 'issue', '--scope', 'chat', 'voip'] },
  { id: 'token-issue-repeated-scope', about: 'the flag repeated: the last one wins', argv: ['token', 'issue', '--scope', 'chat', '--scope', 'voip', '--query', 'user_id != null'] },
  { id: 'token-issue-user', about: 'for an existing user', argv: ['token', 'issue', '--scope', 'voip', '--user', '<USER>'] },
  { id: 'token-issue-jsonc', about: 'jsonc', argv: ['token', 'issue', '--scope', 'chat', '-o', 'jsonc'] },
  { id: 'token-issue-table', about: 'table', argv: ['token', 'issue', '--scope', 'chat', '--user', '<USER>', '-o', 'table'] },
  { id: 'token-issue-tsv', about: 'tsv', argv: ['token', 'issue', '--scope', 'chat', '-o', 'tsv'] },
  { id: 'token-issue-yaml', about: 'yaml', argv: ['token', 'issue', '--scope', 'chat', '-o', 'yaml'] },
  { id: 'token-issue-yamlc', about: 'yamlc', argv: ['token', 'issue', '--scope', 'chat', '-o', 'yamlc'] },
  { id: 'token-issue-none', about: 'none', argv: ['token', 'issue', '--scope', 'chat', '-o', 'none'] },
  { id: 'token-issue-query-token', about: '--query token -o tsv', argv: ['token', 'issue', '--scope', 'chat', '--query', 'token', '-o', 'tsv'] },
  { id: 'token-issue-query-expires', about: '--query expires_on (json string)', argv: ['token', 'issue', '--scope', 'chat', '--query', 'expires_on'] },
  {
    id: 'token-issue-query-object',
    about: '--query with a multiselect hash, table',
    argv: ['token', 'issue', '--scope', 'chat', '--query', '{user:user_id, expires:expires_on}', '-o', 'table'],
  },
  { id: 'token-issue-unknown-scope', about: 'a scope the service does not know (sent, the service answers)', argv: ['token', 'issue', '--scope', 'chatx'] },
  { id: 'token-issue-not-found', about: 'a user that does not exist', argv: ['token', 'issue', '--scope', 'chat', '--user', '<MISSING_USER>'] },
  { id: 'token-issue-malformed-user', about: 'a user id the service cannot parse', argv: ['token', 'issue', '--scope', 'chat', '--user', 'not-an-acs-id'] },
  { id: 'token-issue-missing-scope', about: 'the required --scope missing', argv: ['token', 'issue'] },
  { id: 'token-issue-scope-without-value', about: '--scope without a value', argv: ['token', 'issue', '--scope'] },
  { id: 'token-issue-missing-connection-string', about: 'no connection string', argv: ['token', 'issue', '--scope', 'chat'], env: NO_CS },
  { id: 'token-issue-misspelled', about: 'a misspelled command', argv: ['token', 'isue', '--scope', 'chat'] },
  { id: 'token-issue-misspelled-flag', about: 'a misspelled flag', argv: ['token', 'issue', '--scopes', 'chat'] },

  // ---- issue-access-token (deprecated) -------------------------------------------------------------
  { id: 'issue-access-token', about: 'issue-access-token (seed command, deprecated)', argv: ['issue-access-token', '--scope', 'chat'] },
  { id: 'issue-access-token-short-flags', about: '-s and -u', argv: ['issue-access-token', '-s', 'chat', 'voip', '-u', '<USER>'] },
  { id: 'issue-access-token-only-show-errors', about: '--only-show-errors hides the deprecation warning', argv: ['issue-access-token', '--scope', 'voip', '--only-show-errors', '-o', 'tsv', '--query', 'user_id'] },

  // ---- token revoke ---------------------------------------------------------------------------------------
  { id: 'token-revoke', about: 'token revoke --yes (seed command)', argv: ['token', 'revoke', '--user', '<USER>', '--yes'] },
  { id: 'token-revoke-no-tty', about: 'no --yes and no terminal', argv: ['token', 'revoke', '--user', '<USER>'] },
  { id: 'token-revoke-not-found', about: 'a user that does not exist', argv: ['token', 'revoke', '--user', '<MISSING_USER>', '--yes'] },
  { id: 'token-revoke-missing-user', about: 'the required --user missing', argv: ['token', 'revoke', '--yes'] },
  { id: 'token-revoke-tty-no', about: "answering 'n' on a terminal", argv: ['token', 'revoke', '--user', '<USER>'], stdin: 'n\n', tty: true },

  // ---- token get-for-teams-user --------------------------------------------------------------------------
  { id: 'teams', about: 'token get-for-teams-user (seed command)', argv: ['token', 'get-for-teams-user', ...TEAMS] },
  { id: 'teams-table', about: 'table', argv: ['token', 'get-for-teams-user', ...TEAMS, '-o', 'table'] },
  {
    id: 'teams-client-not-guid',
    about: 'a client id that is not a GUID (sent, the service answers)',
    argv: ['token', 'get-for-teams-user', '--aad-token', '<AAD_TOKEN>', '--client', 'app-id-123-xyz', '--aad-user', '<AAD_USER>'],
  },
  {
    id: 'teams-wrong-client',
    about: 'a GUID client id that is not the token appid',
    argv: ['token', 'get-for-teams-user', '--aad-token', '<AAD_TOKEN>', '--client', '00000000-0000-0000-0000-000000000001', '--aad-user', '<AAD_USER>'],
  },
  { id: 'teams-missing-arguments', about: 'every required argument missing', argv: ['token', 'get-for-teams-user'] },
  { id: 'teams-missing-two', about: 'two required arguments missing', argv: ['token', 'get-for-teams-user', '--client', '<CLIENT>'] },

  // ---- user delete ------------------------------------------------------------------------------------
  { id: 'user-delete', about: 'user delete --yes (seed command)', argv: ['user', 'delete', '--user', '<USER>', '--yes'] },
  { id: 'user-delete-y', about: '-y', argv: ['user', 'delete', '--user', '<USER>', '-y'] },
  { id: 'user-delete-no-tty', about: 'no --yes and no terminal', argv: ['user', 'delete', '--user', '<USER>'] },
  { id: 'user-delete-not-found', about: 'a user that does not exist', argv: ['user', 'delete', '--user', '<MISSING_USER>', '--yes'] },
  { id: 'user-delete-missing-user', about: 'the required --user missing', argv: ['user', 'delete', '--yes'] },
  { id: 'user-delete-tty-no', about: "answering 'n' on a terminal", argv: ['user', 'delete', '--user', '<USER>'], stdin: 'n\n', tty: true },

  // ---- groups and misspellings ------------------------------------------------------------------------
  { id: 'group-root', about: 'the group without a subcommand', argv: [] },
  { id: 'group-token', about: 'a subgroup without a subcommand', argv: ['token'] },
  { id: 'group-misspelled', about: 'a misspelled subgroup', argv: ['tokn', 'issue', '--scope', 'chat'] },

  // ---- help at each level --------------------------------------------------------------------------------
  { id: 'help-root', about: '-h on the group', argv: ['-h'] },
  { id: 'help-token', about: '-h on token', argv: ['token', '-h'] },
  { id: 'help-user', about: '--help on user', argv: ['user', '--help'] },
  { id: 'help-token-issue', about: '-h on token issue', argv: ['token', 'issue', '-h'] },
  { id: 'help-token-revoke', about: '-h on token revoke', argv: ['token', 'revoke', '-h'] },
  { id: 'help-teams', about: '-h on token get-for-teams-user', argv: ['token', 'get-for-teams-user', '-h'] },
  { id: 'help-user-create', about: '-h on user create', argv: ['user', 'create', '-h'] },
  { id: 'help-user-delete', about: '-h on user delete', argv: ['user', 'delete', '-h'] },
  { id: 'help-issue-access-token', about: '-h on issue-access-token', argv: ['issue-access-token', '-h'] },
].map((c) => ({ ...c, env: c.env ?? ENV_CS }));

// ---- running a case ------------------------------------------------------------------------------------

async function createIdentity(emu, ca) {
  const r = await call(emu, 'POST', '/identities', { json: {}, ca });
  if (r.status !== 201) throw new Error(`create identity: ${r.status} ${r.text}`);
  return r.json.identity.id;
}

async function deletedIdentity(emu, ca) {
  const id = await createIdentity(emu, ca);
  const r = await call(emu, 'DELETE', `/identities/${encodeURIComponent(id)}`, { ca });
  if (r.status !== 204) throw new Error(`delete identity: ${r.status} ${r.text}`);
  return id;
}

async function teamsToken(emu, ca) {
  const appId = '0d6e4f4a-7b8c-4d2e-9f10-a1b2c3d4e5f6';
  const userId = '6c5b4a39-2817-4f6e-8d5c-4b3a29180716';
  const r = await call(emu, 'POST', '/emulator/teams-token', { json: { appId, userId }, ca, unsigned: true, apiVersion: null });
  if (r.status !== 200) throw new Error(`teams token: ${r.status} ${r.text}`);
  return { token: r.json.token, appId, userId };
}

/**
 * Fills in a case's placeholders: makes the users and tokens it needs.
 * @returns {Promise<{ argv: string[], env: Record<string,string>, values: Record<string,string> }>}
 */
export async function prepareCase(c, { emu, caFile, ca }) {
  const values = { CONNECTION_STRING: emu.connectionString, CA_BUNDLE: caFile };
  const text = JSON.stringify([c.argv, c.env]);
  if (text.includes('<USER>')) values.USER = await createIdentity(emu, ca);
  if (text.includes('<MISSING_USER>')) values.MISSING_USER = await deletedIdentity(emu, ca);
  if (text.includes('<AAD_TOKEN>')) {
    const t = await teamsToken(emu, ca);
    Object.assign(values, { AAD_TOKEN: t.token, CLIENT: t.appId, AAD_USER: t.userId });
  }
  const fill = (s) => s.replace(/<([A-Z_]+)>/g, (m, k) => values[k] ?? m);
  return {
    argv: c.argv.map(fill),
    env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, fill(v)])),
    values,
  };
}

// ---- normalisation ------------------------------------------------------------------------------

const ACS_ID = /8:acs:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const DATE_TIME = /\d{4}-\d{2}-\d{2}([T ])\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?/g;

/**
 * The variable parts of an output replaced by placeholders that keep their shape: known values by
 * their name (`<USER>`, `<CONNECTION_STRING>`, ...), other identities by `<ID1>`, `<ID2>`, ... in
 * order of appearance, tokens by `<TOKEN>`, times by `<TIME:yyyy-mm-ddThh:mm:ss.fffffff+00:00>`
 * (the exact pattern of digits and separators), the emulator's port by `<PORT>`.
 * @param {string} text
 * @param {Record<string,string>} values
 */
export function normaliseOutput(text, values) {
  let out = text;
  const known = Object.entries(values).sort((a, b) => b[1].length - a[1].length);
  for (const [name, value] of known) if (value) out = out.split(value).join(`<${name}>`);
  const ids = new Map();
  out = out.replace(ACS_ID, (m) => {
    if (!ids.has(m)) ids.set(m, `<ID${ids.size + 1}>`);
    return ids.get(m);
  });
  out = out.replace(JWT, '<TOKEN>');
  out = out.replace(DATE_TIME, (m, sep, frac = '', zone = '') => {
    const shape = `yyyy-mm-dd${sep}hh:mm:ss${frac ? `.${'f'.repeat(frac.length - 1)}` : ''}${zone}`;
    return `<TIME:${shape}>`;
  });
  return out.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<PORT>');
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Runs `command` in a pseudo-terminal (util-linux `script`), typing `stdin` at the first `(y/n):`
 * prompt; resolves `{ exitCode, stdout }` with the terminal's transcript as stdout. Killed after
 * `timeoutMs`.
 */
export function runInTerminal(command, { env, stdin, script = 'script', timeoutMs = 30_000 }) {
  const cmd = command.map(shq).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(script, ['-qec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => {
      output += d;
      if (stdin !== undefined && !typed && output.includes('(y/n):')) {
        typed = true;
        child.stdin.write(stdin.replace(/\n$/, '\r'));
      }
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ exitCode: code, stdout: output });
    });
  });
}
