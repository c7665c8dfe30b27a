// The browser side: bundles the bench pages with esbuild, serves them from loopback, one headless
// Chromium for the whole run (tests/support/chromium.mjs: the system Chromium, never a download).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { launchChromium, chromiumAvailable } from '../../tests/support/chromium.mjs';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { onCleanup } from './procs.mjs';

export const PAGES = ['signing', 'cold-ours', 'cold-ours-preload', 'cold-sdk', 'cold-empty'];

/** The page that starts the .wasm download from the HTML, as the package README recommends. */
const PRELOAD = '<link rel="preload" href="./acs_identity_bg.wasm" as="fetch" type="application/wasm" crossorigin>';

/** Bundles bench/browser/<page>.mjs into `outDir` with an HTML page each (the .wasm is already there). */
export async function bundlePages(benchDir, outDir) {
  for (const page of PAGES) {
    await build({
      entryPoints: [join(benchDir, 'browser', `${page}.mjs`)],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      outfile: join(outDir, `${page}.js`),
      logLevel: 'error',
    });
    const head = page === 'cold-ours-preload' ? PRELOAD : '';
    writeFileSync(join(outDir, `${page}.html`), `<!doctype html><meta charset="utf-8"><title>${page}</title>${head}<script type="module" src="./${page}.js"></script>\n`);
  }
  for (const app of ['ours-browser-app', 'sdk-browser-app', 'ours-sign-app', 'sdk-sign-app']) {
    writeFileSync(join(outDir, `${app}.html`), `<!doctype html><meta charset="utf-8"><title>${app}</title><body><script type="module" src="./${app}.js"></script>\n`);
  }
}

/** Serves `dir` and launches Chromium; `close()` ends both. Null when Chromium is not installed. */
export async function startWeb(dir) {
  if (!chromiumAvailable()) return null;
  const server = await serveStatic(dir);
  let browser;
  const close = async () => {
    await browser?.close().catch(() => {});
    await server.close();
  };
  const unregister = onCleanup(close);
  try {
    browser = await launchChromium();
  } catch (e) {
    unregister();
    await server.close();
    throw e;
  }
  return {
    url: server.url,
    browser,
    version: browser.version(),
    close: () => {
      unregister();
      return close();
    },
  };
}

/**
 * Opens `path` in a fresh browser context (its own cache) and runs `fn(page)`; page errors are
 * collected and reported if `fn` fails.
 */
export async function withPage(web, path, fn) {
  const context = await web.browser.newContext();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${web.url}/${path}`);
    return await fn(page);
  } catch (e) {
    throw new Error(`${path}: ${errors.join('; ') || e.message}`);
  } finally {
    await context.close();
  }
}

/** Opens `path` in a fresh context and returns `window[key]` once the page has set it. */
export function visit(web, path, key, { timeoutMs = 60_000 } = {}) {
  return withPage(web, path, async (page) => {
    await page.waitForFunction((k) => window[k] !== undefined, key, { timeout: timeoutMs });
    return page.evaluate((k) => window[k], key);
  });
}
