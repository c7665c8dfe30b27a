#!/usr/bin/env node
// acs-identity: the `az communication user-identity` command set, against Azure Communication
// Services or the bundled emulator. Exit codes as az: 0 success, 1 error (service validation,
// network, missing connection string, cancelled confirmation), 2 argument error, 3 not found.
//
// Start-up stays fast: arguments are parsed first; the wasm-backed client (../node.js) and
// jmespath are imported only when a command needs them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, displayName, parseArgv, usageEnding } from './args.js';
import { Logger, accessKeyOf, instrumentedFetch } from './log.js';
import { CONNECTION_STRING_ENV, PROG, TREE } from './spec.js';

const started = performance.now();
/** The command's logger, once created (its scrubber also cleans unexpected errors). */
let activeLog;

/** What az (the Python SDK) says about a connection string it cannot parse. */
const INVALID_CONNECTION_STRING =
  'Invalid connection string. You can get the connection string from your resource page in the Azure Portal. The format should be as follows: endpoint=https://<ResourceUrl>/;accesskey=<KeyValue>';

/** The client's option names, as the flags that set them (for messages about a bad value). */
const FLAG_OF_OPTION = {
  scopes: '--scope',
  tokenExpiresInMinutes: '--expires-in-minutes',
  clientId: '--client',
  userObjectId: '--aad-user',
  teamsUserAadToken: '--aad-token',
  customId: '--custom-id',
  user: '--user',
  communicationUserId: '--user',
};

/**
 * CA bundles az honours (Python requests: REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE; OpenSSL:
 * SSL_CERT_FILE). Node reads extra CAs only at start-up (NODE_EXTRA_CA_CERTS), so the CLI runs
 * itself once more with them in NODE_EXTRA_CA_CERTS (added to Node's own roots).
 * @returns {number | undefined} the exit code of the re-run, or undefined to go on here
 */
function trustCaBundles(argv, log) {
  if (process.env.ACS_IDENTITY_CA_LOADED === '1') return undefined;
  const files = [...new Set(['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE'].map((k) => process.env[k]).filter(Boolean))];
  if (files.length === 0) return undefined;
  for (const f of files) {
    if (!existsSync(f)) {
      log.error(`Could not find a suitable TLS CA certificate bundle, invalid path: ${f}`);
      return 1;
    }
  }
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const all = extra && !files.includes(extra) ? [extra, ...files] : files;
  let dir;
  let bundle = all[0];
  if (all.length > 1) {
    dir = mkdtempSync(join(tmpdir(), 'acs-identity-ca-'));
    bundle = join(dir, 'ca.pem');
    writeFileSync(bundle, all.map((f) => readFileSync(f, 'utf8').trim()).join('\n') + '\n');
  }
  try {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle, ACS_IDENTITY_CA_LOADED: '1' },
    });
    if (r.error) throw r.error;
    return r.status ?? 128 + 1;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** An argument error as az prints it: the message, then examples and the reference link. */
function printUsageError(log, message, path, examples = true) {
  log.error(message);
  process.stderr.write(usageEnding(path, examples));
  return 2;
}

