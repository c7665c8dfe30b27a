// µs per signature of the prototype variants and of the built package ("pkg"), in Node and in
// headless Chromium, as ratios to "pkg".   node bench/prototypes/speed.mjs [variant ...]
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from '../../tests/support/chromium.mjs';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { measure } from './speed-cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '.work', 'prototypes');
const variants = ['pkg', ...(process.argv.length > 2 ? process.argv.slice(2) : ['full', 'packed', 'packed-zsha', 'packed-fast'])];
mkdirSync(join(out, 'pkg'), { recursive: true });
for (const f of ['acs_identity.js', 'acs_identity_bg.wasm']) cpSync(join(here, '..', 'node_modules', 'acs-identity', f), join(out, 'pkg', f));
cpSync(join(here, 'speed-cases.mjs'), join(out, 'speed-cases.mjs'));

const node = await measure(variants, async (v) => {
  const m = await import(pathToFileURL(join(out, v, 'acs_identity.js')).href);
  return { m, w: m.initSync({ module: readFileSync(join(out, v, 'acs_identity_bg.wasm')) }) };
});
writeFileSync(join(out, 'page.html'), '<!doctype html><script type="module">import { measure } from "./speed-cases.mjs"; window.go = (vs) => measure(vs, async (v) => { const m = await import(`./${v}/acs_identity.js`); return { m, w: await m.default({ module_or_path: `./${v}/acs_identity_bg.wasm` }) }; });</script>');
const server = await serveStatic(out);
const browser = await launchChromium();
let chromium;
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/page.html`);
  await page.waitForFunction(() => window.go);
  chromium = await page.evaluate((vs) => window.go(vs), variants);
} finally {
  await browser.close();
  await server.close();
}
for (const v of Object.keys(node)) {
  console.log(`${v.padEnd(24)} Node ${node[v].toFixed(2).padStart(6)} µs (${(node[v] / node.pkg).toFixed(2)}×)   Chromium ${chromium[v].toFixed(2).padStart(6)} µs (${(chromium[v] / chromium.pkg).toFixed(2)}×)`);
}
