// Output formats, rendered as the Azure CLI (knack) renders them:
//   json   json.dumps(indent=2, sort_keys=True, ensure_ascii=False)
//   jsonc  the same, coloured as pygments' JSON lexer + TerminalFormatter
//   yaml   yaml.dump(default_flow_style=False, allow_unicode=True) (keys sorted, YAML 1.1 quoting)
//   yamlc  the same, coloured
//   table  tabulate(headers="keys", tablefmt="simple") of the scalar fields; keys sorted unless --query
//   tsv    one line per item, values tab-separated in (sorted) key order, no header
//   none   nothing
// A result of null/undefined prints nothing in any format (as az).

// ---- dates as Python prints them ---------------------------------------------------------------

const pad = (n, w = 2) => String(n).padStart(w, '0');

function pyDate(date, sep) {
  const d = date instanceof Date ? date : new Date(date);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return `${base}${ms ? `.${pad(ms, 3)}000` : ''}+00:00`;
}

/** Python's `datetime.isoformat()` of an aware UTC datetime: `2024-04-02T05:54:23.957000+00:00`. */
export const pythonIso = (date) => pyDate(date, 'T');

// ---- helpers -----------------------------------------------------------------------------------

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function sortKeysDeep(v) {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (isObject(v)) {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep(v[k]);
    return out;
  }
  return v;
}

/** Python's str() of a scalar. */
function pyStr(v) {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

// ---- colours (pygments TerminalFormatter, light background) -------------------------------------

const C = {
  key: '\x1b[94m', // Name.Tag: brightblue
  string: '\x1b[33m', // String: yellow
  number: '\x1b[34m', // Number: blue
  keyword: '\x1b[34m', // Keyword.Constant: blue
  reset: '\x1b[39;49;00m',
};
const paint = (color, text) => `${color}${text}${C.reset}`;

// ---- json ----------------------------------------------------------------------------------------

export function formatJson(result, { color = false } = {}) {
  const text = JSON.stringify(sortKeysDeep(result), null, 2);
  if (!color) return `${text}\n`;
  // Colour token by token: keys ("...":), strings, numbers, literals.
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;
  return `${text.replace(re, (m, str, colon, num, kw) => {
    if (str !== undefined) return colon ? `${paint(C.key, str)}${colon}` : paint(C.string, str);
    if (num !== undefined) return paint(C.number, num);
    return paint(C.keyword, kw);
  })}\n`;
}

// ---- yaml (PyYAML's emitter, block style) ---------------------------------------------------------

const YAML_IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, // bool
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/, // float
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/, // int
  /^(?:<<)$/, // merge
  /^(?:~|null|Null|NULL|)$/, // null
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/, // timestamp
  /^(?:=)$/, // value
];
// eslint-disable-next-line no-control-regex
const YAML_SPECIAL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]/;

