// The CLI's help, version and argument errors (exit 2, az's wording and ending), and that none of
// them loads the wasm client. tests/cli/golden.test.mjs compares the same against recorded az output.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, pkgDir, run, runDir, startEmulator } from './helpers.mjs';

const NO_STACK = /\n\s+at .+:\d+:\d+/;
// A connection string whose endpoint has nothing listening: commands that reach the network fail.
const DEAD = 'endpoint=http://127.0.0.1:9/;accesskey=c2VjcmV0LWtleS1ub3QtdXNlZC1vbi10aGUtd2lyZQ==';
const MISSING_CS = 'Please specify --connection-string, or set AZURE_COMMUNICATION_CONNECTION_STRING.';

const REFERENCE = '\nhttps://aka.ms/cli_ref\nRead more about the command in reference docs\n';

/** Assert a usage error: exit 2 (or `code`), `ERROR: <message>` on stderr, nothing on stdout, no stack. */
async function usageError(args, expected, opts = {}) {
  const r = await run(args, opts);
  assert.equal(r.code, opts.code ?? 2, `exit code of ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const first = r.stderr.split('\n')[0];
  if (expected instanceof RegExp) assert.match(first, expected);
  else assert.equal(first, `ERROR: ${expected}`);
  assert.doesNotMatch(r.stderr, NO_STACK);
  return r;
}

describe('help and version', () => {
  const PATHS = [
    [],
    ['token'],
    ['user'],
    ['token', 'issue'],
    ['issue-access-token'],
    ['token', 'revoke'],
    ['token', 'get-for-teams-user'],
    ['user', 'create'],
    ['user', 'delete'],
    ['user', 'show'],
    ['emulator'],
  ];

  test('--help on every group and command (and -h on some): az-style text, exit 0', async () => {
    await Promise.all(
      PATHS.flatMap((p) =>
        (p.length === 0 || p[0] === 'emulator' || p[1] === 'delete' || p.join(' ') === 'token' ? ['--help', '-h'] : ['--help']).map(async (flag) => {
          const r = await run([...p, flag]);
          assert.equal(r.code, 0, `${p.join(' ')} ${flag}: ${r.stderr}`);
          assert.equal(r.stderr, '');
          const isGroup = p.length === 0 || (p.length === 1 && ['token', 'user'].includes(p[0]));
          assert.match(r.stdout, new RegExp(`^\\n${isGroup ? 'Group' : 'Command'}\\n    acs-identity${p.length ? ` ${p.join(' ')}` : ''} : `));
          if (isGroup) assert.match(r.stdout, /\nCommands:\n/);
          else {
            assert.match(r.stdout, /\nArguments\n/);
            assert.match(r.stdout, /\nExamples\n/);
            if (p[0] !== 'emulator') {
              assert.match(r.stdout, /\nGlobal Arguments\n/);
              assert.match(r.stdout, /    --output -o +: Output format\. +Allowed values: json, jsonc, none, table, tsv,\s+yaml, yamlc\. +Default: json\./);
              assert.match(r.stdout, /    --query +: JMESPath query string/);
            }
          }
        }),
      ),
    );
  });

  test('root help lists the groups and commands; the deprecated one is hidden, as in az', async () => {
    const r = await run(['--help']);
    assert.match(r.stdout, /Subgroups:\n    token +: Commands to manage user tokens for a Communication Service resource\.\n    user +: /);
    assert.doesNotMatch(r.stdout, /issue-access-token/);
    assert.match(r.stdout, /    emulator +: Runs a local ACS Identity emulator/);
    assert.match(r.stdout, /    dev-token +: Prints an HS256 app token/);
  });

  test('command help: description, required arguments first, examples', async () => {
    const r = await run(['token', 'issue', '--help']);
    assert.match(r.stdout, /acs-identity token issue : Issues a new access token with the specified scopes/);
    assert.match(r.stdout, /Arguments\n    --scope \[Required\] +: List of scopes for an access token ex: chat\/voip\./);
    assert.match(r.stdout, /Communication Arguments\n(?: {4}.*\n)*? {4}--connection-string +: Communication connection string\. Environment variable:\s+AZURE_COMMUNICATION_CONNECTION_STRING\./);
    assert.match(r.stdout, /    --expires-in-minutes +: /);
    assert.match(r.stdout, /    --user +: ACS identifier\./);
    assert.match(r.stdout, /Examples\n    Issue access token\n        acs-identity token issue --scope chat\n/);
    const dep = await run(['issue-access-token', '-h']);
    assert.match(dep.stdout, /WARNING: This command has been deprecated and will be removed in a future release\. Use\s+'token issue'\s+instead\./);
    assert.match(dep.stdout, /    --scope -s \[Required\]/);
    assert.match(dep.stdout, /    --userid -u +: ACS identifier\./);
    const del = await run(['user', 'delete', '-h']);
    assert.match(del.stdout, /    --yes -y +: Do not prompt for confirmation\./);
  });

  test('help wins over other mistakes on the same command line', async () => {
    const r = await run(['token', 'issue', '--bogus', '--output', 'xml', '-h']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\nCommand\n    acs-identity token issue/);
  });

  test("no command, or a group alone: az's argument error (exit 2); the group's help lists its commands", async () => {
    for (const args of [[], ['user'], ['token']]) {
      const r = await usageError(args, 'the following arguments are required: _subcommand');
      assert.equal(r.stderr, `ERROR: the following arguments are required: _subcommand\n${REFERENCE}`);
    }
    const group = await run(['user', '-h']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /^\nGroup\n    acs-identity user : [^]*Commands:\n    create +: Creates a new ACS Identity\.\n    delete +: [^]*\n    show +: /);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `acs-identity ${version}\n`);
  });
});

describe('usage errors: exit 2, the argument named, no stack trace', { concurrency: 4 }, () => {
  const cs = ['--connection-string', DEAD];

  test('unknown command: the reference link, no examples', async () => {
    const r = await usageError(['frobnicate'], "'frobnicate' is misspelled or not recognized by the system.");
    assert.equal(r.stderr, `ERROR: 'frobnicate' is misspelled or not recognized by the system.\n${REFERENCE}`);
    await usageError(['user', 'frobnicate'], "'frobnicate' is misspelled or not recognized by the system.");
  });

  test("misspelled commands get az's suggestion, on a line of its own", async () => {
    for (const [args, word, suggestion] of [
      [['tokn'], 'tokn', 'token'],
      [['usr', 'create'], 'usr', 'user'],
      [['user', 'creat'], 'creat', 'create'],
      [['token', 'isue'], 'isue', 'issue'],
      [['revoke'], 'revoke', 'token revoke'],
    ]) {
      const r = await usageError(args, `'${word}' is misspelled or not recognized by the system.`);
      assert.equal(r.stderr.split('\n')[1], `Did you mean '${suggestion}' ?`);
    }
  });

  test("missing arguments end with the command's examples and the reference link", async () => {
    const r = await usageError(['token', 'revoke', '--yes'], 'the following arguments are required: --user');
    assert.equal(
      r.stderr,
      `ERROR: the following arguments are required: --user\n\nExamples from command's help:\nacs-identity token revoke --user "8:acs:xxxxxx"\nRevoke access tokens\n${REFERENCE}`,
    );
  });

  test('missing required arguments', async () => {
    await usageError(['token', 'issue', ...cs], 'the following arguments are required: --scope');
    await usageError(['issue-access-token', ...cs], 'the following arguments are required: --scope/-s');
    await usageError(['token', 'revoke', '--yes', ...cs], 'the following arguments are required: --user');
    await usageError(['user', 'delete', ...cs], 'the following arguments are required: --user');
    await usageError(['user', 'show', ...cs], 'the following arguments are required: --user');
    await usageError(['token', 'get-for-teams-user', '--client', 'c', ...cs], 'the following arguments are required: --aad-token, --aad-user');
    await usageError(['token', 'get-for-teams-user', ...cs], 'the following arguments are required: --aad-token, --client, --aad-user');
  });

  test('an argument without its value', async () => {
    await usageError(['token', 'issue', '--scope', ...cs], 'argument --scope: expected at least one argument');
    await usageError(['token', 'issue', '--scope', 'chat', '--user'], 'argument --user: expected one argument');
    await usageError(['user', 'create', '-o'], 'argument --output/-o: expected one argument');
    await usageError(['user', 'create', '--query', '--debug'], 'argument --query: expected one argument');
  });

  test('bad --output value', async () => {
    await usageError(
      ['user', 'create', '--output', 'xml', ...cs],
      "acs-identity user create: 'xml' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none.",
    );
    await usageError(['-o', 'JSON', 'user', 'create'], /^ERROR: acs-identity: 'JSON' is not a valid value for '--output'\./);
  });

  test('bad --expires-in-minutes: not an integer is refused by the parser', async () => {
    await usageError(['token', 'issue', '--scope', 'chat', '--expires-in-minutes', 'abc', ...cs], "argument --expires-in-minutes: invalid int value: 'abc'");
    await usageError(['token', 'issue', '--scope', 'chat', '--expires-in-minutes', '1.5', ...cs], "argument --expires-in-minutes: invalid int value: '1.5'");
  });

  test('unrecognized arguments (no suggestion, as az)', async () => {
    await usageError(['token', 'issue', '--scope', 'chat', '--usr', 'x', ...cs], 'unrecognized arguments: --usr x');
    await usageError(['user', 'create', 'extra', ...cs], 'unrecognized arguments: extra');
    await usageError(['user', 'create', '--version', ...cs], 'unrecognized arguments: --version');
    await usageError(['--frob', 'user', 'create'], 'unrecognized arguments: --frob user create');
    await usageError(['user', 'delete', '--user', '8:acs:x_y', '--yes=true', ...cs], "argument --yes/-y: ignored explicit argument 'true'");
  });

  test('an unrecognized argument carrying a connection string or token is not echoed', async () => {
    const r = await usageError(['user', 'create', '--connection-strin', DEAD], 'unrecognized arguments: --connection-strin REDACTED');
    assert.ok(!r.stderr.includes('c2VjcmV0'), 'the key is not echoed');
    const r2 = await usageError(['user', 'create', `--connectionstring=${DEAD}`], /^ERROR: unrecognized arguments: --connectionstring=REDACTED/);
    assert.ok(!r2.stderr.includes('c2VjcmV0'));
  });

  test("missing connection string: az's exact message, exit 1", async () => {
    for (const args of [['user', 'create'], ['token', 'issue', '--scope', 'chat'], ['token', 'revoke', '--user', '8:acs:x_y', '--yes']]) {
      const r = await usageError(args, MISSING_CS, { code: 1 });
      assert.equal(r.stderr, `ERROR: ${MISSING_CS}\n`);
    }
    await usageError(['user', 'create'], MISSING_CS, { env: { AZURE_COMMUNICATION_CONNECTION_STRING: '' }, code: 1 });
  });

  test("a malformed connection string: the SDK's message, then its source and what is wrong, never echoed (exit 1)", async () => {
    const bad = 'endpoint=https://x.communication.azure.com/;accesskey=not base64!';
    const r = await usageError(['user', 'create', '--connection-string', bad], /^ERROR: Invalid connection string\. You can get the connection string/, { code: 1 });
    assert.match(r.stderr.split('\n')[1], /^ERROR: argument --connection-string: invalid connection string/);
    assert.ok(!r.stderr.includes('not base64!'));
    const e = await usageError(['user', 'create'], /^ERROR: Invalid connection string\./, {
      env: { AZURE_COMMUNICATION_CONNECTION_STRING: 'garbage' },
      code: 1,
    });
    assert.match(e.stderr.split('\n')[1], /^ERROR: environment variable AZURE_COMMUNICATION_CONNECTION_STRING: invalid connection string/);
    assert.ok(!e.stderr.includes('garbage'));
  });

  test('bad --query expression', async () => {
    await usageError(['user', 'create', '--query', 'rawId[', ...cs], "argument --query: invalid jmespath_type value: 'rawId['");
  });
});