function isLoopbackHost(host) {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function endpointOf(connectionString) {
  for (const part of String(connectionString).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === 'endpoint') {
      try {
        return new URL(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function version() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

/**
 * Ask a y/n question on the terminal (prompt on stderr) as knack's prompt_y_n does: only `y` or `n`
 * (any case) answers; anything else asks again. Resolves to true for y, false for n or end of input.
 */
async function confirm(question) {
  const { createInterface } = await import('node:readline');
  // terminal: false: the terminal echoes the answer itself, as for Python's input().
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  return new Promise((resolve) => {
    let done = false;
    const finish = (v) => {
      done = true;
      rl.close();
      resolve(v);
    };
    rl.on('SIGINT', () => {
      process.stderr.write('\n');
      rl.close();
      process.exit(130);
    });
    rl.on('close', () => {
      if (!done) {
        process.stderr.write('\n');
        done = true;
        resolve(false);
      }
    });
    const askOnce = () =>
      rl.question(question, (answer) => {
        const a = answer.trim().toLowerCase();
        if (a === 'y') finish(true);
        else if (a === 'n') finish(false);
        else askOnce();
      });
    askOnce();
  });
}

/** The arguments as they may be shown by --debug: secret values REDACTED. */
function shownArgs(argv, node) {
  const secretFlags = new Set((node?.args ?? []).filter((a) => a.secret).flatMap((a) => [a.name, ...(a.aliases ?? [])]));
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    const eq = t.startsWith('--') ? t.indexOf('=') : -1;
    if (eq > 0 && secretFlags.has(t.slice(0, eq))) out.push(`${t.slice(0, eq)}=REDACTED`);
    else if (secretFlags.has(t) && i + 1 < argv.length) {
      out.push(t, 'REDACTED');
      i++;
    } else out.push(t);
  }
  return out;
}

/** @returns {Promise<number>} the exit code */
async function main(argv) {
  const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  let parsed;
  try {
    parsed = parseArgv(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return printUsageError(new Logger({ color }), e.message, e.path ?? '', e.examples);
  }
  const { action, path, opts, globals } = parsed;

  if (action === 'help') {
    const { renderHelp } = await import('./help.js');
    process.stdout.write(renderHelp(path));
    return 0;
  }
  if (action === 'version') {
    process.stdout.write(`${PROG} ${version()}\n`);
    return 0;
  }

  const node = TREE[path];
  const log = new Logger({ verbose: globals.verbose, debug: globals.debug, onlyShowErrors: globals.onlyShowErrors, color });
  activeLog = log;
  const usage = (message, examples = true) => printUsageError(log, message, path, examples);

  if (node.passthrough) {
    const { main: emulatorMain } = await import('../emulator/main.mjs');
    return emulatorMain(parsed.passthrough ?? []);
  }
  if (node.run === 'devToken') {
    log.addSecret(opts.secret);
    const { checkDevTokenArgs, mintDevToken } = await import('./devtoken.js');
    const problem = checkDevTokenArgs(opts);
    if (problem) return usage(problem);
    process.stdout.write(`${mintDevToken(opts)}\n`);
    return 0;
  }

  // --query is compiled before anything runs: a bad expression is an argument error.
  let jmespath;
  if (globals.query !== undefined) {
    jmespath = (await import('jmespath')).default;
    try {
      jmespath.compile(globals.query);
    } catch {
      return usage(`argument --query: invalid jmespath_type value: '${globals.query}'`);
    }
  }

  // Connection string: the argument, else the environment.
  const fromFlag = opts.connectionString !== undefined;
  const connectionString = fromFlag ? opts.connectionString : process.env[CONNECTION_STRING_ENV];
  if (connectionString === undefined || connectionString === '') {
    log.error(`Please specify --connection-string, or set ${CONNECTION_STRING_ENV}.`);
    return 1;
  }
  log.addSecret(connectionString);
  log.addPartialSecret(accessKeyOf(connectionString));
  log.addSecret(opts.aadToken);

  const rerun = trustCaBundles(argv, log);
  if (rerun !== undefined) return rerun;

  log.debug(`${PROG} ${version()}, node ${process.version}`);
  log.debug(`Command arguments: ${JSON.stringify(shownArgs(argv, node))}`);
  log.debug(`Connection string from ${fromFlag ? '--connection-string' : `the environment variable ${CONNECTION_STRING_ENV}`}`);

  if (node.deprecated) {
    log.warning(
      `This command has been deprecated and will be removed in a future release. Use '${node.deprecated.redirect}' instead.`,
    );
  }
  const endpoint = endpointOf(connectionString);
  if (opts.allowInsecureConnection && endpoint?.protocol === 'http:' && !isLoopbackHost(endpoint.hostname)) {
    log.warning(
      `--allow-insecure-connection: requests to ${endpoint.host} travel over plain http. Anyone on the network can read the tokens; use it for a local emulator only.`,
    );
  }

  if (node.confirm && !opts.yes) {
    if (!process.stdin.isTTY) {
      log.warning('Unable to prompt for confirmation as no tty available. Use --yes.');
      log.error('Operation cancelled.');
      return 1;
    }
    if (!(await confirm('Are you sure you want to perform this operation? (y/n): '))) {
      log.error('Operation cancelled.');
      return 1;
    }
  }

  const t0 = performance.now();
  const { makeClient, handlers } = await import('./commands.js');
  log.debug(`Client loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  let result;
  try {
    const client = makeClient(connectionString, {
      fetch: log.verbose ? instrumentedFetch(log) : undefined,
      allowInsecureConnection: opts.allowInsecureConnection,
    });
    result = await handlers[node.run](client, opts);
  } catch (e) {
    if (!(e instanceof Error) || !['AcsIdentityError', 'RestError', 'AbortError'].includes(e.name) || typeof e.code !== 'string') throw e;
    if (e.requestId) log.debug(`x-ms-client-request-id: ${e.requestId}`);
    if (e.statusCode !== undefined) {
      // As azure-core's HttpResponseError, which az prints: `(Code) message`, then the fields.
      const lines = [`(${e.code}) ${e.message}`, `Code: ${e.code}`, `Message: ${e.message}`];
      if (e.target) lines.push(`Target: ${e.target}`);
      log.error(lines.join('\n'));
      return e.statusCode === 404 ? 3 : 1;
    }
    if (e.code === 'InvalidConnectionString' || e.code === 'InvalidAccessKey') {
      log.error(INVALID_CONNECTION_STRING);
      const source = fromFlag ? 'argument --connection-string' : `environment variable ${CONNECTION_STRING_ENV}`;
      log.error(`${source}: ${e.message}`);
      return 1;
    }
    if (e.code === 'InvalidUrl' && endpoint?.protocol === 'http:') {
      log.error(
        `The endpoint ${endpoint.host} uses plain http: the key would sign requests sent unencrypted. Use https, or pass --allow-insecure-connection for a development emulator (plain http is allowed without it only for loopback hosts).`,
      );
      return 1;
    }
    if (e.code === 'InvalidArgument' || e.code === 'InvalidUrl') {
      const target = String(e.target ?? '').replace(/\[\d+\]$/, '');
      const arg = node.args.find((a) => a.clientTarget && a.clientTarget === target);
      const flag = arg ? displayName(arg) : FLAG_OF_OPTION[target];
      // The client speaks of its option names (`tokenExpiresInMinutes`): say the flag instead.
      let message = e.message;
      for (const option of ['tokenExpiresInMinutes', 'clientId', 'userObjectId', 'teamsUserAadToken', 'customId']) {
        message = message.replace(new RegExp(`\\b${option}\\b`, 'g'), FLAG_OF_OPTION[option]);
      }
      message = message.replace(/\bscopes\[\d+\]/g, '--scope');
      return usage(flag ? `argument ${flag}: ${message}` : message);
    }
    log.error(`${e.code}: ${e.message}`);
    return 1;
  }

  if (globals.query !== undefined && result !== undefined) result = jmespath.search(result, globals.query);
  const { render, OutputError } = await import('./output.js');
  const output = globals.output ?? 'json';
  const colorOut = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  try {
    process.stdout.write(render(result, { output, color: colorOut, queryActive: globals.query !== undefined }));
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    log.error(e.message);
    return 1;
  }
  log.info(`Command ran in ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
  return 0;
}

function finish(code) {
  process.exitCode = code;
  // Exit once stdout and stderr are flushed (idle keep-alive sockets must not hold the process).
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}

main(process.argv.slice(2)).then(finish, (err) => {
  // Not an expected error (those are handled above): one line, the stack only with --debug.
  const log = activeLog ?? new Logger();
  log.error(process.argv.includes('--debug') ? String(err?.stack ?? err) : String(err?.message ?? err));
  finish(1);
});
