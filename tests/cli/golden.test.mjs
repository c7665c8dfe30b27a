// The az golden suite: what the real `az communication user-identity` printed (recorded by
// scripts/record-az-golden.mjs into tests/cli/golden/*.json, with the az, extension and SDK
// versions) for each command line, against what `acs-identity` prints for the same line, run
// against the emulator over TLS (trusted through REQUESTS_CA_BUNDLE, as az was). Exit code, stdout
// and stderr must be equal after the same normalisation of ids, tokens and times, and after the
// documented differences below (what only az prints, what only we add).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { GOLDEN_DIR, normaliseOutput, prepareCase, runInTerminal } from './golden-cases.mjs';
import { CLI, childEnv, pkgDir, scriptPath, startEmulator } from './helpers.mjs';

const goldens = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(GOLDEN_DIR, f), 'utf8')));

// ---- what only az prints (removed from the recorded output before comparing) ----------------------

const AZ_PROG = 'az communication user-identity';
const AZ_ONLY = [
  // az's preview notice for the command group (the issue: "az's preview warning belongs to az").
  [/^WARNING: Command group '[^']+' is in preview and under development\. Reference and support levels: https:\/\/aka\.ms\/CLI_refstatus\n/gm, ''],
  [/^\x1b\[36mCommand group '[^']+' is in preview and under development\. Reference and support levels: https:\/\/aka\.ms\/CLI_refstatus\x1b\[0m\r?\n/gm, ''],
  // az's note that a command comes from an extension (we have no extensions).
  [/^WARNING: This command is from the following extension: communication\n/gm, ''],
];
const AZ_ONLY_HELP = [
  // The same preview notice inside help texts (indented, wrapped).
  [/^ {8}WARNING: (?:(?!WARNING:)[^])*?in preview and under\s+development\.(?:(?!WARNING:)[^])*?https:\/\/aka\.ms\/CLI_refstatus\n/gm, ''],
  // Arguments az has for every Azure resource command: Azure Policy and the subscription.
  [/\nGlobal Policy Arguments\n(?: {4}.*\n)+/g, '\n'],
  [/^ {4}--subscription .*\n(?: {5,}.*\n)*/gm, ''],
  // Two missing spaces in the extension's help strings, which ours spells out.
  [/applicationto be verified/g, 'application to be verified'],
  [/Azure AD user\(Teams User\)/g, 'Azure AD user (Teams User)'],
];

/** Per-case differences kept on purpose (each with its reason), applied instead of equality. */
const KEPT = {
  'user-create-invalid-connection-string': {
    why: "az crashes with a Python traceback (the SDK's ValueError is not handled); we print the SDK's message and what is wrong, without the traceback",
    check(ours, az) {
      assert.equal(ours.exitCode, az.exitCode);
      assert.equal(ours.stdout, '');
      const azLine = az.stderr.split('\n').find((l) => l.startsWith('ERROR: Invalid connection string.'));
      assert.ok(azLine);
      assert.equal(ours.stderr.split('\n')[0], azLine);
      assert.doesNotMatch(ours.stderr, /Traceback/);
    },
  },
  'token-issue-unknown-scope': {
    why: "the client speaks api-version 2025-06-30, az's SDK (azure-communication-identity 1.5.0) 2023-10-01, and the emulator's message names the version",
    check(ours, az) {
      const sameVersion = (t) => t.replace(/api-version \d{4}-\d{2}-\d{2}(?:-preview)?/g, 'api-version <API_VERSION>');
      assert.match(az.stderr, /api-version 2023-10-01/);
      assert.match(ours.stderr, /api-version 2025-06-30/);
      assert.equal(ours.exitCode, az.exitCode);
      assert.equal(ours.stdout, az.stdout);
      assert.equal(sameVersion(ours.stderr), sameVersion(az.stderr.replace(/^WARNING: Command group .*\n/m, '')));
    },
  },
  'user-create-ssl-cert-file': {
    why: 'az (Python requests, which trusts certifi) ignores SSL_CERT_FILE and fails the TLS handshake; we honour it as OpenSSL tools do',
    check(ours, az) {
      assert.equal(az.exitCode, 1);
      assert.match(az.stderr, /CERTIFICATE_VERIFY_FAILED/);
      assert.equal(ours.exitCode, 0, ours.stderr);
      assert.equal(ours.stdout, '<ID1>\n');
      assert.equal(ours.stderr, '');
    },
  },
};

/** Our additions to az's help (flags, commands, examples), listed in the package's command table. */
async function additions() {
  const { TREE } = await import(pathToFileURL(join(pkgDir, 'cli', 'spec.js')).href);
  const names = new Set();
  const examples = new Set();
  for (const [path, node] of Object.entries(TREE)) {
    if (node.addition) names.add(path.split(' ').pop());
    for (const a of node.args ?? []) if (a.addition) names.add(a.name);
    for (const e of node.examples ?? []) if (e[2]?.addition) examples.add(e[0]);
  }
  return { names, examples };
}

/** Our help without the rows and examples that document our additions. */
function withoutAdditions(text, { names, examples }) {
  const lines = text.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const row = /^ {4}(\S+)(?: \S+)* *: /.exec(lines[i]);
    if (row && names.has(row[1])) {
      while (i + 1 < lines.length && /^ {5,}\S/.test(lines[i + 1]) && !/^ {4}\S/.test(lines[i + 1])) i++;
      continue;
    }
    if (/^ {4}\S/.test(lines[i]) && examples.has(lines[i].trim())) {
      while (i + 1 < lines.length && /^ {8}\S/.test(lines[i + 1])) i++;
      if (lines[i + 1] === '') i++;
      continue;
    }
    out.push(lines[i]);
  }
  // A section whose rows were all additions goes too.
  return out.join('\n').replace(/\n(?:Subgroups|Commands):\n(?=\n|$)/g, '\n');
}

