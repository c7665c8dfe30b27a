// az-style help text for groups and commands.
import { GLOBAL_ARGS, PROG, TREE, children } from './spec.js';
// Layout as knack (az) prints it: 100 columns, `name : text` rows aligned across sections.

const WIDTH = 100;

/** Word-wrap `text` to lines of at most `width` characters. */
function wrap(text, width) {
  const lines = [];
  let line = '';
  // Split at single spaces only: a double space (after a sentence, as knack writes) is kept.
  for (const word of text.trim().split(/ (?! )/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line.trimEnd());
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line.trimEnd());
  return lines.length ? lines : [''];
}

/** `    name : text` rows with the colons aligned and the text wrapped under itself. */
function table(rows, width) {
  const w = width ?? Math.max(...rows.map(([n]) => n.length));
  const out = [];
  for (const [name, text] of rows) {
    const lead = `    ${name.padEnd(w)} : `;
    const body = wrap(text, Math.max(30, WIDTH - lead.length));
    out.push(lead + body[0]);
    for (const l of body.slice(1)) out.push(' '.repeat(lead.length) + l);
  }
  return out;
}

function deprecationText(node) {
  return node.deprecated
    ? `This command has been deprecated and will be removed in a future release. Use '${node.deprecated.redirect}' instead.`
    : undefined;
}

function header(kind, path, node) {
  const title = `${PROG}${path ? ` ${path}` : ''}`;
  const out = ['', kind];
  const lead = `    ${title} : `;
  const first = wrap(node.summary, WIDTH - lead.length);
  out.push(lead + first[0]);
  for (const l of wrap(first.slice(1).join(' '), WIDTH - 4)) if (l) out.push(`    ${l}`);
  const dep = deprecationText(node);
  for (const extra of [dep && `WARNING: ${dep}`, node.description].filter(Boolean)) {
    for (const l of wrap(extra, WIDTH - 8)) out.push(`        ${l}`);
  }
  return out;
}

function groupHelp(path) {
  const node = TREE[path];
  const out = header('Group', path, node);
  const kids = children(path)
    .map((name) => ({ name, node: TREE[path ? `${path} ${name}` : name] }))
    .filter((k) => !k.node.hidden);
  const subgroups = kids.filter((k) => k.node.group);
  const commands = kids.filter((k) => !k.node.group);
  const w = Math.max(...kids.map((k) => k.name.length));
  if (subgroups.length) {
    out.push('', 'Subgroups:');
    out.push(...table(subgroups.map((k) => [k.name, k.node.summary]), w));
  }
  if (commands.length) {
    out.push('', 'Commands:');
    out.push(...table(commands.map((k) => [k.name, k.node.summary]), w));
  }
  out.push('', '');
  return out.join('\n');
}

function argRow(spec) {
  const names = [spec.name, ...(spec.aliases ?? [])].join(' ');
  return [spec.required ? `${names} [Required]` : names, spec.help];
}

const byRequiredThenName = (a, b) => Number(Boolean(b.required)) - Number(Boolean(a.required)) || a.name.localeCompare(b.name);

function commandHelp(path) {
  const node = TREE[path];
  const out = header('Command', path, node);
  const own = node.args.filter((a) => !a.group).sort(byRequiredThenName);
  const communication = node.args.filter((a) => a.group === 'Communication').sort(byRequiredThenName);
  const sections = [['Arguments', own]];
  if (communication.length) sections.push(['Communication Arguments', communication]);
  if (!node.passthrough) sections.push(['Global Arguments', GLOBAL_ARGS]);
  const w = Math.max(...sections.flatMap(([, args]) => args.map((a) => argRow(a)[0].length)));
  for (const [title, args] of sections) {
    out.push('', title);
    out.push(...table(args.map(argRow), w));
  }
  if (node.examples?.length) {
    out.push('', 'Examples');
    for (const [title, cmd] of node.examples) {
      out.push(`    ${title}`);
      for (const l of wrap(cmd.startsWith('export ') || cmd.startsWith('curl ') ? cmd : `${PROG} ${cmd}`, WIDTH - 8)) out.push(`        ${l}`);
      out.push('');
    }
    out.pop();
  }
  out.push('', '');
  return out.join('\n');
}

/** The help text of a group or command path ('' is the root). */
export function renderHelp(path) {
  return `${TREE[path].group ? groupHelp(path) : commandHelp(path)}\n`;
}
