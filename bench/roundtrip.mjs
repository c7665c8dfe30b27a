// 3. Round trips: client CPU per createUserAndToken, ours vs the SDK, against the emulator in its
// own process; the client runs in a child Node process (bench/roundtrip-child.mjs, --expose-gc so
// each sample starts after a collection).
import { runJson } from './lib/procs.mjs';
import { pairedRatio, summary } from './lib/stats.mjs';

export async function measureRoundTrips({ benchDir, emulator, samples, calls, warmup }) {
  const r = await runJson(
    process.execPath,
    ['--expose-gc', 'roundtrip-child.mjs', JSON.stringify({ connectionString: emulator.connectionString, samples, calls, warmup })],
    { cwd: benchDir, timeoutMs: 300_000 },
  );
  const out = { node: r.node, samples, callsPerSample: calls, warmup, cpuUsPerCall: {}, wallMsPerCall: {} };
  for (const k of Object.keys(r.cpuUsPerCall)) {
    out.cpuUsPerCall[k] = summary(r.cpuUsPerCall[k]);
    out.wallMsPerCall[k] = summary(r.wallMsPerCall[k]);
  }
  // ours / sdk CPU per call, sample by sample (< 1 means ours uses less CPU)
  out.ratio = pairedRatio(r.cpuUsPerCall.ours, r.cpuUsPerCall.sdk);
  out.floorRatio = {
    fetch: pairedRatio(r.cpuUsPerCall.floorFetch, r.cpuUsPerCall.sdk),
    http: pairedRatio(r.cpuUsPerCall.floorHttp, r.cpuUsPerCall.sdk),
  };
  out.raw = r.cpuUsPerCall;
  return out;
}
