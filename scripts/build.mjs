// Builds the npm package into pkg/: one `.wasm` per capability (BINARIES below: the client, signing
// alone, the edge endpoint), each by wasm-pack (the wasm/ crate with one Cargo feature: cargo for
// wasm32 with the size profile, then the pinned wasm-bindgen, --target web) → wasm-opt -Oz (npm
// `binaryen`); then the files of pkg-template/ and emulator/ beside the glues, and each
// capability's loaders (one per runtime, generated here).
//   node scripts/build.mjs            build (setup first)
//   node scripts/build.mjs --if-stale build only when a source is newer than pkg/
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { bin, crateVersion, log, root, run } from './lib.mjs';
import { setup } from './setup.mjs';

const pkg = join(root, 'pkg');
const SOURCES = ['src', 'wasm', 'pkg-template', 'emulator', 'Cargo.toml', 'Cargo.lock', 'LICENSE', 'CHANGELOG.md'];
// Features that rustc enables by default for wasm32-unknown-unknown; wasm-opt must accept them.
const WASM_FEATURES = [
  '--enable-bulk-memory',
  '--enable-mutable-globals',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-reference-types',
  '--enable-multivalue',
];

function newest(path) {
  const full = join(root, path);
  if (!existsSync(full)) return 0;
  const st = statSync(full);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(full).map((f) => newest(join(path, f))));
}

export function isStale() {
  const stamp = join(pkg, '.build-stamp');
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((s) => newest(s) > built);
}

/**
 * One `.wasm` per capability, each the same binary in every runtime: the Cargo feature it is built
 * with, its glue's name (`<name>.js` + `<name>_bg.wasm`), the module its loaders re-export, and
 * the loaders' file names by runtime. The client keeps the package's historical names
 * (`acs_identity_bg.wasm`, browser.js, node.js...), which apps that host the .wasm and
 * `acs-identity/slim` rely on.
 */
export const BINARIES = [
  {
    feature: 'client',
    name: 'acs_identity',
    entry: 'acs-identity',
    exports: "export * from './api.js';",
    loaders: { browser: 'browser.js', node: 'node.js', workerd: 'workerd.js', 'edge-light': 'edge-light.js' },
  },
  {
    feature: 'sign',
    name: 'acs_identity_sign',
    entry: 'acs-identity/sign',
    exports: "export * from './sign-api.js';",
    loaders: { browser: 'sign-browser.js', node: 'sign-node.js', workerd: 'sign-workerd.js', 'edge-light': 'sign-edge-light.js' },
  },
  {
    feature: 'endpoint',
    name: 'acs_identity_worker',
    entry: 'acs-identity/worker',
    exports: "export * from './worker.js';\nexport { default } from './worker.js';\nexport { toNodeListener } from './node-listener.js';",
    loaders: { browser: 'worker-browser.js', node: 'worker-node.js', workerd: 'worker-workerd.js', 'edge-light': 'worker-edge-light.js' },
  },
];

/** How each runtime's loader instantiates `<name>_bg.wasm` (the glue `<name>.js` is imported as `glue`). */
const LOADERS = {
  browser: {
    about: 'browsers and bundlers: fetches and compiles the .wasm beside this file (top-level await)',
    imports: (name) => [`import init, { __setErrorClass } from './${name}.js';`],
    load: (name) => `await init({ module_or_path: new URL('./${name}_bg.wasm', import.meta.url) });`,
  },
  node: {
    about: 'Node, Deno and Bun: the .wasm is read from beside this file, synchronously',
    imports: (name) => [`import { createRequire } from 'node:module';`, `import { __setErrorClass, initSync } from './${name}.js';`],
    load: (name) =>
      "// `fs` through `require`: importing `node:fs` as an ES module costs Node 20 about 2 ms at start.\n" +
      "const { readFileSync } = createRequire(import.meta.url)('node:fs');\n" +
      `initSync({ module: readFileSync(new URL('./${name}_bg.wasm', import.meta.url)) });`,
  },
  workerd: {
    about: 'Cloudflare Workers (workerd): the bundler imports the .wasm as a compiled module',
    imports: (name) => [`import wasmModule from './${name}_bg.wasm';`, `import { __setErrorClass, initSync } from './${name}.js';`],
    load: () => 'initSync({ module: wasmModule });',
  },
  'edge-light': {
    about:
      'Vercel Edge Functions and Middleware (the `edge-light` condition): code generation from bytes\n' +
      "// is not allowed there, so the .wasm is imported with the `?module` suffix, which Vercel's\n// bundler turns into a compiled WebAssembly.Module",
    imports: (name) => [`import wasmModule from './${name}_bg.wasm?module';`, `import { __setErrorClass, initSync } from './${name}.js';`],
    load: () => 'initSync({ module: wasmModule });',
  },
};

/** The text of one loader: instantiate the capability's binary (once: the glue keeps it), then hand it the shared error class. */
function loaderText(binary, runtime) {
  const l = LOADERS[runtime];
  return [
    `// ${binary.entry} for ${l.about}.`,
    `// Generated by scripts/build.mjs; it loads ${binary.name}_bg.wasm and no other binary.`,
    ...l.imports(binary.name),
    "import { AcsIdentityError } from './errors.js';",
    '',
    l.load(binary.name),
    '__setErrorClass(AcsIdentityError);',
    '',
    binary.exports,
    '',
  ].join('\n');
}

const sizes = (buf) => `${buf.length} B (${gzipSync(buf, { level: 9 }).length} B gzip)`;

