#!/usr/bin/env node
// Records what the real Azure CLI prints for `az communication user-identity ...` command lines,
// run against the local emulator over TLS, into tests/cli/golden/<case>.json. Not run in CI: the
// files it writes are data, and tests/cli/golden.test.mjs runs `acs-identity` on the same lines.
//
// One-time setup, outside this repository (az and its extension stay out of the project):
//
//   python3 -m venv /work/az/venv
//   /work/az/venv/bin/pip install azure-cli==2.91.0            # pulls azure-core etc.
//   /work/az/venv/bin/pip install azure-communication-identity==1.5.0
//   # The `communication` extension is not on PyPI: build a wheel from the public source
//   # (Azure/azure-cli-extensions, src/communication; the user-identity commands need
//   # azext_communication/__init__.py, version.py, azext_metadata.json, custom.py and manual/
//   # {commands,_params,_help,_client_factory,_validators,custom}.py), then:
//   /work/az/venv/bin/pip wheel --no-deps -w /work/az/dist /work/az/ext-src
//   export AZURE_CONFIG_DIR=/work/az/config
//   /work/az/venv/bin/az extension add --source /work/az/dist/communication-*.whl --yes
//   /work/az/venv/bin/az config set extension.use_dynamic_install=no auto-upgrade.enable=no core.collect_telemetry=no
//
// Then (the emulator is started here, on a free loopback port, with a throwaway certificate):
//
//   AZ=/work/az/venv/bin/az AZURE_CONFIG_DIR=/work/az/config node scripts/record-az-golden.mjs [case-id ...]
//
// az stays offline: telemetry, survey, dynamic extension install and upgrade checks are off, and
// the only endpoint it is given is the loopback emulator. Each case is run with stdin a pipe (not a
// terminal) unless it says `tty`, in which case it runs in a pseudo-terminal (util-linux `script`).
//
// Values that change from run to run are normalised in the files to placeholders of the same
// shape (see normaliseOutput below and tests/cli/golden.test.mjs, which applies the same rules).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/server.mjs';
import { CASES, GOLDEN_DIR, normaliseOutput, prepareCase, runInTerminal } from '../tests/cli/golden-cases.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const AZ = process.env.AZ ?? 'az';
if (!process.env.AZURE_CONFIG_DIR) {
  console.error('Set AZURE_CONFIG_DIR to the az configuration made in the setup (see the header of this script).');
  process.exit(2);
}

function azVersions() {
  const out = JSON.parse(execFileSync(AZ, ['version', '-o', 'json'], { env: azEnv({}), encoding: 'utf8' }));
  const pip = execFileSync(join(dirname(AZ), 'python'), ['-c', 'import importlib.metadata as m; print(m.version("azure-communication-identity"))'], {
    encoding: 'utf8',
  }).trim();
  return { az: out['azure-cli'], extension: out.extensions?.communication, identityPackage: pip };
}

function azEnv(extra) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(AZURE_COMMUNICATION_|REQUESTS_CA_BUNDLE|SSL_CERT_FILE|CURL_CA_BUNDLE|NODE_EXTRA_CA_CERTS)/.test(k)) delete env[k];
  return {
    ...env,
    AZURE_CORE_COLLECT_TELEMETRY: 'no',
    AZURE_CORE_SURVEY_MESSAGE: 'no',
    AZURE_CORE_NO_COLOR: 'no',
    AZURE_EXTENSION_USE_DYNAMIC_INSTALL: 'no',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...extra,
  };
}

async function runAz(argv, { env, stdin, tty }) {
  if (tty) {
    const r = await runInTerminal([AZ, ...argv], { env, stdin, timeoutMs: 120_000 });
    return { code: r.exitCode, stdout: r.stdout, stderr: '' };
  }
  return new Promise((resolve, reject) => {
    const child = execFile(AZ, argv, { env, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(Object.assign(err, { stdout, stderr }));
      else resolve({ code: err ? err.code : 0, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

async function main() {
  const only = new Set(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'az-golden-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const emu = await startEmulator({ port: 0, tlsCert: cert, tlsKey: key });
  const versions = azVersions();
  console.error(`az ${versions.az}, communication ${versions.extension}, azure-communication-identity ${versions.identityPackage}`);
  mkdirSync(GOLDEN_DIR, { recursive: true });
  // Paths of this machine that az may print (a traceback): named, not kept.
  const local = { AZ_PREFIX: dirname(dirname(execFileSync('which', [AZ], { encoding: 'utf8' }).trim())), AZURE_CONFIG_DIR: process.env.AZURE_CONFIG_DIR };
  let n = 0;
  try {
    for (const c of CASES) {
      if (only.size && !only.has(c.id)) continue;
      const prepared = await prepareCase(c, { emu, caFile: cert, ca: readFileSync(cert, 'utf8') });
      const r = await runAz(['communication', 'user-identity', ...prepared.argv], {
        env: azEnv(prepared.env),
        stdin: c.stdin,
        tty: c.tty,
      });
      const golden = {
        id: c.id,
        about: c.about,
        argv: ['communication', 'user-identity', ...c.argv],
        ...(c.env ? { env: c.env } : {}),
        ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
        tty: Boolean(c.tty),
        exitCode: r.code,
        stdout: normaliseOutput(r.stdout, { ...prepared.values, ...local }),
        stderr: normaliseOutput(r.stderr, { ...prepared.values, ...local }),
        ...versions,
      };
      writeFileSync(join(GOLDEN_DIR, `${c.id}.json`), `${JSON.stringify(golden, null, 2)}\n`);
      n++;
      console.error(`${c.id}: exit ${r.code}`);
    }
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.error(`${n} case(s) written to ${GOLDEN_DIR.slice(root.length + 1)}/`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
