// `npm start`: builds what is missing, then runs the local stack on 127.0.0.1 (scripts/stack.mjs):
//   demo             the demo page (www/) with the built package at /pkg/
//   token endpoint   the edge token endpoint (acs-identity/worker, pkg/worker-workerd.js) in workerd, via Miniflare
//   emulator         the local ACS Identity service
// Prints exactly three lines on stdout (`demo: URL`, `token endpoint: URL`, `emulator: URL`); hints
// go to stderr. Ctrl-C (SIGINT) or SIGTERM stops all three and exits 0.
//
// Ports: DEMO_PORT, TOKEN_ENDPOINT_PORT, EMULATOR_PORT (0 = any free port). Unset: 8080, 8787 and
// 4000, or any free port when that one is taken.
// --no-build: use pkg/ as it is (fails when it is missing) instead of rebuilding stale sources.
import { log } from './lib.mjs';

function portFromEnv(name) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    log(`${name} must be a port number from 0 to 65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

const ports = {
  demo: portFromEnv('DEMO_PORT'),
  tokenEndpoint: portFromEnv('TOKEN_ENDPOINT_PORT'),
  emulator: portFromEnv('EMULATOR_PORT'),
};

if (!process.argv.includes('--no-build')) {
  const { build, isStale } = await import('./build.mjs');
  if (isStale()) {
    log('building the package (pkg/ is missing or older than its sources)');
    try {
      build({ quiet: true });
    } catch (e) {
      log(`the build failed: ${e.message}`);
      process.exit(1);
    }
  }
}

const { startStack } = await import('./stack.mjs');

let stack = null;
let stopping = false;
const starting = startStack({ ports }).then((s) => {
  stack = s;
  return s;
});

/** Ctrl-C / SIGTERM: stop all three (also while they are still starting), then exit 0. */
async function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 5000).unref();
  await starting.catch(() => {});
  await stack?.close();
  process.exit(0);
}
/**
 * Miniflare installs SIGINT/SIGTERM listeners that exit with 130/143 at once; ours closes all three
 * servers (Miniflare's dispose included) and exits 0, so it must be the only one. Its `exit` hook,
 * which kills workerd, stays.
 */
function ownSignals() {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    for (const listener of process.listeners(sig)) if (listener !== stop) process.removeListener(sig, listener);
    if (!process.listeners(sig).includes(stop)) process.on(sig, stop);
  }
}
ownSignals();

try {
  await starting;
  ownSignals();
} catch (e) {
  if (!stopping) {
    log(`could not start the local stack: ${e.message}`);
    process.exit(1);
  }
}

if (!stopping) {
  console.log(`demo: ${stack.demoUrl}`);
  console.log(`token endpoint: ${stack.tokenEndpointUrl}`);
  console.log(`emulator: ${stack.emulatorUrl}`);
  for (const note of stack.notes) log(note);
  log(`open ${stack.demoUrl} — sign in with any name, then get an ACS token. Ctrl-C stops.`);
}