export function build({ quiet = false } = {}) {
  setup({ quiet });
  const t0 = Date.now();
  // wasm-pack builds the wasm/ crate (the library's source as a `cdylib` alone, so that cargo runs
  // link-time optimisation) once per capability, with that capability's Cargo feature alone, and
  // runs wasm-bindgen: the one on PATH, which setup pins to Cargo.lock's version (`--mode
  // no-install`: never a download). Its own wasm-opt and package.json are off: the manifest, README
  // and public types come from pkg-template/, and wasm-bindgen's d.ts files describe the internal
  // glue (with `any`s), which no export reaches. It writes to target/ first, so that a failed
  // build leaves pkg/ as it was.
  const wasmCrate = readFileSync(join(root, 'wasm', 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
  if (wasmCrate !== crateVersion()) throw new Error(`wasm/Cargo.toml must have the version of Cargo.toml (${crateVersion()}), not ${wasmCrate}`);
  const outRoot = join(root, 'target', 'wasm-pack');
  rmSync(outRoot, { recursive: true, force: true });
  // Panic locations name source files: without a remap they would carry this machine's paths
  // (the cargo home, the checkout) into the package, and a few hundred bytes more per binary.
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
  const remap = [`--remap-path-prefix=${join(cargoHome, 'registry', 'src')}/=`, `--remap-path-prefix=${root}/=`];
  const env = { ...process.env, RUSTFLAGS: [process.env.RUSTFLAGS, ...remap].filter(Boolean).join(' ') };
  const timings = [];
  for (const b of BINARIES) {
    const t = Date.now();
    const out = join(outRoot, b.name);
    const args = ['build', join(root, 'wasm'), '--target', 'web', '--release', '--mode', 'no-install'];
    args.push('--out-dir', out, '--out-name', b.name, '--no-pack', '--no-typescript', '--no-opt', '--no-gitignore');
    args.push('--', '--no-default-features', '--features', b.feature);
    log(`wasm-pack ${args.join(' ').replaceAll(`${root}/`, '')}`);
    run('wasm-pack', quiet ? ['--quiet', ...args] : args, { stdio: ['inherit', 2, 'inherit'], env });
    for (const f of [`${b.name}.js`, `${b.name}_bg.wasm`]) if (!existsSync(join(out, f))) throw new Error(`wasm-pack did not write ${f}`);
    // The linked binary before wasm-bindgen, kept for the bench's breakdown by area (bench/areas.mjs).
    cpSync(join(root, 'target', 'wasm32-unknown-unknown', 'release', 'acs_identity_wasm.wasm'), join(out, 'linked.wasm'));
    const wasm = join(out, `${b.name}_bg.wasm`);
    run(bin('wasm-opt'), ['-Oz', ...WASM_FEATURES, '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
    timings.push(`${b.feature} ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg);
  for (const b of BINARIES) {
    for (const f of [`${b.name}.js`, `${b.name}_bg.wasm`]) cpSync(join(outRoot, b.name, f), join(pkg, f));
  }
  cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
  for (const b of BINARIES) {
    for (const [runtime, file] of Object.entries(b.loaders)) {
      if (existsSync(join(root, 'pkg-template', file))) throw new Error(`pkg-template/${file} would be overwritten: loaders are generated`);
      writeFileSync(join(pkg, file), loaderText(b, runtime));
    }
    bundleNodeEntry(b);
  }
  for (const f of ['LICENSE', 'CHANGELOG.md']) cpSync(join(root, f), join(pkg, f));
  if (existsSync(join(root, 'emulator'))) {
    cpSync(join(root, 'emulator'), join(pkg, 'emulator'), {
      recursive: true,
      filter: (src) => !src.endsWith('.md') || src.endsWith('README.md'),
    });
  }
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  manifest.version = crateVersion();
  writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(pkg, '.build-stamp'), new Date().toISOString());
  log(`built ${relative(root, pkg)}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s (${timings.join(', ')}):`);
  for (const b of BINARIES) {
    log(
      `  ${b.entry.padEnd(20)} ${b.name}_bg.wasm ${sizes(readFileSync(join(pkg, `${b.name}_bg.wasm`)))}, ` +
        `glue ${sizes(readFileSync(join(pkg, `${b.name}.js`)))}`,
    );
  }
}

/**
 * Inlines the small modules a Node/Deno/Bun loader imports (api.js, sign-api.js, fast-sign.js,
 * worker.js, node-listener.js) into it: each ES module costs start-up time (see BENCHMARKS.md,
 * cold start). The glues, errors.js and credential.js stay separate files, shared with the other
 * entries, so that one process holds one instance of each binary and one `AcsIdentityError` /
 * `AcsTokenCredential` class whatever it imports.
 */
function bundleNodeEntry(binary) {
  const entry = join(pkg, binary.loaders.node);
  const shared = [...BINARIES.map((b) => `./${b.name}.js`), './errors.js', './credential.js'];
  run(bin('esbuild'), [
    entry,
    '--bundle',
    '--format=esm',
    '--platform=neutral',
    '--log-level=warning',
    '--legal-comments=none',
    '--external:node:*',
    ...shared.map((f) => `--external:${f}`),
    `--outfile=${entry}`,
    '--allow-overwrite',
    `--banner:js=// ${binary.entry} for Node, Deno and Bun, generated by scripts/build.mjs (it loads ${binary.name}_bg.wasm and no other binary).`,
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--if-stale') && !isStale()) log('pkg/ is up to date');
  else build();
}
