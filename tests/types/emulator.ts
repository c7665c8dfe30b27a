// Type-checked against the installed package: acs-identity/emulator's types (emulator/emulator.d.ts).
import { startEmulator } from 'acs-identity/emulator';
import type { EmulatorHandle, EmulatorOptions } from 'acs-identity/emulator';

const options: EmulatorOptions = {
  port: 0,
  host: '127.0.0.1',
  accessKey: 'c2VjcmV0',
  data: 'emulator.json',
  faults: true,
  corsOrigins: ['https://app.example.com'],
  headersTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  log: (line: string) => void line,
  clock: () => Date.now(),
};
const started: Promise<EmulatorHandle> = startEmulator(options);
const defaults: Promise<EmulatorHandle> = startEmulator();

async function use(): Promise<void> {
  const emulator = await started;
  const parts: [string, string, number, string, string, string] = [
    emulator.url,
    emulator.endpoint,
    emulator.port,
    emulator.accessKey,
    emulator.connectionString,
    emulator.resourceId,
  ];
  void parts;
  const closed: Promise<void> = emulator.close();
  await closed;
  await (await defaults).close();
  // @ts-expect-error the handle is read-only
  emulator.port = 1;
}
void use;

// @ts-expect-error port is a number
startEmulator({ port: '4000' });
// @ts-expect-error corsOrigins is a list
startEmulator({ corsOrigins: 'https://app.example.com' });
// @ts-expect-error no such option
startEmulator({ hostname: 'localhost' });