describe("values the service refuses: sent as az sends them, the service's answer is the error (exit 1)", () => {
  let emu;
  before(async () => {
    emu = await startEmulator({ port: 0 });
  });
  after(() => emu?.close());

  async function serviceError(args, expected, code = 1) {
    const r = await run([...args, '--connection-string', emu.connectionString]);
    assert.equal(r.code, code, `exit code of ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.split('\n')[0], expected);
    assert.doesNotMatch(r.stderr, NO_STACK);
    return r;
  }

  test('--expires-in-minutes out of 60..1440', async () => {
    const r = await serviceError(['token', 'issue', '--scope', 'chat', '--expires-in-minutes', '59'], /^ERROR: \(ValidationError\) ExpiresInMinutes value 59 is invalid\./);
    assert.match(r.stderr, /\nCode: ValidationError\nMessage: ExpiresInMinutes value 59 is invalid\./);
    assert.doesNotMatch(r.stderr, /tokenExpiresInMinutes|clientId|scopes\[0\]|userObjectId/);
    await serviceError(['token', 'issue', '--scope', 'chat', '--expires-in-minutes=1441'], /^ERROR: \(ValidationError\) ExpiresInMinutes value 1441 is invalid\./);
  });

  test('an unknown scope, a malformed user id, an empty custom id, malformed Teams ids', async () => {
    await serviceError(['token', 'issue', '--scope', 'chat', 'email'], /^ERROR: \(ValidationError\) .*email/);
    await serviceError(['user', 'show', '--user', 'bob'], /^ERROR: \(IdentityNotFound\) /, 3);
    await serviceError(['user', 'create', '--custom-id', ''], /^ERROR: \(ValidationError\) /);
    await serviceError(['token', 'get-for-teams-user', '--aad-token', 'x', '--client', 'nope', '--aad-user', 'nope'], /^ERROR: \((InvalidAccessToken|ValidationError)\) /);
  });
});

describe('start-up', () => {
  // A copy of the CLI beside a package.json (and the difflib module it shares with the emulator) but
  // without the client or wasm: whatever does not need the service must work (it never imports ../node.js).
  const bare = join(runDir, `bare-package-${process.pid}`);
  before(() => {
    mkdirSync(bare, { recursive: true });
    cpSync(join(pkgDir, 'cli'), join(bare, 'cli'), { recursive: true });
    mkdirSync(join(bare, 'emulator'));
    cpSync(join(pkgDir, 'emulator', 'difflib.mjs'), join(bare, 'emulator', 'difflib.mjs'));
    writeFileSync(join(bare, 'package.json'), readFileSync(join(pkgDir, 'package.json')));
  });
  after(() => rmSync(bare, { recursive: true, force: true }));
  const bareCli = () => join(bare, 'cli', 'main.js');

  test('--help, --version and usage errors never load the wasm client', async () => {
    assert.equal((await run(['--help'], { cli: bareCli() })).code, 0);
    assert.equal((await run(['user', 'delete', '-h'], { cli: bareCli() })).code, 0);
    assert.match((await run(['--version'], { cli: bareCli() })).stdout, /^acs-identity \d+\.\d+\.\d+/);
    assert.equal((await run(['tokn'], { cli: bareCli() })).code, 2);
    assert.equal((await run(['token', 'issue'], { cli: bareCli() })).code, 2);
    assert.equal((await run(['token', 'issue', '--scope', 'chat', '--expires-in-minutes', 'x', '--connection-string', DEAD], { cli: bareCli() })).code, 2);
    // A service command does need it: it fails (exit 1, one ERROR line, no stack trace).
    const r = await run(['user', 'create', '--connection-string', DEAD], { cli: bareCli() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ERROR: /);
    assert.doesNotMatch(r.stderr, NO_STACK);
  });

  test('the installed CLI is quick to answer --help', async () => {
    const t0 = performance.now();
    await run(['--help']);
    assert.ok(performance.now() - t0 < 5000);
    assert.equal(CLI.endsWith(join('acs-identity', 'cli', 'main.js')), true);
  });

  test('the bin link runs the CLI (shebang)', async () => {
    const { execFile } = await import('node:child_process');
    const { dirname } = await import('node:path');
    const bin = join(runDir, 'node_modules', '.bin', 'acs-identity');
    const out = await new Promise((resolve, reject) =>
      execFile(bin, ['--version'], { env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` } }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    assert.match(out, /^acs-identity \d+\.\d+\.\d+/);
  });
});

describe('network failure', () => {
  test('an unreachable service: exit 1 with ERROR: NetworkError', async () => {
    const emu = await startEmulator({ port: 0 });
    const cs = emu.connectionString;
    await emu.close();
    const r = await run(['user', 'create', '--connection-string', cs]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ERROR: NetworkError: .+/);
    assert.doesNotMatch(r.stderr, NO_STACK);
    assert.ok(!r.stderr.includes(emu.accessKey));
  });
});
