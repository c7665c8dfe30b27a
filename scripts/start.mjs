// `npm start`: builds what is missing, then runs the local stack on loopback:
//   emulator        the local ACS Identity service (embedded default; no Azure account needed)
// Ctrl-C stops everything.
import { log } from './lib.mjs';
import { build, isStale } from './build.mjs';

if (isStale()) build({ quiet: true });

const { startEmulator } = await import('../emulator/server.mjs');
const port = Number(process.env.EMULATOR_PORT ?? 0);
const emulator = await startEmulator({ port, faults: true });
console.log(`emulator: ${emulator.url}`);
console.log(`AZURE_COMMUNICATION_CONNECTION_STRING=${emulator.connectionString}`);
log('try: AZURE_COMMUNICATION_CONNECTION_STRING=... node -e "..." or the package\'s CLI; Ctrl-C stops');

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    await emulator.close();
    process.exit(0);
  });
}
