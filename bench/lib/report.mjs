// Writes BENCHMARKS.md and bench/charts/*.svg from the results of one run. The hand-written
// analysis (bench/analysis.md) is included as its "Where the time and bytes go" section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, COLORS } from './charts.mjs';
import { fmt } from './stats.mjs';
import { BUDGETS } from '../size.mjs';

const TARGETS = {
  signChromium: 10,
  signNode: 2,
  nativeWithin: 3,
  roundTripCpu: 1 / 3,
  coldNodeMs: 10,
};

const n0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const x2 = (x) => (Number.isFinite(x) ? `${fmt(x, 2)}×` : '–');
/** "1.23× (1.1–1.4)" from a summary of ratios */
const ratio = (s) => (s && s.n ? `**${fmt(s.median, 3)}×** (${fmt(s.p10, 3)}–${fmt(s.p90, 3)})` : '–');
/** "123 (110–130)" */
const spread = (s, d = 3) => (s && s.n ? `${fmt(s.median, d)} (${fmt(s.p10, d)}–${fmt(s.p90, d)})` : '–');
const iqr = (s, d = 3) => (s && s.n ? `${fmt(s.q1, d)}–${fmt(s.q3, d)}` : '–');
const met = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**');
const ok = (x) => x !== undefined && x !== null && !x.error;
const errOf = (x) => (x?.error ? `not measured: ${x.error}` : 'not measured');

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function charts(r, dir) {
  mkdirSync(dir, { recursive: true });
  const out = {};
  const save = (name, svg) => {
    writeFileSync(join(dir, `${name}.svg`), svg);
    out[name] = `bench/charts/${name}.svg`;
  };

  if (ok(r.size)) {
    const o = r.size.browserApp.ours;
    const s = r.size.browserApp.sdk;
    const w = r.size.worker;
    save(
      'size',
      barChart({
        title: 'Size: min+gzip bytes (smaller is better)',
        subtitle: 'esbuild --bundle --minify --format=esm; gzip -9 per file; ours = JS + .wasm',
        unit: 'B',
        groups: [
          {
            label: 'Browser app calling createUserAndToken',
            bars: [
              { label: 'acs-identity (JS + wasm)', value: o.total.gzip, segments: [{ value: o.js.gzip, color: COLORS.alt, label: 'JS' }, { value: o.wasm.gzip, color: COLORS.ours, label: 'wasm' }] },
              { label: '@azure/communication-identity', value: s.total.gzip, color: COLORS.sdk },
            ],
          },
          ...(ok(r.size.signApp)
            ? [
                {
                  label: 'Browser app that only signs (acs-identity/sign)',
                  bars: [
                    { label: 'acs-identity/sign (JS + wasm)', value: r.size.signApp.ours.total.gzip, segments: [{ value: r.size.signApp.ours.js.gzip, color: COLORS.alt, label: 'JS' }, { value: r.size.signApp.ours.wasm.gzip, color: COLORS.ours, label: 'wasm' }] },
                    { label: 'SDK access-key policy', value: r.size.signApp.sdk.total.gzip, color: COLORS.sdk },
                  ],
                },
              ]
            : []),
          {
            label: 'Edge Worker bundle (acs-identity/worker)',
            bars: [{ label: 'acs-identity (JS + wasm)', value: w.total.gzip, segments: [{ value: w.js.gzip, color: COLORS.alt, label: 'JS' }, { value: w.wasm.gzip, color: COLORS.ours, label: 'wasm' }] }],
          },
        ],
        targets: Object.values(BUDGETS).map((b) => ({ value: b.limit, label: `budget ${n0(b.limit)}` })),
        legend: [{ label: 'our JS', color: COLORS.alt }, { label: 'our .wasm', color: COLORS.ours }, { label: 'SDK', color: COLORS.sdk }],
      }),
    );
  }

  const sig = r.signing;
  if (sig) {
    const groups = [];
    const label = { node: 'Node', deno: 'Deno', bun: 'Bun', chromium: 'Chromium (headless)' };
    const entries = [...Object.entries(sig.runtimes ?? {}), ...(sig.chromium ? [['chromium', sig.chromium]] : [])].filter(([, v]) => ok(v));
    for (const [name, v] of entries) {
      groups.push({
        label: `${label[name]} ${v.version ?? ''}`,
        bars: [
          { label: 'acs-identity signRequest', value: v.ours.median, lo: v.ours.p10, hi: v.ours.p90, color: COLORS.ours },
          { label: 'SDK access-key policy', value: v.sdk.median, lo: v.sdk.p10, hi: v.sdk.p90, color: COLORS.sdk },
        ],
      });
    }
    const nat = r.native;
    if (nat && ok(nat.release)) {
      const bars = [];
      for (const [p, lbl] of [['release', 'opt-level 3'], ['release-soft', 'opt-level 3, software SHA-256'], ['size', 'opt-level "z"']]) {
        if (!ok(nat[p])) continue;
        bars.push({ label: `native call, ${lbl}`, value: nat[p].call.opsPerSec.median, lo: nat[p].call.opsPerSec.p10, hi: nat[p].call.opsPerSec.p90, color: COLORS.native });
      }
      groups.push({ label: 'Native Rust (same core function, no JS boundary)', bars });
    }
    save(
      'signing',
      barChart({
        title: 'Signing: signed requests per second (log scale, larger is better)',
        subtitle: 'median with p10–p90 whiskers; same request, key and body; interleaved samples',
        unit: '/s',
        log: true,
        groups,
      }),
    );
    save(
      'signing-ratio',
      barChart({
        title: 'Signing speed, acs-identity ÷ SDK (larger is better)',
        subtitle: 'per-pair ratio of interleaved samples: median, p10–p90; targets: ≥ 2× in Node, ≥ 10× in Chromium',
        unit: '',
        format: (v) => `${Number(v.toPrecision(3))}×`,
        groups: [
          {
            label: '',
            bars: entries.map(([name, v]) => ({
              label: label[name],
              value: v.ratio.median,
              lo: v.ratio.p10,
              hi: v.ratio.p90,
              color: COLORS.ours,
              note: name === 'node' ? '(target 2×)' : name === 'chromium' ? '(target 10×)' : '',
            })),
          },
        ],
        targets: [{ value: 1, label: 'parity' }],
      }),
    );
  }

  if (ok(r.roundtrip)) {
    const c = r.roundtrip.cpuUsPerCall;
    const bar = (s, lbl, color) => ({ label: lbl, value: s.median, lo: s.p10, hi: s.p90, color });
    save(
      'roundtrip',
      barChart({
        title: 'Client CPU per createUserAndToken round trip, Node (smaller is better)',
        subtitle: 'process.cpuUsage() user+system per call; emulator in another process; median, p10–p90',
        unit: 'µs',
        groups: [
          { label: 'Clients', bars: [bar(c.ours, 'acs-identity', COLORS.ours), bar(c.sdk, '@azure/communication-identity', COLORS.sdk)] },
          { label: 'Transport floors (same request, no client)', bars: [bar(c.floorFetch, 'global fetch (undici)', COLORS.floor), bar(c.floorHttp, 'node:http keep-alive', COLORS.floor)] },
        ],
        targets: [{ value: c.sdk.median * TARGETS.roundTripCpu, label: 'target ⅓ of SDK' }],
      }),
    );
  }

  const cold = r.cold;
  if (cold) {
    const groups = [];
    for (const [name, v] of Object.entries(cold.processes ?? {})) {
      if (!ok(v)) continue;
      groups.push({
        label: { node: 'Node', deno: 'Deno', bun: 'Bun' }[name],
        bars: [
          { label: 'acs-identity', value: v.ours.importAndSignMs.median, lo: v.ours.importAndSignMs.p10, hi: v.ours.importAndSignMs.p90, color: COLORS.ours },
          { label: 'SDK policy', value: v.sdk.importAndSignMs.median, lo: v.sdk.importAndSignMs.p10, hi: v.sdk.importAndSignMs.p90, color: COLORS.sdk },
        ],
      });
    }
    if (groups.length) {
      save(
        'coldstart-processes',
        barChart({
          title: 'Cold start: import → first signature in a fresh process (smaller is better)',
          subtitle: 'performance.now() inside the process, from user code start; median, p10–p90',
          unit: 'ms',
          groups,
          targets: [{ value: TARGETS.coldNodeMs, label: 'target 10 ms (Node)' }],
        }),
      );
    }
    const hosts = [];
    if (ok(cold.chromium)) {
      const c = cold.chromium;
      hosts.push({
        label: 'Chromium: navigation start → first signature',
        bars: [
          { label: 'acs-identity', value: c.ours.sinceOriginMs.median, lo: c.ours.sinceOriginMs.p10, hi: c.ours.sinceOriginMs.p90, color: COLORS.ours },
          ...(ok(c['ours-preload'])
            ? [{ label: 'acs-identity, .wasm preloaded', value: c['ours-preload'].sinceOriginMs.median, lo: c['ours-preload'].sinceOriginMs.p10, hi: c['ours-preload'].sinceOriginMs.p90, color: COLORS.ours }]
            : []),
          { label: 'SDK policy', value: c.sdk.sinceOriginMs.median, lo: c.sdk.sinceOriginMs.p10, hi: c.sdk.sinceOriginMs.p90, color: COLORS.sdk },
          { label: 'empty module (baseline)', value: c.empty.sinceOriginMs.median, lo: c.empty.sinceOriginMs.p10, hi: c.empty.sinceOriginMs.p90, color: COLORS.base },
        ],
      });
    }
    if (ok(cold.workerd)) {
      const f = cold.workerd.firstResponseMs;
      hosts.push({
        label: 'workerd: new Miniflare → first response (includes Miniflare start)',
        bars: [
          { label: 'acs-identity', value: f.ours.median, lo: f.ours.p10, hi: f.ours.p90, color: COLORS.ours },
          { label: 'SDK policy', value: f.sdk.median, lo: f.sdk.p10, hi: f.sdk.p90, color: COLORS.sdk },
          { label: 'no-import Worker (baseline)', value: f.empty.median, lo: f.empty.p10, hi: f.empty.p90, color: COLORS.base },
        ],
      });
    }
    if (hosts.length) {
      save('coldstart-hosts', barChart({ title: 'Cold start in hosts (smaller is better)', subtitle: 'median, p10–p90', unit: 'ms', groups: hosts }));
    }
  }

  if (ok(r.edge) && Array.isArray(r.edge)) {
    save(
      'edge-throughput',
      barChart({
        title: 'Edge token endpoint: requests per second (larger is better)',
        subtitle: 'POST /token in workerd (Miniflare) vs our client calling the emulator directly from Node; median, p10–p90 of rounds',
        unit: '/s',
        groups: r.edge.map((e) => ({
          label: `concurrency ${e.concurrency}`,
          bars: [
            { label: 'Worker (workerd)', value: e.edge.rps.median, lo: e.edge.rps.p10, hi: e.edge.rps.p90, color: COLORS.ours },
            { label: 'direct (baseline)', value: e.direct.rps.median, lo: e.direct.rps.p10, hi: e.direct.rps.p90, color: COLORS.floor },
          ],
        })),
      }),
    );
    save(
      'edge-latency',
      barChart({
        title: 'Edge token endpoint: latency p50 and p99 (log scale, smaller is better)',
        subtitle: 'every request of every round pooled',
        unit: 'ms',
        log: true,
        groups: r.edge.map((e) => ({
          label: `concurrency ${e.concurrency}`,
          bars: [
            { label: 'Worker p50', value: e.edge.latencyMs.p50, color: COLORS.ours },
            { label: 'Worker p99', value: e.edge.latencyMs.p99, color: COLORS.ours },
            { label: 'direct p50', value: e.direct.latencyMs.p50, color: COLORS.floor },
            { label: 'direct p99', value: e.direct.latencyMs.p99, color: COLORS.floor },
          ],
        })),
      }),
    );
  }
  if (ok(r.edgeRuntimes) && Array.isArray(r.edgeRuntimes)) {
    const colors = { workerd: COLORS.ours, node: COLORS.alt, deno: COLORS.native, bun: COLORS.sdk };
    save(
      'edge-runtimes',
      barChart({
        title: 'Edge token endpoint by host runtime: requests per second (larger is better)',
        subtitle: 'POST /token over a loopback socket, the same load for each; median, p10–p90 of rounds',
        unit: '/s',
        groups: r.edgeRuntimes.map((e) => ({
          label: `concurrency ${e.concurrency}`,
          bars: Object.entries(e.runtimes).map(([name, x]) => ({ label: RUNTIME_LABELS[name] ?? name, value: x.rps.median, lo: x.rps.p10, hi: x.rps.p90, color: colors[name] ?? COLORS.base })),
        })),
      }),
    );
  }
  return out;
}