const collapse = (s) => s.replace(/\s+/g, ' ').trim();

// ---- running our CLI ---------------------------------------------------------------------------------

const TRUST_VARS = ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'ACS_IDENTITY_CA_LOADED'];

function envFor(extra) {
  const env = childEnv();
  for (const k of TRUST_VARS) delete env[k];
  return { ...env, ...extra };
}

function runOurs(argv, env, stdin) {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, ...argv], { env: envFor(env), timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(Object.assign(err, { stdout, stderr }));
      else resolve({ exitCode: err ? err.code : 0, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** In a pseudo-terminal, typing `stdin` at the y/n prompt: the terminal's transcript as stdout. */
async function runOursInPty(argv, env, stdin) {
  const r = await runInTerminal([process.execPath, CLI, ...argv], { env: envFor(env), stdin, script: scriptPath });
  return { ...r, stderr: '' };
}

// ---- the suite -------------------------------------------------------------------------------------------

function makeCert(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], {
      stdio: 'ignore',
      timeout: 20_000,
    });
  } catch {
    return undefined;
  }
  return { cert, key, pem: readFileSync(cert, 'utf8') };
}

const dir = mkdtempSync(join(tmpdir(), 'acs-golden-'));
const tls = makeCert(dir);

describe('az golden outputs', { skip: !tls && 'the openssl CLI is not available to make a certificate', concurrency: 4 }, () => {
  let emu;
  let extras;
  before(async () => {
    emu = await startEmulator({ port: 0, tlsCert: tls.cert, tlsKey: tls.key });
    extras = await additions();
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`at least 50 recorded command lines, each from the same az, extension and SDK`, () => {
    assert.ok(goldens.length >= 50, `${goldens.length} cases`);
    const versions = new Set(goldens.map((g) => `${g.az} ${g.extension} ${g.identityPackage}`));
    assert.equal(versions.size, 1, [...versions].join(', '));
  });

  for (const g of goldens) {
    const skip = g.tty && !scriptPath ? 'util-linux `script` (a pseudo-terminal) is not installed' : false;
    test(`${g.id}: ${g.argv.slice(2).join(' ') || '(no arguments)'}`, { skip }, async () => {
      const c = { argv: g.argv.slice(2), env: g.env ?? {} };
      const prepared = await prepareCase(c, { emu, caFile: tls.cert, ca: tls.pem });
      const raw = g.tty
        ? await runOursInPty(prepared.argv, prepared.env, g.stdin)
        : await runOurs(prepared.argv, prepared.env, g.stdin);
      const ours = {
        exitCode: raw.exitCode,
        stdout: normaliseOutput(raw.stdout, prepared.values),
        stderr: normaliseOutput(raw.stderr, prepared.values),
      };
      if (KEPT[g.id]) return KEPT[g.id].check(ours, g);

      const isHelp = g.id.startsWith('help-');
      const azText = (s) => {
        let t = s;
        for (const [re, to] of AZ_ONLY) t = t.replace(re, to);
        if (isHelp) for (const [re, to] of AZ_ONLY_HELP) t = t.replace(re, to);
        return t.split(AZ_PROG).join('acs-identity');
      };
      const expected = { exitCode: g.exitCode, stdout: azText(g.stdout), stderr: azText(g.stderr) };
      const what = `az: ${JSON.stringify(expected, null, 1)}\nours: ${JSON.stringify(ours, null, 1)}`;
      assert.equal(ours.exitCode, expected.exitCode, `exit code\n${what}`);
      if (isHelp) {
        // The program name is shorter than az's, so the text wraps at other places: compare words.
        assert.equal(collapse(withoutAdditions(ours.stdout, extras)), collapse(expected.stdout), what);
        assert.equal(ours.stderr, expected.stderr, what);
      } else {
        assert.equal(ours.stdout, expected.stdout, `stdout\n${what}`);
        assert.equal(ours.stderr, expected.stderr, `stderr\n${what}`);
      }
    });
  }
});
