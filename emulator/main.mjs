#!/usr/bin/env node
// CLI entry of the ACS Identity emulator.
//
//   acs-identity emulator [--port N] [--host H] [--access-key KEY] [--data FILE]
//                         [--tls-cert F --tls-key F] [--cors-origin O]... [--faults] [--quiet] [--help]
//   (node emulator/main.mjs ... from a clone)
//
// When ready it prints exactly one line to stdout:
//   AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=http://127.0.0.1:<port>/;accesskey=<key>
// Request logs go to stderr (never keys, signatures or tokens). SIGINT/SIGTERM close cleanly.

import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isBase64 } from './auth.mjs';
import { closeMatches } from './difflib.mjs';
import { isLoopbackHost, normalizeOrigin, startEmulator } from './server.mjs';

export const PROG = 'acs-identity emulator';

export const USAGE = `Usage: ${PROG} [options]
       (or, from a clone of the repository: node emulator/main.mjs [options])

A local ACS Identity emulator (development and tests only).

Options:
  --port N             TCP port to listen on (default 0: any free port)
  --host H             interface to listen on (default 127.0.0.1; 0.0.0.0 in a container,
                       so that other containers and the host can reach it)
  --access-key KEY     base64 access key (default: the one stored in --data, else random)
  --data FILE          persist identities, revocations and the signing key in FILE
  --tls-cert FILE      PEM certificate: serve https (needs --tls-key)
  --tls-key FILE       PEM private key of --tls-cert
  --cors-origin ORIGIN also let web pages on ORIGIN (e.g. https://app.example:8443) call it;
                       pages on localhost, 127.0.0.0/8 and [::1] always may (repeatable)
  --faults             enable fault injection (POST/GET/DELETE /emulator/faults)
  --quiet              no request log on stderr
  -h, --help           show this help

Prints one line when ready:
  AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=http://127.0.0.1:<port>/;accesskey=<key>
`;

class UsageError extends Error {}

const VALUE_FLAGS = {
  '--port': 'port',
  '--host': 'host',
  '--access-key': 'accessKey',
  '--data': 'data',
  '--tls-cert': 'tlsCert',
  '--tls-key': 'tlsKey',
  '--cors-origin': 'corsOrigins',
};
const REPEATABLE = new Set(['corsOrigins']);
const BOOL_FLAGS = { '--faults': 'faults', '--quiet': 'quiet', '--help': 'help', '-h': 'help' };
/** Values that look like secrets are not echoed in messages. */
const SECRET_LIKE = /accesskey=|eyJ[A-Za-z0-9_-]{8,}\.|signature=/i;
const echo = (v) => (SECRET_LIKE.test(v) ? 'REDACTED' : v);

/** The closest known flag to a mistyped one (ratio ≥ 0.7, as difflib.get_close_matches). */
export function suggestFlag(name) {
  const known = [...Object.keys(VALUE_FLAGS), ...Object.keys(BOOL_FLAGS)].filter((f) => f.startsWith('--'));
  return closeMatches(name, known, { n: 1 })[0];
}

/**
 * Parse the emulator's command-line flags.
 * @param {string[]} argv arguments after the script name
 * @returns {{port?: number, host?: string, accessKey?: string, data?: string, tlsCert?: string, tlsKey?: string, corsOrigins?: string[], faults?: boolean, quiet?: boolean, help?: boolean}}
 * @throws {Error} with a user-facing message on a bad flag (in the CLI's words)
 */
