// Child processes of the benchmark: every one is registered and ended on exit, error or Ctrl-C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const live = new Set();
const cleanups = new Set();

/** Registers `fn` to run once at exit (servers, browsers, Miniflare); returns an unregister function. */
export function onCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs every registered cleanup and kills every live child (by pid). */
export async function cleanupAll() {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      await fn();
    } catch {
      // best effort
    }
  }
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

let installed = false;
function installHandlers() {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, async () => {
      await cleanupAll();
      process.exit(130);
    });
  }
}

/**
 * Spawns a child that is killed when the benchmark exits. Resolves with `{ code, stdout, stderr,
 * wallMs }` when it ends; rejects on timeout (and kills it).
 */
export function runChild(cmd, args, { cwd, env, timeoutMs = 120_000, input } = {}) {
  installHandlers();
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, stdout, stderr, wallMs: performance.now() - t0 });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Runs a child that prints one JSON line last; returns it parsed (throws with stderr on failure). */
export async function runJson(cmd, args, opts) {
  const r = await runChild(cmd, args, opts);
  const line = r.stdout.trim().split('\n').filter(Boolean).pop();
  if (r.code !== 0 || !line) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}\n${r.stderr.slice(-3000)}`);
  try {
    return { ...JSON.parse(line), wallMs: r.wallMs };
  } catch {
    throw new Error(`${cmd} ${args.join(' ')} printed no JSON: ${line.slice(0, 300)}\n${r.stderr.slice(-2000)}`);
  }
}

/**
 * Starts the ACS Identity emulator in its own process (`node emulator/main.mjs --port 0 --quiet`).
 * @returns {Promise<{ connectionString: string, endpoint: string, pid: number, close(): Promise<void> }>}
 */
export function startEmulatorProcess(root) {
  installHandlers();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'emulator', 'main.mjs'), '--port', '0', '--quiet'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the emulator did not start in 20 s\n${err}`));
    }, 20_000);
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      live.delete(child);
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code}\n${err}`));
    });
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/AZURE_COMMUNICATION_CONNECTION_STRING=(\S+)/);
      if (!m) return;
      clearTimeout(timer);
      const connectionString = m[1];
      const endpoint = connectionString.match(/endpoint=([^;]+)/i)[1];
      let closing;
      const close = () =>
        (closing ??= new Promise((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          child.removeAllListeners('exit');
          child.once('exit', () => {
            live.delete(child);
            r();
          });
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        }));
      const unregister = onCleanup(close);
      resolve({
        connectionString,
        endpoint,
        pid: child.pid,
        close: () => {
          unregister();
          return close();
        },
      });
    });
  });
}