const RUNTIME_LABELS = { workerd: 'workerd', node: 'Node', deno: 'Deno', bun: 'Bun' };
const HOSTS = {
  workerd: 'Miniflare, its socket',
  node: '`http.createServer(toNodeListener(worker))`',
  deno: '`Deno.serve`',
  bun: '`Bun.serve`',
};

/** The verdicts of the targets, from one run's results. */
export function targets(r) {
  const t = [];
  for (const [key, b] of Object.entries(budgetsOf(r))) {
    const sdk = ok(r.size) ? r.size[key]?.sdk?.total?.gzip : undefined;
    t.push({
      what: `${b.what} ≤ ${n0(b.limit)} B gzip`,
      value: Number.isFinite(b.gzip) ? `${n0(b.gzip)} B${Number.isFinite(sdk) ? ` (SDK ${n0(sdk)} B)` : ''}` : '–',
      ok: Number.isFinite(b.gzip) ? b.gzip <= b.limit : undefined,
    });
  }
  const sc = r.signing?.chromium;
  t.push({ what: 'Signing ≥ 10× the SDK in Chromium', value: ok(sc) ? ratio(sc.ratio) : '–', ok: ok(sc) ? sc.ratio.median >= TARGETS.signChromium : undefined });
  const sn = r.signing?.runtimes?.node;
  t.push({ what: 'Signing ≥ 2× the SDK in Node', value: ok(sn) ? ratio(sn.ratio) : '–', ok: ok(sn) ? sn.ratio.median >= TARGETS.signNode : undefined });
  const nat = r.native?.release;
  if (ok(sn) && ok(nat)) {
    const slower = nat.call.opsPerSec.median / sn.ours.median;
    t.push({
      what: 'Signing within 3× of native Rust (Node signRequest vs native, same work)',
      value: `${x2(slower)} slower than native${ok(sc) ? `; Chromium ${x2(nat.call.opsPerSec.median / sc.ours.median)}` : ''}${ok(r.native?.['release-soft']) ? ` (native with software SHA-256, as the .wasm has: Node ${x2(r.native['release-soft'].call.opsPerSec.median / sn.ours.median)})` : ''}`,
      ok: slower <= TARGETS.nativeWithin,
    });
  } else t.push({ what: 'Signing within 3× of native Rust', value: '–', ok: undefined });
  const rt = r.roundtrip;
  t.push({ what: 'Client CPU per round trip ≤ ⅓ of the SDK’s (Node)', value: ok(rt) ? ratio(rt.ratio) : '–', ok: ok(rt) ? rt.ratio.median <= TARGETS.roundTripCpu : undefined });
  const cn = r.cold?.processes?.node;
  t.push({
    what: 'Cold start in Node ≤ 10 ms to the first signature (import + first signRequest)',
    value: ok(cn) ? `${fmt(cn.ours.importAndSignMs.median, 3)} ms (${fmt(cn.ours.sinceOriginMs.median, 3)} ms since process start)` : '–',
    ok: ok(cn) ? cn.ours.importAndSignMs.median <= TARGETS.coldNodeMs : undefined,
  });
  for (const [key, what] of [['signingNode', 'Signing speed in Node'], ['signingChromium', 'Signing speed in Chromium'], ['coldNode', 'Import → first signature in Node']]) {
    const b = r.baseline?.[key];
    t.push({
      what: `${what} ≥ 90% of the previous package’s (same run)`,
      value: ok(b) ? `${ratio(b.ratio)} the previous package’s${key === 'coldNode' ? ' speed (its time / ours)' : ''}` : '–',
      ok: ok(b) ? b.ratio.median >= (r.baseline.floor ?? 0.9) : undefined,
    });
  }
  return t;
}

