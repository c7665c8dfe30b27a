// The same page as cold-ours.mjs, served with `<link rel="preload">` for the .wasm in its HTML
// (bench/lib/web.mjs), so the download starts with the page instead of when the bundle runs.
import './cold-ours.mjs';
