// Statistics of repeated measurements: median and spread (p10–p90 and IQR), paired ratios.

/** The p-th percentile (0..100) of `values`, linearly interpolated (as numpy's default). */
export function percentile(values, p) {
  const s = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** `{ n, median, p10, p90, q1, q3, min, max }` of `values`. */
export function summary(values) {
  const v = values.filter(Number.isFinite);
  return {
    n: v.length,
    median: percentile(v, 50),
    p10: percentile(v, 10),
    p90: percentile(v, 90),
    q1: percentile(v, 25),
    q3: percentile(v, 75),
    min: Math.min(...v),
    max: Math.max(...v),
  };
}

/**
 * Ratio of two interleaved series, sample by sample (`a[i] / b[i]`): pairs measured back to back
 * share the machine's momentary load, so their ratio is steadier than the ratio of medians.
 */
export function pairedRatio(a, b) {
  const n = Math.min(a.length, b.length);
  const r = [];
  for (let i = 0; i < n; i++) if (b[i] > 0 && Number.isFinite(a[i] / b[i])) r.push(a[i] / b[i]);
  return summary(r);
}

/** Ratio of medians with a conservative spread (p10 of a over p90 of b .. p90 of a over p10 of b). */
export function medianRatio(a, b) {
  const sa = summary(a);
  const sb = summary(b);
  return { n: Math.min(sa.n, sb.n), median: sa.median / sb.median, p10: sa.p10 / sb.p90, p90: sa.p90 / sb.p10 };
}

/** Formats a number with a sensible number of significant digits. */
export function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** "median (p10–p90)" */
export function fmtSpread(s, digits = 3, unit = '') {
  if (!s || !s.n) return '–';
  return `${fmt(s.median, digits)}${unit} (${fmt(s.p10, digits)}–${fmt(s.p90, digits)})`;
}

/** Sleeps `ms` milliseconds. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