/** The size budgets with this run's bytes: `{ browserApp, signApp, worker }` → `{ what, limit, gzip }`. */
function budgetsOf(r) {
  const out = {};
  for (const [key, b] of Object.entries(BUDGETS)) {
    const measured = key === 'worker' ? r.size?.worker : r.size?.[key]?.ours;
    out[key] = { ...b, gzip: ok(r.size) ? measured?.total?.gzip : undefined };
  }
  return out;
}

export function writeReport({ results: r, benchDir, root }) {
  const chartFiles = charts(r, join(benchDir, 'charts'));
  const img = (name, alt) => (chartFiles[name] ? `![${alt}](${chartFiles[name]})\n` : '');
  const v = r.versions ?? {};
  const m = r.machine;
  const L = [];
  const p = (...lines) => L.push(...lines);

  p(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.mjs) from bench/results.json; edit bench/analysis.md or bench/lib/report.mjs, not this file. -->',
    '',
    `acs-identity ${v.acsIdentity ?? '?'} against the official SDK \`@azure/communication-identity\` ${v.sdk?.['@azure/communication-identity'] ?? '?'}, measured in the same run` +
      ` on ${r.generatedAt.slice(0, 10)} (commit ${v.git?.commit ?? '?'}${v.git?.dirty ? ', with uncommitted changes' : ''}${r.quick ? ', **--quick run: few samples**' : ''}).` +
      ' Every figure is a median over repeated samples with its spread (p10–p90); ours and the SDK are sampled alternately, so both see the same machine load, and ratios are taken pair by pair.' +
      ' The machine is shared and was busy: read the ratios; absolute times are noise-prone.',
    '',
  );
  if (r.package?.notes?.length) p(`> Note: ${r.package.notes.join('; ')}.`, '');

  // ---- headline -------------------------------------------------------------------------------
  p('## Results as ratios', '');
  const rows = [];
  const size = ok(r.size) ? r.size.browserApp : null;
  if (size) rows.push(['Browser app size (JS + wasm, gzip)', `**${fmt(size.ours.total.gzip / size.sdk.total.gzip, 3)}×** the SDK’s bytes`, `${n0(size.ours.total.gzip)} B vs ${n0(size.sdk.total.gzip)} B`]);
  const signApp = ok(r.size) ? r.size.signApp : null;
  if (signApp) rows.push(['Browser app that only signs (`acs-identity/sign`, gzip)', `**${fmt(signApp.ours.total.gzip / signApp.sdk.total.gzip, 3)}×** the SDK’s bytes`, `${n0(signApp.ours.total.gzip)} B vs ${n0(signApp.sdk.total.gzip)} B`]);
  const cred = ok(r.size) ? r.size.credentialApp : null;
  if (cred) rows.push(['Browser page holding tokens only (credential, gzip)', `**${fmt(cred.ours.total.gzip / cred.sdk.total.gzip, 3)}×** the SDK’s bytes`, `${n0(cred.ours.total.gzip)} B vs ${n0(cred.sdk.total.gzip)} B`]);
  for (const [name, lbl] of [['node', 'Node'], ['deno', 'Deno'], ['bun', 'Bun']]) {
    const s = r.signing?.runtimes?.[name];
    if (ok(s)) rows.push([`Signing speed, ${lbl}`, `${ratio(s.ratio)} the SDK’s`, `${n0(s.ours.median)} vs ${n0(s.sdk.median)} signatures/s`]);
  }
  if (ok(r.signing?.chromium)) {
    const s = r.signing.chromium;
    rows.push(['Signing speed, Chromium', `${ratio(s.ratio)} the SDK’s`, `${n0(s.ours.median)} vs ${n0(s.sdk.median)} signatures/s`]);
  }
  if (ok(r.native?.release) && ok(r.signing?.runtimes?.node)) {
    const nat = r.native.release.call.opsPerSec.median;
    rows.push(['Signing, Node vs native Rust', `native is **${x2(nat / r.signing.runtimes.node.ours.median)}** faster`, `${n0(nat)} signatures/s native (opt-level 3)`]);
  }
  if (ok(r.roundtrip)) {
    const c = r.roundtrip.cpuUsPerCall;
    rows.push(['Client CPU per createUserAndToken, Node', `${ratio(r.roundtrip.ratio)} the SDK’s`, `${n0(c.ours.median)} vs ${n0(c.sdk.median)} µs per call`]);
  }
  const cn = r.cold?.processes?.node;
  if (ok(cn)) rows.push(['Cold start, Node: import → first signature', `**${fmt(cn.ours.importAndSignMs.median / cn.sdk.importAndSignMs.median, 3)}×** the SDK’s time`, `${fmt(cn.ours.importAndSignMs.median, 3)} vs ${fmt(cn.sdk.importAndSignMs.median, 3)} ms`]);
  const cc = r.cold?.chromium;
  if (ok(cc)) rows.push(['Cold start, Chromium: navigation → first signature', `**${fmt(cc.ours.sinceOriginMs.median / cc.sdk.sinceOriginMs.median, 3)}×** the SDK’s time`, `${fmt(cc.ours.sinceOriginMs.median, 3)} vs ${fmt(cc.sdk.sinceOriginMs.median, 3)} ms`]);
  const pre = cc?.['ours-preload'];
  if (ok(pre)) rows.push(['Cold start, Chromium, the `.wasm` preloaded from the HTML', `**${fmt(pre.sinceOriginMs.median / cc.sdk.sinceOriginMs.median, 3)}×** the SDK’s time`, `${fmt(pre.sinceOriginMs.median, 3)} vs ${fmt(cc.sdk.sinceOriginMs.median, 3)} ms`]);
  if (ok(r.edge) && Array.isArray(r.edge)) {
    for (const e of r.edge) rows.push([`Edge endpoint throughput, concurrency ${e.concurrency}`, `${ratio(e.rpsRatio)} of calling the service directly`, `${n0(e.edge.rps.median)} vs ${n0(e.direct.rps.median)} requests/s; p50 ${fmt(e.edge.latencyMs.p50, 3)} ms vs ${fmt(e.direct.latencyMs.p50, 3)} ms`]);
  }
  if (ok(r.edgeRuntimes) && Array.isArray(r.edgeRuntimes)) {
    const e = r.edgeRuntimes.at(-1);
    const w = e.runtimes.workerd;
    for (const [name, x] of Object.entries(e.runtimes)) {
      if (name === 'workerd' || !w) continue;
      rows.push([`Edge endpoint in ${RUNTIME_LABELS[name] ?? name}, concurrency ${e.concurrency}`, `**${fmt(x.rps.median / w.rps.median, 3)}×** the throughput in workerd`, `${n0(x.rps.median)} vs ${n0(w.rps.median)} requests/s; p50 / p99 ${fmt(x.latencyMs.p50, 3)} / ${fmt(x.latencyMs.p99, 3)} ms`]);
    }
  }
  p(table(['', 'acs-identity, ratio (p10–p90)', 'absolute (median)'], rows), '');

  p('### Targets', '');
  p(table(['target', 'this run', 'verdict'], targets(r).map((t) => [t.what, t.value, met(t.ok)])), '');
  p('Where a target is missed, [Where the time and bytes go](#where-the-time-and-bytes-go) says what costs what and what would fix it.', '');

  // ---- machine ---------------------------------------------------------------------------------
  p('## Machine and versions', '');
  p(
    table(
      ['', ''],
      [
        ['CPU', `${m.cpuModel}, ${m.cores} cores${m.cgroupCpus ? ` (cgroup limit ${m.cgroupCpus})` : ''}`],
        ['Memory', `${m.memoryGiB} GiB`],
        ['OS', m.os],
        ['Load average (1, 5, 15 min) at start / end', `${m.loadAverage.join(', ')} / ${(m.loadAverageAtEnd ?? []).join(', ')}`],
        ['Node', `${v.node} (V8 ${v.v8})`],
        ['Chromium (headless, playwright-core)', v.chromium ?? 'not available'],
        ['workerd / Miniflare', `${v.workerd ?? '?'} / ${v.miniflare ?? '?'}`],
        ['Deno / Bun', `${v.deno ?? 'not installed'} / ${v.bun ?? 'not installed'}`],
        ['Rust', v.rustc ?? '?'],
        ['esbuild / wasm-bindgen / binaryen (wasm-opt)', `${v.esbuild} / ${v.wasmBindgen} / ${v.binaryen}`],
        ['acs-identity', `${v.acsIdentity} (pkg/ built ${r.package?.builtAt ?? '?'})`],
        ['SDK', Object.entries(v.sdk ?? {}).map(([k, x]) => `${k} ${x}`).join(', ')],
        ['Run time', `${fmt(r.totalSeconds, 3)} s (${Object.entries(r.phaseSeconds ?? {}).map(([k, x]) => `${k} ${fmt(x, 2)} s`).join(', ')})`],
      ],
    ),
    '',
  );

  // ---- method ----------------------------------------------------------------------------------
  p(
    '## Method',
    '',
    '- `npm run bench` (`node bench/run.mjs`) builds `pkg/` when it is stale, copies it to `bench/node_modules/acs-identity` (so that a concurrent build cannot change what is measured) and imports it by name, as an application would. The SDK is the root devDependency. Nothing is installed.',
    '- **Spread.** Every benchmark repeats; tables give the median and p10–p90 (p25–p75, the IQR, where a column says so). Ours and the SDK alternate sample by sample (ABBA order), and a ratio is computed per pair and then summarised, so a burst of load from other work on the machine hits both sides of a pair.',
    `- **Samples** (this run): signing ${r.plan.signing.samples} × ~${r.plan.signing.sampleMs} ms per contestant and runtime; native ${r.plan.native.samples} × ~${r.plan.native.sampleMs} ms; round trips ${r.plan.roundtrip.samples} samples × ${r.plan.roundtrip.calls} calls after ${r.plan.roundtrip.warmup} warm-up calls; cold start ${r.plan.cold.node} fresh Node processes per variant (${r.plan.cold.other} for Deno and Bun), ${r.plan.cold.chromium} page loads, ${r.plan.cold.workerd} Miniflare starts; edge ${r.plan.edge.rounds} rounds of ${r.plan.edge.plan.map((x) => `${x.requests} requests at concurrency ${x.concurrency}`).join(' and ')}.`,
    '- **Servers.** The emulator (`node emulator/main.mjs --port 0 --quiet`) runs in its own process; Miniflare runs workerd as its own process; pages are served from loopback. The run talks to nothing else.',
    '',
  );

  // ---- 1. size ---------------------------------------------------------------------------------
  p('## 1. Size', '');
  if (size) {
    const o = size.ours;
    const s = size.sdk;
    const w = r.size.worker;
    const sa = r.size.signApp;
    const ca = r.size.credentialApp;
    const budgets = budgetsOf(r);
    const wasmOf = (x) => (x.wasmFiles ? (x.wasmFiles.length ? x.wasmFiles.map((f) => `\`${f}\``).join(', ') : 'no wasm') : '`acs_identity_bg.wasm`');
    const verdict = (key) => (budgets[key] && Number.isFinite(budgets[key].gzip) ? `≤ ${n0(budgets[key].limit)}: ${met(budgets[key].gzip <= budgets[key].limit)}` : '–');
    const entryRow = (label, x, sdk, key) => [label, wasmOf(x), n0(x.js.gzip), n0(x.wasm?.gzip ?? 0), n0(x.total.raw), `**${n0(x.total.gzip)}**`, n0(x.total.brotli), sdk ? n0(sdk.total.gzip) : '–', key ? verdict(key) : '–'];
    p(
      'Each entry loads its own `.wasm` (one binary per capability, the same in every runtime). The same apps for ours and the SDK (bench/apps/), bundled by esbuild with `--bundle --minify --format=esm --platform=browser`: **full client** — `new CommunicationIdentityClient(connectionString).createUserAndToken([\'chat\', \'voip\'])`; **sign only** — one `signRequest` with `acs-identity/sign`, against the SDK’s access-key policy (`createCommunicationAccessKeyCredentialPolicy`); **credential** — a refreshing `AcsTokenCredential` (`acs-identity/credential`, no wasm) against `AzureCommunicationTokenCredential`; the **edge Worker** — `export { default } from \'acs-identity/worker\'` bundled as wrangler does (workerd conditions, minified, the `.wasm` a module import). Ours is the JS bundle plus each `.wasm` it loads, each compressed on its own as a server sends them. gzip level 9; brotli quality 11; bytes.' +
        ` Every app is also run in Chromium: ${r.size.appsWork ? Object.entries(r.size.appsWork).map(([k, x]) => `${k} ${x ? 'works' : '**fails**'}`).join(', ') : 'not checked'} (the client apps create a user and a token on the emulator; the signing apps must produce the same \`Authorization\`).`,
      '',
      table(
        ['app', '.wasm loaded', 'JS gzip', 'wasm gzip', 'total raw', 'total gzip', 'total brotli', 'SDK gzip', 'budget (gzip)'],
        [
          entryRow('Full client (`acs-identity`)', o, s, 'browserApp'),
          ...(ok(sa) ? [entryRow('Sign only (`acs-identity/sign`)', sa.ours, sa.sdk, 'signApp')] : []),
          ...(ok(ca) ? [entryRow('Credential (`acs-identity/credential`)', ca.ours, ca.sdk)] : []),
          entryRow('Edge Worker (`acs-identity/worker`)', w, null, 'worker'),
        ],
      ),
      '',
    );
    if (r.size.binaries) {
      const entryOf = { client: '`acs-identity` (and `/slim`)', sign: '`acs-identity/sign`', worker: '`acs-identity/worker`' };
      const fileOf = { client: 'acs_identity_bg.wasm', sign: 'acs_identity_sign_bg.wasm', worker: 'acs_identity_worker_bg.wasm' };
      p(
        'The binaries (after `wasm-opt -Oz`):',
        '',
        table(['binary', 'loaded by', 'raw', 'gzip', 'brotli'], Object.entries(r.size.binaries).map(([k, x]) => [`\`${fileOf[k] ?? k}\``, entryOf[k] ?? '', n0(x.raw), n0(x.gzip), n0(x.brotli)])),
        '',
      );
    }
    p(
      img('size', 'size chart'),
      `Minified bytes by input — ours: ${Object.entries(o.inputs).map(([k, x]) => `${k} ${n0(x)}`).join(', ')}; the SDK: ${Object.entries(s.inputs).map(([k, x]) => `${k} ${n0(x)}`).join(', ')}.`,
      '',
    );
  } else p(errOf(r.size), '');

  // ---- 1b. bytes by area -----------------------------------------------------------------------
  p('### Bytes by area (twiggy)', '');
  if (r.areas?.binaries) {
    const bins = Object.entries(r.areas.binaries).filter(([, x]) => ok(x));
    const TOP = 14;
    const names = [];
    for (const [, x] of bins) for (const [a] of x.areas.slice(0, TOP)) if (!names.includes(a)) names.push(a);
    names.sort((a, b) => (bins.reduce((n, [, x]) => Math.max(n, x.areas.find(([k]) => k === b)?.[1] ?? 0), 0)) - bins.reduce((n, [, x]) => Math.max(n, x.areas.find(([k]) => k === a)?.[1] ?? 0), 0));
    const cell = (x, a) => n0(x.areas.find(([k]) => k === a)?.[1] ?? 0);
    const rest = (x) => n0(x.total - x.areas.filter(([k]) => names.includes(k)).reduce((n, [, v]) => n + v, 0));
    p(
      `Where each binary’s bytes go: \`twiggy top\` (${r.areas.twiggy ?? 'twiggy'}) of the linked binary that the build keeps for each capability, after \`wasm-bindgen --keep-debug\` and before \`wasm-opt -Oz\` (the last row is the shipped binary, after it), code and data only (DWARF and the name section are not shipped). *ours* is the crate’s own modules; *Rust* its standard library; other rows are dependencies, the data segments (strings and tables) and the JS boundary (exported functions and wasm-bindgen’s shims). Bytes; the ${TOP} largest areas of each binary.`,
      '',
      table(
        ['area', ...bins.map(([k, x]) => `\`${x.file ?? k}\``)],
        [...names.map((a) => [a, ...bins.map(([, x]) => cell(x, a))]), ['everything else', ...bins.map(([, x]) => rest(x))], ['**total (before wasm-opt)**', ...bins.map(([, x]) => `**${n0(x.total)}**`)], ...(r.size?.binaries ? [['shipped, after `wasm-opt -Oz`', ...bins.map(([k]) => n0(r.size.binaries[k === 'endpoint' ? 'worker' : k]?.raw))]] : [])],
      ),
      '',
    );
    for (const [k, x] of Object.entries(r.areas.binaries)) if (!ok(x)) p(`${k}: not measured: ${x.error}`, '');
  } else p(r.areas?.skipped ? `Not measured: ${r.areas.skipped}.` : errOf(r.areas), '');

  // ---- 1c. against the previous package ----------------------------------------------------------
  p('### Against the previous package', '');
  if (r.baseline) {
    const b = r.baseline;
    const rowsB = [];
    for (const [key, lbl] of [['signingNode', 'Signing, Node'], ['signingChromium', 'Signing, Chromium']]) {
      const x = b[key];
      rowsB.push(ok(x) ? [lbl, `${spread(x.ours)} signatures/s`, `${spread(x.baseline)} signatures/s`, ratio(x.ratio), met(x.met)] : [lbl, errOf(x), '', '', '']);
    }
    const c = b.coldNode;
    rowsB.push(ok(c) ? ['Import → first signature, Node (fresh processes)', `${spread(c.importAndSignMs.ours)} ms`, `${spread(c.importAndSignMs.baseline)} ms`, ratio(c.ratio), met(c.met)] : ['Import → first signature, Node', errOf(c), '', '', '']);
    p(
      'The package as it was before it shipped one `.wasm` per capability (bench/baseline/: one binary for every entry) against the current one, in the same run, sampled alternately: signing (`signRequest`, the request of the signing benchmark) and, in fresh Node processes, the import of `acs-identity` plus the first signature. The ratio is the current package’s speed over the previous one’s (for the cold start, the previous time over the current time); each must stay at 90% or more.',
      '',
      table(['', 'current package', 'previous package', 'ratio (p10–p90)', '≥ 90%'], rowsB),
      '',
    );
  } else p('Not measured in this run (`node bench/run.mjs --only baseline`).', '');

  // ---- 2. signing ------------------------------------------------------------------------------
  p(
    '## 2. Signing',
    '',
    'Signed requests per second for one `POST /identities` request with a 65-byte JSON body and the current date. **Ours:** `signRequest({ method, url, body, accessKey })`, which returns a new headers object. **SDK:** `createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(key)).sendRequest(request, next)` from `@azure/communication-common`, with one pipeline request reused and a no-op `next` — only the SDK’s signing step, not its HTTP pipeline, which is the strict comparison for us. Before measuring, both sign the same request and must produce the same `Authorization` header. In Node, Deno and Bun the SDK hashes with `node:crypto`; in Chromium with Web Crypto (asynchronous). Each runtime runs `bench/signing-runtime.mjs` in its own process; Chromium runs the esbuild bundle of `bench/browser/signing.mjs`.',
    '',
  );
  const sigRows = [];
  for (const [name, lbl] of [['node', 'Node'], ['deno', 'Deno'], ['bun', 'Bun']]) {
    const s = r.signing?.runtimes?.[name];
    if (ok(s)) sigRows.push([`${lbl} ${s.version}`, spread(s.ours), spread(s.sdk), ratio(s.ratio)]);
    else if (s) sigRows.push([lbl, errOf(s), '', '']);
  }
  if (ok(r.signing?.chromium)) {
    const s = r.signing.chromium;
    sigRows.push([`Chromium ${s.version}`, spread(s.ours), spread(s.sdk), ratio(s.ratio)]);
  } else if (r.signing) sigRows.push(['Chromium', errOf(r.signing?.chromium ?? { error: r.chromiumUnavailable }), '', '']);
  p(table(['runtime', 'ours, signatures/s (p10–p90)', 'SDK, signatures/s (p10–p90)', 'ours ÷ SDK (p10–p90)'], sigRows), '');
  p(img('signing-ratio', 'signing ratio chart'), img('signing', 'signing throughput chart'));
  const nat = r.native;
  if (nat && (ok(nat.release) || ok(nat.size))) {
    p(
      '**Native reference.** `bench/native/` is a tiny cargo package (its own workspace, depending on the crate by path, and naming sha2 only for its `force-soft` feature) that times `acs_identity::core::signing::sign_request` with `std::time::Instant`, run by `cargo run --release --manifest-path bench/native/Cargo.toml` (`cargo bench` runs the same). It signs the request the JavaScript benchmark signs (same key, URL and body; checked before it runs). *call* is what one `signRequest` call does in Rust without the JavaScript boundary — parse the URL and sign, the decoded key reused as the package’s fast path reuses it; *sign* is `sign_request` alone. It is built three times: `release` (opt-level 3, LTO), the physical reference; `release` with `--features soft` (sha2’s `force-soft`: software SHA-256, the algorithm the `.wasm` runs); and `size` (opt-level "z", the profile the `.wasm` is built with). Native SHA-256 otherwise uses the CPU’s SHA extensions (sha2’s runtime detection) where the CPU has them; WebAssembly has no such instructions.',
      '',
    );
    const nr = [];
    for (const [prof, lbl] of [['release', 'release (opt-level 3)'], ['release-soft', 'release, software SHA-256 (`--features soft`)'], ['size', 'size (opt-level "z")']]) {
      const x = nat[prof];
      if (!ok(x)) {
        if (x) nr.push([lbl, errOf(x), '', '']);
        continue;
      }
      nr.push([lbl, spread(x.call.opsPerSec), spread(x.call.nsPerOp), spread(x.sign.nsPerOp)]);
    }
    p(table(['native build', 'call, signatures/s', 'call, ns each', 'sign_request alone, ns each'], nr), '');
    const sn = r.signing?.runtimes?.node;
    if (ok(nat.release) && ok(sn)) {
      const nc = nat.release.call.opsPerSec.median;
      p(
        `Native (opt-level 3) signs **${x2(nc / sn.ours.median)}** faster than \`signRequest\` in Node${ok(r.signing.chromium) ? ` and **${x2(nc / r.signing.chromium.ours.median)}** faster than in Chromium` : ''} (medians; target: within 3×).` + (ok(nat['release-soft']) ? ` With software SHA-256 (what WebAssembly runs), native is **${x2(nat['release-soft'].call.opsPerSec.median / sn.ours.median)}** faster than Node${ok(r.signing.chromium) ? ` and **${x2(nat['release-soft'].call.opsPerSec.median / r.signing.chromium.ours.median)}** faster than Chromium` : ''}.` : ''),
        '',
      );
    }
  } else if (nat) p(`Native reference: ${errOf(nat.release ?? nat)}`, '');

  // ---- 3. round trips --------------------------------------------------------------------------
  p('## 3. Round trips', '');
  if (ok(r.roundtrip)) {
    const c = r.roundtrip.cpuUsPerCall;
    const w = r.roundtrip.wallMsPerCall;
    p(
      `Client CPU time per \`createUserAndToken(['chat', 'voip'])\` in Node ${r.roundtrip.node}: \`process.cpuUsage()\` (user + system) of the client process over ${r.roundtrip.callsPerSample} sequential calls, divided by the calls, after ${r.roundtrip.warmup} warm-up calls each and a GC before every sample. The emulator runs in another process (its CPU is not counted). Ours uses the runtime’s \`fetch\`; the SDK its \`node:http\` client (\`allowInsecureConnection: true\` for the emulator’s http). Two **transport floors** send the same signed request without either client — with the global \`fetch\` (undici) and with \`node:http\` and a keep-alive agent — to show what the transport alone costs here.`,
      '',
      table(
        ['', 'CPU µs per call (p10–p90)', 'IQR', 'wall ms per call (p10–p90)', '÷ SDK CPU (p10–p90)'],
        [
          ['**acs-identity**', spread(c.ours), iqr(c.ours), spread(w.ours), ratio(r.roundtrip.ratio)],
          ['**@azure/communication-identity**', spread(c.sdk), iqr(c.sdk), spread(w.sdk), '1×'],
          ['floor: global `fetch` + `signRequest`', spread(c.floorFetch), iqr(c.floorFetch), spread(w.floorFetch), ratio(r.roundtrip.floorRatio.fetch)],
          ['floor: `node:http` + `signRequest`', spread(c.floorHttp), iqr(c.floorHttp), spread(w.floorHttp), ratio(r.roundtrip.floorRatio.http)],
        ],
      ),
      '',
      img('roundtrip', 'round trip chart'),
    );
  } else p(errOf(r.roundtrip), '');

  // ---- 4. cold start ---------------------------------------------------------------------------
  p('## 4. Cold start', '');
  const cp = r.cold?.processes;
  if (cp) {
    p(
      '**Node, Deno, Bun** — a fresh process per sample (`bench/cold/node-{empty,ours,sdk}.mjs`, the three interleaved). Inside, `performance.now()` (milliseconds since the process’s time origin) at user code start, after `await import(...)` of the package (ours: the `.wasm` read, compiled and instantiated; the SDK: its access-key policy, `AzureKeyCredential` and `createPipelineRequest`) and after the first signature. The parent also times spawn → exit. *import + first sign* is what the library costs; *since process start* adds the runtime’s own start, which no library changes (the empty script shows it).',
      '',
    );
    const rows2 = [];
    for (const [name, lbl] of [['node', 'Node'], ['deno', 'Deno'], ['bun', 'Bun']]) {
      const x = cp[name];
      if (!x) continue;
      if (!ok(x)) {
        rows2.push([lbl, errOf(x), '', '', '', '']);
        continue;
      }
      for (const [vv, vl] of [['ours', 'acs-identity'], ['sdk', 'SDK policy'], ['empty', 'empty script']]) {
        const d = x[vv];
        rows2.push([`${lbl}: ${vl}`, vv === 'empty' ? '–' : spread(d.importMs), vv === 'empty' ? '–' : spread(d.firstSignMs), vv === 'empty' ? '–' : `**${spread(d.importAndSignMs)}**`, spread(d.sinceOriginMs), spread(d.parentWallMs)]);
      }
    }
    p(table(['', 'import, ms', 'first sign, ms', 'import + first sign, ms', 'since process start, ms', 'spawn → exit (parent), ms'], rows2), '');
    p(img('coldstart-processes', 'cold start chart (processes)'));
  }
  if (ok(r.cold?.chromium)) {
    const c = r.cold.chromium;
    p(
      '**Chromium** — a new browser context (empty cache) per sample, the page’s module script bundled by esbuild; `performance.now()` in the page is time since navigation start (arrivals are the Resource Timing `responseEnd` of the script and the `.wasm`). Ours: the bundle’s top-level await fetches, compiles and instantiates the `.wasm`, then the first `signRequest`; the *preloaded* page is the same bundle with `<link rel="preload" href="…/acs_identity_bg.wasm" as="fetch" type="application/wasm" crossorigin>` in its HTML, as the package README recommends, so the download starts with the page. SDK: the policy’s modules evaluated, then one signature (Web Crypto). The empty module is the page’s own floor.',
      '',
      table(
        ['', 'script arrived, ms', '.wasm arrived, ms', 'module evaluated, ms', 'first sign, ms', 'navigation → first signature, ms'],
        [
          ['acs-identity', spread(c.ours.scriptArrivedMs), spread(c.ours.wasmArrivedMs), spread(c.ours.loadedMs), spread(c.ours.firstSignMs), `**${spread(c.ours.sinceOriginMs)}**`],
          ...(ok(c['ours-preload'])
            ? [['acs-identity, `<link rel="preload">` for the `.wasm`', spread(c['ours-preload'].scriptArrivedMs), spread(c['ours-preload'].wasmArrivedMs), spread(c['ours-preload'].loadedMs), spread(c['ours-preload'].firstSignMs), `**${spread(c['ours-preload'].sinceOriginMs)}**`]]
            : []),
          ['SDK policy', spread(c.sdk.scriptArrivedMs), '–', spread(c.sdk.loadedMs), spread(c.sdk.firstSignMs), `**${spread(c.sdk.sinceOriginMs)}**`],
          ['empty module', spread(c.empty.scriptArrivedMs), '–', spread(c.empty.loadedMs), '–', spread(c.empty.sinceOriginMs)],
        ],
      ),
      '',
    );
  }
  if (ok(r.cold?.workerd)) {
    const c = r.cold.workerd;
    p(
      '**workerd** (Miniflare) — time from `new Miniflare(...)` to the first response of a Worker that signs one request per fetch. This **includes Miniflare’s own start** (and workerd’s), so a Worker with no imports is the baseline; the difference is what the module costs at start-up (ours: compiling and instantiating the `.wasm`). workerd evaluates every Worker’s modules at start-up, so the *second isolate* row — one Miniflare with two copies of our Worker, the first request to the second after the first has answered — shows what is left per isolate on its first request, against a warm request to the first.',
      '',
      table(
        ['', 'new Miniflare → first response, ms', 'warm request, ms'],
        [
          ['acs-identity', `**${spread(c.firstResponseMs.ours)}**`, spread(c.warmResponseMs.ours)],
          ['SDK policy', `**${spread(c.firstResponseMs.sdk)}**`, spread(c.warmResponseMs.sdk)],
          ['no-import Worker', spread(c.firstResponseMs.empty), spread(c.warmResponseMs.empty)],
          ['two Workers of ours: first response of the first', spread(c.secondIsolate.bothStartMs), ''],
          ['— first request to the second isolate', spread(c.secondIsolate.firstOfSecondIsolate), ''],
          ['— warm request to the first isolate', spread(c.secondIsolate.warmOfFirstIsolate), ''],
        ],
      ),
      '',
    );
  }
  p(img('coldstart-hosts', 'cold start chart (hosts)'));

  // ---- 5. edge ---------------------------------------------------------------------------------
  p('## 5. Edge token endpoint', '');
  if (ok(r.edge) && Array.isArray(r.edge)) {
    p(
      '`POST /token` with an HS256 app token (100 users) to the ready Worker (`export { default } from \'acs-identity/worker\'`, bundled as wrangler does, `IDENTITY_MAPPING=customId`) in workerd through Miniflare’s `dispatchFetch`, the emulator upstream in its own process. **Baseline:** the same upstream call made directly from Node with our client — `createUserAndToken([\'chat\', \'voip\'], { customId: sub })` — at the same concurrency. Identities are created in a warm-up, so both paths then issue tokens for existing users. The two alternate round by round.',
      '',
      table(
        ['concurrency', 'Worker req/s (p10–p90)', 'direct req/s (p10–p90)', 'Worker ÷ direct (p10–p90)', 'Worker p50 / p99 ms', 'direct p50 / p99 ms'],
        r.edge.map((e) => [String(e.concurrency), spread(e.edge.rps), spread(e.direct.rps), ratio(e.rpsRatio), `${fmt(e.edge.latencyMs.p50, 3)} / ${fmt(e.edge.latencyMs.p99, 3)}`, `${fmt(e.direct.latencyMs.p50, 3)} / ${fmt(e.direct.latencyMs.p99, 3)}`]),
      ),
      '',
      img('edge-throughput', 'edge throughput chart'),
      img('edge-latency', 'edge latency chart'),
    );
  } else p(errOf(r.edge), '');

  p('### The endpoint in each runtime', '');
  if (ok(r.edgeRuntimes) && Array.isArray(r.edgeRuntimes)) {
    const run = (r.partialRuns ?? []).find((x) => x.phases.includes('edge-runtimes'));
    const when = run
      ? ` Measured in a separate run (\`node bench/run.mjs --only edge-runtimes --merge\`) on ${run.generatedAt.slice(0, 10)}, load average ${run.loadAverage.start.join(', ')} at its start and ${run.loadAverage.end.join(', ')} at its end.`
      : '';
    const names = Object.keys(r.edgeRuntimes[0].runtimes);
    p(
      `The same ready endpoint (\`export default\` of \`acs-identity/worker\`, \`IDENTITY_MAPPING=customId\`) hosted by each runtime and reached over a loopback socket with Node’s \`fetch\` — workerd through Miniflare’s socket (the bundle as wrangler makes it), Node with \`http.createServer(toNodeListener(worker))\`, Deno with \`Deno.serve\`, Bun with \`Bun.serve\` — the emulator upstream in its own process. The load is the one above (100 users, identities created in a warm-up, ${r.edgeRuntimes[0].rounds} rounds of ${r.edgeRuntimes.map((e) => `${e.requestsPerRound} requests at concurrency ${e.concurrency}`).join(' and ')}); the runtimes take turns round by round, in a rotating order. The load generator, the endpoint and the emulator share the machine's two cores, so the figures compare the hosts; they are not capacity figures.${when}`,
      '',
      table(
        ['runtime', 'host', ...r.edgeRuntimes.flatMap((e) => [`req/s at ${e.concurrency} (p10–p90)`, `p50 / p99 ms at ${e.concurrency}`])],
        names.map((n) => [
          RUNTIME_LABELS[n] ?? n,
          HOSTS[n] ?? '',
          ...r.edgeRuntimes.flatMap((e) => [spread(e.runtimes[n].rps), `${fmt(e.runtimes[n].latencyMs.p50, 3)} / ${fmt(e.runtimes[n].latencyMs.p99, 3)}`]),
        ]),
      ),
      '',
      img('edge-runtimes', 'edge endpoint by runtime chart'),
    );
  } else p(errOf(r.edgeRuntimes), '');

  // ---- analysis --------------------------------------------------------------------------------
  const analysis = join(benchDir, 'analysis.md');
  if (existsSync(analysis)) p(readFileSync(analysis, 'utf8').trim(), '');

  p(
    '## Reproducing',
    '',
    '```sh',
    'npm run bench              # about 3–5 minutes on 2 busy cores; writes bench/results.json, bench/charts/*.svg, BENCHMARKS.md',
    'node bench/run.mjs --quick # few samples, to try the script',
    'node bench/run.mjs --only signing,cold --no-report   # some benchmarks; results in bench/.work/results.json',
    'node bench/run.mjs --only edge-runtimes --merge      # some benchmarks, merged into bench/results.json and this page',
    '```',
    '',
    'Raw samples of every benchmark are in `bench/results.json`.',
    '',
  );
  writeFileSync(join(root, 'BENCHMARKS.md'), L.join('\n'));
}
