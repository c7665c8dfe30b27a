#!/usr/bin/env node
// acs-identity: the `az communication user-identity` command set, against Azure Communication
// Services or the bundled emulator. Exit codes: 0 success, 1 service or network error, 2 usage error.
//
// Start-up stays fast: arguments are parsed first; the wasm-backed client (../node.js) and
// jmespath are imported only when a command needs them.
import { readFileSync } from 'node:fs';
import { UsageError, displayName, helpHint, parseArgv } from './args.js';
import { Logger, accessKeyOf, instrumentedFetch } from './log.js';
import { CONNECTION_STRING_ENV, PROG, TREE } from './spec.js';

const started = performance.now();
/** The command's logger, once created (its scrubber also cleans unexpected errors). */
let activeLog;

/** Local client errors that are mistakes in the arguments (exit 2) rather than failures (exit 1). */
const USAGE_CODES = new Set(['InvalidArgument', 'InvalidConnectionString', 'InvalidAccessKey', 'InvalidUrl']);

function version() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

/** Ask a y/n question on the terminal (prompt on stderr). Resolves to the answer ('' on EOF). */
async function ask(question) {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    let answered = false;
    rl.on('SIGINT', () => {
      process.stderr.write('\n');
      rl.close();
      process.exit(130);
    });
    rl.on('close', () => {
      if (!answered) {
        process.stderr.write('\n');
        resolve('');
      }
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
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
  let parsed;
  try {
    parsed = parseArgv(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const log = new Logger();
    log.error(e.message);
    if (e.hint) process.stderr.write(`${helpHint(e.path ?? '')}\n`);
    return 2;
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
  const log = new Logger({ verbose: globals.verbose, debug: globals.debug, onlyShowErrors: globals.onlyShowErrors });
  activeLog = log;
  const usage = (message) => {
    log.error(message);
    process.stderr.write(`${helpHint(path)}\n`);
    return 2;
  };

  if (node.passthrough) {
    const { main: emulatorMain } = await import('../emulator/main.mjs');
    return emulatorMain(parsed.passthrough ?? []);
  }

  // Connection string: the argument, else the environment.
  const fromFlag = opts.connectionString !== undefined;
  const connectionString = fromFlag ? opts.connectionString : process.env[CONNECTION_STRING_ENV];
  if (connectionString === undefined || connectionString === '') {
    return usage(`Please specify --connection-string, or set ${CONNECTION_STRING_ENV}.`);
  }
  log.addSecret(connectionString);
  log.addSecret(accessKeyOf(connectionString));
  log.addSecret(opts.aadToken);
  log.debug(`${PROG} ${version()}, node ${process.version}`);
  log.debug(`Command arguments: ${JSON.stringify(shownArgs(argv, node))}`);
  log.debug(`Connection string from ${fromFlag ? '--connection-string' : `the environment variable ${CONNECTION_STRING_ENV}`}`);

  // --query is compiled before anything runs: a bad expression is a usage error.
  let jmespath;
  if (globals.query !== undefined) {
    jmespath = (await import('jmespath')).default;
    try {
      jmespath.compile(globals.query);
    } catch {
      return usage(`argument --query: invalid jmespath_type value: '${globals.query}'`);
    }
  }

  if (node.deprecated) {
    log.warning(
      `This command has been deprecated and will be removed in a future release. Use '${node.deprecated.redirect}' instead.`,
    );
  }

  if (node.confirm && !opts.yes) {
    if (!process.stdin.isTTY) {
      return usage(
        `--yes is required when not interactive: '${PROG} ${path}' asks for confirmation and stdin is not a terminal. Pass --yes/-y to proceed without a prompt.`,
      );
    }
    const answer = (await ask('Are you sure you want to perform this operation? (y/n): ')).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      process.stderr.write('Operation cancelled.\n');
      return 0;
    }
  }

  const t0 = performance.now();
  const { makeClient, handlers } = await import('./commands.js');
  log.debug(`Client loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  let result;
  try {
    const client = makeClient(connectionString, { fetch: log.verbose ? instrumentedFetch(log) : undefined });
    result = await handlers[node.run](client, opts);
  } catch (e) {
    if (!(e instanceof Error) || !['AcsIdentityError', 'RestError', 'AbortError'].includes(e.name) || typeof e.code !== 'string') throw e;
    if (e.statusCode === undefined && USAGE_CODES.has(e.code)) {
      const arg =
        node.args.find((a) => a.clientTarget && a.clientTarget === e.target) ??
        (e.code === 'InvalidArgument' ? undefined : node.args.find((a) => a.dest === 'connectionString'));
      const where = arg
        ? arg.dest === 'connectionString' && !fromFlag
          ? `environment variable ${CONNECTION_STRING_ENV}`
          : `argument ${displayName(arg)}`
        : undefined;
      return usage(where ? `${where}: ${e.message}` : `${e.code}: ${e.message}`);
    }
    log.error(`${e.code}: ${e.message}`);
    if (e.requestId) log.debug(`x-ms-client-request-id: ${e.requestId}`);
    return 1;
  }

  if (globals.query !== undefined && result !== undefined) result = jmespath.search(result, globals.query);
  const { render, OutputError } = await import('./output.js');
  const output = globals.output ?? 'json';
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  try {
    process.stdout.write(render(result, { output, color, queryActive: globals.query !== undefined }));
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
