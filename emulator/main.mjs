#!/usr/bin/env node
// CLI entry of the ACS Identity emulator.
//
//   node emulator/main.mjs [--port N] [--host H] [--access-key KEY] [--data FILE]
//                          [--tls-cert F --tls-key F] [--faults] [--quiet] [--help]
//
// When ready it prints exactly one line to stdout:
//   AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=http://127.0.0.1:<port>/;accesskey=<key>
// Request logs go to stderr (never keys, signatures or tokens). SIGINT/SIGTERM close cleanly.

import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isBase64 } from './auth.mjs';
import { startEmulator } from './server.mjs';

export const USAGE = `Usage: node emulator/main.mjs [options]

A local ACS Identity emulator (dev/test only).

Options:
  --port N             TCP port to listen on (default 0: any free port)
  --host H             interface to listen on (default 127.0.0.1)
  --access-key KEY     base64 access key (default: the one stored in --data, else random)
  --data FILE          persist identities, revocations and the signing key in FILE
  --tls-cert FILE      PEM certificate: serve https (needs --tls-key)
  --tls-key FILE       PEM private key of --tls-cert
  --faults             enable fault injection (POST/GET/DELETE /emulator/faults)
  --quiet              no request log on stderr
  -h, --help           show this help

Prints one line when ready:
  AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=http://127.0.0.1:<port>/;accesskey=<key>
`;

class UsageError extends Error {}

const VALUE_FLAGS = { '--port': 'port', '--host': 'host', '--access-key': 'accessKey', '--data': 'data', '--tls-cert': 'tlsCert', '--tls-key': 'tlsKey' };
const BOOL_FLAGS = { '--faults': 'faults', '--quiet': 'quiet', '--help': 'help', '-h': 'help' };

/**
 * Parse the emulator's command-line flags.
 * @param {string[]} argv arguments after the script name
 * @returns {{port?: number, host?: string, accessKey?: string, data?: string, tlsCert?: string, tlsKey?: string, faults?: boolean, quiet?: boolean, help?: boolean}}
 * @throws {Error} with a user-facing message on a bad flag
 */
export function parseArgs(argv) {
  /** @type {Record<string, any>} */
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (Object.hasOwn(BOOL_FLAGS, name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value.`);
      out[BOOL_FLAGS[name]] = true;
      continue;
    }
    if (!Object.hasOwn(VALUE_FLAGS, name)) throw new UsageError(`Unknown option '${arg}'.`);
    let value;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`${name} needs a value.`);
    }
    if (value === '') throw new UsageError(`${name} needs a non-empty value.`);
    out[VALUE_FLAGS[name]] = value;
  }
  if (out.port !== undefined) {
    if (!/^\d+$/.test(out.port) || Number(out.port) > 65535) throw new UsageError(`--port must be an integer in [0, 65535], got '${out.port}'.`);
    out.port = Number(out.port);
  }
  if (out.accessKey !== undefined && !isBase64(out.accessKey)) {
    throw new UsageError('--access-key must be base64 (e.g. 32 random bytes encoded).');
  }
  if (Boolean(out.tlsCert) !== Boolean(out.tlsKey)) throw new UsageError('--tls-cert and --tls-key must be given together.');
  for (const f of ['tlsCert', 'tlsKey']) {
    if (out[f] && !fs.existsSync(out[f])) throw new UsageError(`${f === 'tlsCert' ? '--tls-cert' : '--tls-key'}: no such file '${out[f]}'.`);
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
    stderr.write(`acs-identity emulator: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    stdout.write(USAGE);
    return 0;
  }

  let emulator;
  try {
    emulator = await startEmulator({
      port: opts.port ?? 0,
      host: opts.host ?? '127.0.0.1',
      accessKey: opts.accessKey,
      data: opts.data,
      tlsCert: opts.tlsCert,
      tlsKey: opts.tlsKey,
      faults: Boolean(opts.faults),
      log: opts.quiet ? null : (line) => stderr.write(`${line}\n`),
    });
  } catch (e) {
    stderr.write(`acs-identity emulator: cannot start: ${e.message}\n`);
    return 1;
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
