// Times signRequest of each loaded variant, and the packed ABI where the variant has it. Shared by
// speed.mjs (Node) and the page it opens in Chromium. Returns µs per signature (median of 9).
export async function measure(variants, load) {
  const KEY = 'c2VjcmV0LWtleS1mb3ItYmVuY2htYXJrcy0wMTIzNDU2Nzg5YWJjZGVm';
  const URL_ = 'https://bench.communication.azure.com/identities?api-version=2025-06-30';
  const BODY = '{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}';
  const enc = new TextEncoder();
  const fns = {};
  for (const v of variants) {
    const { m, w } = await load(v);
    if (w.packed_sign) {
      const inPtr = w.packed_in();
      const outPtr = w.packed_out();
      let mem, inView, outView;
      const views = () => {
        if (mem !== w.memory.buffer) {
          mem = w.memory.buffer;
          inView = new Uint8Array(mem, inPtr, 16384);
          outView = new Uint8Array(mem, outPtr, 512);
        }
      };
      const packed = (o) => {
        views();
        const { written } = enc.encodeInto(`${o.accessKey}\n${o.method}\n${o.url}\n${o.body}`, inView);
        const n = w.packed_sign(written, Date.now());
        if (n < 0) throw new Error(`packed_sign failed: ${n}`);
        views(); // memory may have grown
        const s = String.fromCharCode.apply(null, outView.subarray(0, n));
        const i = s.indexOf('\n');
        const j = s.indexOf('\n', i + 1);
        return { 'x-ms-date': s.slice(0, i), 'x-ms-content-sha256': s.slice(i + 1, j), authorization: s.slice(j + 1) };
      };
      const a = packed({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
      const b = m.signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY, date: a['x-ms-date'] });
      if (a.authorization !== b.authorization) throw new Error('the packed ABI signs differently');
      fns[`${v} (packed)`] = () => packed({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
    }
    fns[v] = () => m.signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
  }
  const res = {};
  for (const f of Object.values(fns)) for (let i = 0; i < 20000; i++) f();
  for (let s = 0; s < 9; s++) {
    for (const [v, f] of Object.entries(fns)) {
      const t = performance.now();
      for (let i = 0; i < 20000; i++) f();
      (res[v] ??= []).push(((performance.now() - t) * 1000) / 20000);
    }
  }
  return Object.fromEntries(Object.entries(res).map(([v, a]) => [v, a.sort((x, y) => x - y)[4]]));
}
