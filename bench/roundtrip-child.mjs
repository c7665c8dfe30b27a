// 3. Round trips, the client side: CPU time of this process (process.cpuUsage(), user + system)
// per createUserAndToken against the emulator (another process), in interleaved samples of
// `calls` sequential calls after `warmup` calls each. Prints one JSON line.
//   node bench/roundtrip-child.mjs '{"connectionString":"...","samples":9,"calls":40,"warmup":30}'
//
// Contestants: ours and the SDK (keep-alive both: fetch's pool, the SDK's node:http agent). Two
// transport floors send the same request without either client, signed by signRequest (a few µs):
// with the global fetch (undici, what ours uses in Node) and with node:http and a keep-alive agent
// (what the SDK uses) — the CPU a client cannot go below with that transport on this machine.
import http from 'node:http';
import { CommunicationIdentityClient as Ours, signRequest } from 'acs-identity';
import { CommunicationIdentityClient as Sdk } from '@azure/communication-identity';

const { connectionString, samples = 9, calls = 40, warmup = 30 } = JSON.parse(process.argv[2]);
const scopes = ['chat', 'voip'];
const endpoint = connectionString.match(/endpoint=([^;]+)/i)[1];
const accessKey = connectionString.match(/accesskey=([^;]+)/i)[1];
const url = new URL('/identities?api-version=2025-06-30', endpoint).href;
const body = JSON.stringify({ createTokenWithScopes: scopes });
const agent = new http.Agent({ keepAlive: true });

function check(r) {
  if (!r.accessToken?.token || !r.identity?.id) throw new Error(`unexpected answer: ${JSON.stringify(r).slice(0, 200)}`);
}

function httpPost(headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 201 ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ours = new Ours(connectionString);
const sdk = new Sdk(connectionString, { allowInsecureConnection: true });
const cases = {
  ours: async () => {
    const r = await ours.createUserAndToken(scopes);
    if (!r.token || !r.user.communicationUserId) throw new Error('no token');
  },
  sdk: async () => {
    const r = await sdk.createUserAndToken(scopes);
    if (!r.token || !r.user.communicationUserId) throw new Error('no token');
  },
  floorFetch: async () => {
    const headers = { ...signRequest({ method: 'POST', url, body, accessKey }), 'content-type': 'application/json' };
    const res = await fetch(url, { method: 'POST', headers, body });
    check(await res.json());
  },
  floorHttp: async () => {
    const headers = { ...signRequest({ method: 'POST', url, body, accessKey }), 'content-type': 'application/json' };
    check(JSON.parse(await httpPost(headers)));
  },
};

const run = async (fn, n) => {
  for (let i = 0; i < n; i++) await fn();
};
for (const fn of Object.values(cases)) await run(fn, warmup);

const names = Object.keys(cases);
const cpuUsPerCall = Object.fromEntries(names.map((n) => [n, []]));
const wallMsPerCall = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < samples; i++) {
  for (const name of i % 2 === 0 ? names : [...names].reverse()) {
    globalThis.gc?.();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(cases[name], calls);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuUsPerCall[name].push((cpu.user + cpu.system) / calls);
    wallMsPerCall[name].push(wall / calls);
  }
}
agent.destroy();
console.log(JSON.stringify({ node: process.versions.node, cpuUsPerCall, wallMsPerCall }));