export function parseArgs(argv) {
  /** @type {Record<string, any>} */
  const out = {};
  const unknown = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (Object.hasOwn(BOOL_FLAGS, name)) {
      if (eq > 0) throw new UsageError(`argument ${name}: ignored explicit argument '${echo(arg.slice(eq + 1))}'`);
      out[BOOL_FLAGS[name]] = true;
      continue;
    }
    if (!Object.hasOwn(VALUE_FLAGS, name)) {
      unknown.push(arg);
      continue;
    }
    let value;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined || (value.startsWith('-') && value.length > 1 && !/^-\d/.test(value))) {
        throw new UsageError(`argument ${name}: expected one argument`);
      }
    }
    if (value === '') throw new UsageError(`argument ${name}: expected a non-empty value`);
    const dest = VALUE_FLAGS[name];
    if (REPEATABLE.has(dest)) out[dest] = [...(out[dest] ?? []), value];
    else out[dest] = value;
  }
  if (unknown.length) {
    const flag = unknown.find((u) => u.startsWith('-') && u.length > 1);
    const s = flag && suggestFlag(flag.split('=')[0]);
    throw new UsageError(`unrecognized arguments: ${unknown.map(echo).join(' ')}${s ? ` Did you mean '${s}'?` : ''}`);
  }
  if (out.port !== undefined) {
    if (!/^\d+$/.test(out.port)) throw new UsageError(`argument --port: invalid int value: '${echo(out.port)}'`);
    if (Number(out.port) > 65535) throw new UsageError(`argument --port: must be in [0, 65535], got ${out.port}`);
    out.port = Number(out.port);
  }
  if (out.accessKey !== undefined && !isBase64(out.accessKey)) {
    throw new UsageError('argument --access-key: must be base64 (e.g. 32 random bytes encoded)');
  }
  if (Boolean(out.tlsCert) !== Boolean(out.tlsKey)) throw new UsageError('--tls-cert and --tls-key must be given together');
  for (const f of ['tlsCert', 'tlsKey']) {
    if (out[f] && !fs.existsSync(out[f])) throw new UsageError(`argument ${f === 'tlsCert' ? '--tls-cert' : '--tls-key'}: no such file '${out[f]}'`);
  }
  if (out.corsOrigins) {
    out.corsOrigins = out.corsOrigins.map((o) => {
      try {
        return normalizeOrigin(o);
      } catch {
        throw new UsageError(`argument --cors-origin: '${echo(o)}' is not an origin such as https://app.example:8443 (scheme, host and port only)`);
      }
    });
  }
  return out;
}

/**
 * Run the emulator CLI until SIGINT/SIGTERM.
 * @param {string[]} argv arguments after the script name, e.g. `['--port', '0']`
 * @param {{stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream, signal?: AbortSignal}} [io]
 *   streams to write to; `signal` also stops the emulator (for embedding)
 * @returns {Promise<number>} the exit code: 0 after a clean stop or --help, 1 when it cannot start, 2 on bad flags
 */
export async function main(argv, io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr.write(`ERROR: ${e.message}\nRun '${PROG} --help' for usage.\n`);
    return 2;
  }
  if (opts.help) {
    stdout.write(USAGE);
    return 0;
  }

  const host = opts.host ?? '127.0.0.1';
  let emulator;
  try {
    emulator = await startEmulator({
      port: opts.port ?? 0,
      host,
      accessKey: opts.accessKey,
      data: opts.data,
      tlsCert: opts.tlsCert,
      tlsKey: opts.tlsKey,
      faults: Boolean(opts.faults),
      corsOrigins: opts.corsOrigins,
      log: opts.quiet ? null : (line) => stderr.write(`${line}\n`),
    });
  } catch (e) {
    stderr.write(`ERROR: ${PROG} cannot start: ${e.message}\n`);
    return 1;
  }
  if (!isLoopbackHost(host)) {
    stderr.write(
      `WARNING: listening on ${host}: other machines (or containers) can reach this emulator, its dev routes ` +
        `(tokens, faults, stats) need no key. Use it only on a trusted network.\n`,
    );
  }
  // Handlers first: a supervisor may signal as soon as it reads the ready line.
  const stopped = new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      emulator.close().then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
  stdout.write(`AZURE_COMMUNICATION_CONNECTION_STRING=${emulator.connectionString}\n`);
  return stopped;
}

function isEntryPoint() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`acs-identity emulator: ${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