function yamlNeedsQuotes(s) {
  if (s === '' || YAML_IMPLICIT.some((re) => re.test(s))) return true;
  if (/^\s|\s$/.test(s) || /[\n\r\u0085\u2028\u2029]/.test(s)) return true;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return true;
  if (/^[-?:](\s|$)/.test(s)) return true;
  if (/:(\s|$)/.test(s) || /\s#/.test(s)) return true;
  return YAML_SPECIAL.test(s);
}

function yamlString(s, color) {
  if (!yamlNeedsQuotes(s)) return s;
  const quoted =
    YAML_SPECIAL.test(s) || /[\n\r\u0085\u2028\u2029]/.test(s)
      ? JSON.stringify(s)
      : `'${s.replace(/'/g, "''")}'`;
  return color ? paint(C.string, quoted) : quoted;
}

function yamlScalar(v, color) {
  if (v === null || v === undefined) return 'null';
  if (v === true || v === false) return String(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return yamlString(String(v), color);
}

const yamlKey = (k, color) => (color ? paint(C.key, yamlString(k, false)) : yamlString(k, false));

function yamlLines(v, indent, color) {
  const sp = ' '.repeat(indent);
  const lines = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if ((isObject(item) && Object.keys(item).length) || (Array.isArray(item) && item.length)) {
        const inner = yamlLines(item, indent + 2, color);
        lines.push(`${sp}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1));
      } else lines.push(`${sp}- ${yamlInline(item, color)}`);
    }
    return lines;
  }
  for (const [k, val] of Object.entries(v)) {
    const key = `${sp}${yamlKey(k, color)}:`;
    if (isObject(val) && Object.keys(val).length) lines.push(key, ...yamlLines(val, indent + 2, color));
    else if (Array.isArray(val) && val.length) lines.push(key, ...yamlLines(val, indent, color)); // PyYAML: no indent for sequences in mappings
    else lines.push(`${key} ${yamlInline(val, color)}`);
  }
  return lines;
}

function yamlInline(v, color) {
  if (Array.isArray(v)) return '[]';
  if (isObject(v)) return '{}';
  return yamlScalar(v, color);
}

export function formatYaml(result, { color = false } = {}) {
  const v = sortKeysDeep(result);
  if ((isObject(v) && Object.keys(v).length) || (Array.isArray(v) && v.length)) return `${yamlLines(v, 0, color).join('\n')}\n`;
  // A lone scalar (or empty collection) is a document of its own: PyYAML ends it with '...'.
  const text = yamlInline(v, color);
  return isObject(v) || Array.isArray(v) ? `${text}\n` : `${text}\n...\n`;
}

// ---- table (tabulate "simple") ----------------------------------------------------------------------

const TABLE_SKIP_KEYS = ['id', 'type', 'etag'];

function tableItem(item, sortKeys) {
  const entry = new Map();
  if (isObject(item)) {
    const keys = sortKeys ? Object.keys(item).sort() : Object.keys(item);
    for (const k of keys) {
      if (TABLE_SKIP_KEYS.includes(k)) continue;
      const val = item[k];
      if (val !== null && val !== undefined && typeof val !== 'object') entry.set(k ? k[0].toUpperCase() + k.slice(1) : k, val);
    }
  } else if (Array.isArray(item)) {
    item.forEach((val, i) => entry.set(`Column${i + 1}`, val));
  } else entry.set('Result', item);
  return entry;
}

/** Thrown when a result has no scalar field to show as a table. */
export class OutputError extends Error {}

export function formatTable(result, { sortKeys = true } = {}) {
  const rows = (Array.isArray(result) ? result : [result]).map((item) => tableItem(item, sortKeys));
  if (rows.length === 0) return '\n';
  const headers = [];
  for (const r of rows) for (const k of r.keys()) if (!headers.includes(k)) headers.push(k);
  if (headers.length === 0) {
    throw new OutputError(
      'Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.',
    );
  }
  const cells = rows.map((r) => headers.map((h) => (r.has(h) ? pyStr(r.get(h)) : '')));
  const widths = headers.map((h, c) => Math.max(h.length + 2, ...cells.map((row) => row[c].length)));
  const line = (parts) => parts.map((p, c) => p.padEnd(widths[c])).join('  ').trimEnd();
  return `${[line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')}\n`;
}

// ---- tsv -----------------------------------------------------------------------------------------

function tsvCell(v) {
  if (Array.isArray(v)) return String(v.length);
  if (isObject(v)) return '';
  return pyStr(v);
}

export function formatTsv(result, { sortKeys = true } = {}) {
  const rows = Array.isArray(result) ? result : [result];
  let out = '';
  for (const row of rows) {
    if (isObject(row)) {
      const keys = sortKeys ? Object.keys(row).sort() : Object.keys(row);
      out += keys.map((k) => tsvCell(row[k])).join('\t');
    } else if (Array.isArray(row)) out += row.map(tsvCell).join('\t');
    else if (typeof row === 'boolean') out += String(row);
    else out += tsvCell(row);
    out += '\n';
  }
  return out;
}

// ---- dispatch ----------------------------------------------------------------------------------------

/**
 * Render a command's result.
 * @param {unknown} result
 * @param {{ output?: string, color?: boolean, queryActive?: boolean }} [opts]
 * @returns {string} the text to write to stdout ('' for nothing)
 */
export function render(result, { output = 'json', color = false, queryActive = false } = {}) {
  if (result === null || result === undefined || output === 'none') return '';
  switch (output) {
    case 'json':
      return formatJson(result);
    case 'jsonc':
      return formatJson(result, { color });
    case 'yaml':
      return formatYaml(result);
    case 'yamlc':
      return formatYaml(result, { color });
    case 'table':
      return formatTable(result, { sortKeys: !queryActive });
    case 'tsv':
      return formatTsv(result, { sortKeys: !queryActive });
    default:
      throw new Error(`unknown output format ${output}`);
  }
}
