// Horizontal bar charts as standalone SVG (no dependencies): groups of bars, each with an optional
// p10–p90 whisker, stacked segments and vertical target lines.

export const COLORS = { ours: '#d9480f', sdk: '#1c7ed6', native: '#495057', floor: '#adb5bd', base: '#ced4da', alt: '#f08c00' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max, log) {
  if (log) {
    const out = [];
    for (let p = log.min; p <= max * 1.0001; p *= 10) out.push(p);
    return out;
  }
  const step = max / 5;
  return Array.from({ length: 6 }, (_, i) => i * step);
}

/**
 * @param {{ title: string, subtitle?: string, unit: string, format?: (v: number) => string,
 *   groups: Array<{ label: string, bars: Array<{ label: string, value: number, lo?: number, hi?: number,
 *     color?: string, segments?: Array<{ value: number, color: string, label?: string }>, note?: string }> }>,
 *   targets?: Array<{ value: number, label: string }>, legend?: Array<{ label: string, color: string }>,
 *   log?: boolean, width?: number }} spec
 */
export function barChart(spec) {
  const width = spec.width ?? 760;
  const fmtV = spec.format ?? ((v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString()));
  const left = 190;
  const right = 150;
  const barH = 16;
  const gap = 4;
  const groupGap = 14;
  const top = spec.subtitle ? 58 : 42;
  const plotW = width - left - right;
  const values = spec.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.hi ?? b.value])).concat((spec.targets ?? []).map((t) => t.value));
  const maxV = niceMax(Math.max(...values.filter(Number.isFinite)));
  let log = null;
  if (spec.log) {
    const minV = Math.min(...spec.groups.flatMap((g) => g.bars.map((b) => b.lo ?? b.value)).filter((v) => v > 0));
    log = { min: 10 ** Math.floor(Math.log10(minV)), max: 10 ** Math.ceil(Math.log10(maxV)) };
  }
  const max = log ? log.max : maxV;
  const x = (v) => {
    if (!(v > 0)) return left;
    if (log) return left + (plotW * (Math.log10(v) - Math.log10(log.min))) / (Math.log10(log.max) - Math.log10(log.min));
    return left + (plotW * v) / max;
  };
  let y = top;
  const parts = [];
  for (const g of spec.groups) {
    if (g.label) {
      parts.push(`<text x="8" y="${y + 12}" class="g">${esc(g.label)}</text>`);
      y += 18;
    }
    for (const b of g.bars) {
      const cy = y + barH / 2;
      if (b.segments) {
        let acc = 0;
        for (const s of b.segments) {
          const x0 = x(acc);
          acc += s.value;
          parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(0, x(acc) - x0).toFixed(1)}" height="${barH}" fill="${s.color}"><title>${esc(s.label ?? '')} ${esc(fmtV(s.value))}</title></rect>`);
        }
      } else if (Number.isFinite(b.value)) {
        parts.push(`<rect x="${left}" y="${y}" width="${Math.max(0, x(b.value) - left).toFixed(1)}" height="${barH}" fill="${b.color ?? COLORS.ours}"/>`);
      }
      if (Number.isFinite(b.lo) && Number.isFinite(b.hi)) {
        const x1 = x(b.lo);
        const x2 = x(b.hi);
        parts.push(`<path d="M${x1.toFixed(1)} ${cy}H${x2.toFixed(1)}M${x1.toFixed(1)} ${cy - 4}V${cy + 4}M${x2.toFixed(1)} ${cy - 4}V${cy + 4}" class="w"/>`);
      }
      const end = Math.max(x(b.hi ?? b.value), x(b.value));
      const text = Number.isFinite(b.value) ? `${fmtV(b.value)}${spec.unit ? ` ${spec.unit}` : ''}${b.note ? ` ${b.note}` : ''}` : 'n/a';
      parts.push(`<text x="${left - 6}" y="${cy + 4}" class="b" text-anchor="end">${esc(b.label)}</text>`);
      parts.push(`<text x="${(Math.min(end, left + plotW) + 5).toFixed(1)}" y="${cy + 4}" class="v">${esc(text)}</text>`);
      y += barH + gap;
    }
    y += groupGap - gap;
  }
  const bottom = y + 4;
  const axis = [];
  for (const t of ticks(max, log)) {
    const tx = x(t);
    axis.push(`<path d="M${tx.toFixed(1)} ${top - 6}V${bottom}" class="grid"/>`);
    axis.push(`<text x="${tx.toFixed(1)}" y="${bottom + 14}" class="t" text-anchor="middle">${esc(fmtV(t))}</text>`);
  }
  for (const t of spec.targets ?? []) {
    const tx = x(t.value);
    axis.push(`<path d="M${tx.toFixed(1)} ${top - 10}V${bottom}" class="target"/>`);
    axis.push(`<text x="${(tx + 3).toFixed(1)}" y="${top - 12}" class="tl">${esc(t.label)}</text>`);
  }
  const height = bottom + 26;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui,-apple-system,'Segoe UI',Roboto,sans-serif">
<style>
.title{font-size:15px;font-weight:600;fill:#212529}.sub{font-size:11px;fill:#495057}.g{font-size:12px;font-weight:600;fill:#212529;paint-order:stroke;stroke:#fff;stroke-width:4px}
.b{font-size:11px;fill:#343a40}.v{font-size:11px;fill:#212529}.t{font-size:10px;fill:#868e96}.tl{font-size:10px;fill:#c92a2a;paint-order:stroke;stroke:#fff;stroke-width:3px}.lg{font-size:11px;fill:#343a40}
.grid{stroke:#e9ecef;stroke-width:1}.target{stroke:#c92a2a;stroke-width:1.5;stroke-dasharray:4 3}.w{stroke:#212529;stroke-width:1.2;fill:none}
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="20" class="title">${esc(spec.title)}</text>
${spec.subtitle ? `<text x="8" y="37" class="sub">${esc(spec.subtitle)}</text>` : ''}
${(spec.legend ?? []).map((l, i, all) => { const lx = width - 10 - (all.length - i) * 110; return `<rect x="${lx}" y="10" width="10" height="10" fill="${l.color}"/><text x="${lx + 14}" y="19" class="lg">${esc(l.label)}</text>`; }).join('')}
${axis.join('\n')}
${parts.join('\n')}
</svg>
`;
}
