// Command-line parsing with argparse's (and so az's) conventions and messages:
//   --flag value | --flag=value | -o value | -ovalue; multi-value flags take the following values
//   up to the next flag (`--scope chat voip`); a repeated flag replaces the earlier value, as in az;
//   global flags anywhere; unknown commands and flags get difflib-like suggestions.
import { closeMatches } from '../emulator/difflib.mjs';
import { GLOBAL_ARGS, PROG, TREE, children } from './spec.js';

/**
 * A mistake on the command line: exit 2. `path` is the command or group it concerns; `examples`
 * says whether az would follow the message with the command's examples.
 */
export class UsageError extends Error {
  /** @param {string} message @param {{ path?: string, examples?: boolean }} [opts] */
  constructor(message, opts = {}) {
    super(message);
    this.name = 'UsageError';
    this.path = opts.path;
    this.examples = opts.examples ?? true;
  }
}

// ---- redaction of echoed arguments ---------------------------------------------------------------

const SECRET_LIKE = /accesskey=|eyJ[A-Za-z0-9_-]{8,}\.|signature=/i;

/** An argument as it may be echoed in a message: connection strings and tokens become REDACTED. */
export function echoArg(token) {
  if (!SECRET_LIKE.test(token)) return token;
  const eq = token.startsWith('-') ? token.indexOf('=') : -1;
  return eq > 0 ? `${token.slice(0, eq)}=REDACTED` : 'REDACTED';
}

// ---- parsing -----------------------------------------------------------------------------------

const isFlagLike = (t) => t.length > 1 && t.startsWith('-') && !/^-\d/.test(t);
export const displayName = (spec) => [spec.name, ...(spec.aliases ?? [])].join('/');

function indexSpecs(specs) {
  const map = new Map();
  for (const s of specs) for (const n of [s.name, ...(s.aliases ?? [])]) map.set(n, s);
  return map;
}

/** Split `--name=value` / `-ovalue` into the known spec and the inline value. */
function lookup(map, token) {
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    return { spec: map.get(name), inline: eq > 0 ? token.slice(eq + 1) : undefined };
  }
  const exact = map.get(token);
  if (exact) return { spec: exact, inline: undefined };
  const short = map.get(token.slice(0, 2));
  if (short && !short.flag) return { spec: short, inline: token.slice(2).replace(/^=/, '') };
  return { spec: undefined, inline: undefined };
}

/**
 * Consume one option at argv[i] (whose spec is known). Returns the index of the next token.
 * @returns {number}
 */
function consume(argv, i, spec, inline, out, path) {
  const shown = displayName(spec);
  if (spec.flag) {
    if (inline !== undefined) throw new UsageError(`argument ${shown}: ignored explicit argument '${echoArg(inline)}'`, { path });
    out[spec.dest] = true;
    return i + 1;
  }
  const values = [];
  let next = i + 1;
  if (inline !== undefined) values.push(inline);
  else {
    while (next < argv.length && !isFlagLike(argv[next]) && argv[next] !== '--') {
      values.push(argv[next++]);
      if (!spec.multiple) break;
    }
  }
  if (values.length === 0) {
    throw new UsageError(`argument ${shown}: expected ${spec.multiple ? 'at least one argument' : 'one argument'}`, { path });
  }
  for (const v of values) {
    if (spec.choices && !spec.choices.includes(v)) {
      const allowed = spec.choicesShown ?? spec.choices;
      throw new UsageError(
        `${PROG}${path ? ` ${path}` : ''}: '${echoArg(v)}' is not a valid value for '${spec.name}'. Allowed values: ${allowed.join(', ')}.`,
        { path },
      );
    }
    if (spec.type === 'int' && !/^\s*[+-]?\d+\s*$/.test(v)) {
      throw new UsageError(`argument ${shown}: invalid int value: '${echoArg(v)}'`, { path });
    }
  }
  const typed = spec.type === 'int' ? values.map((v) => Number.parseInt(v.trim(), 10)) : values;
  // As argparse (and so az): a repeated flag replaces the earlier value(s).
  out[spec.dest] = spec.multiple ? typed : typed[typed.length - 1];
  return next;
}

function unknownCommand(word, path) {
  const here = children(path);
  let suggestions = closeMatches(word, here);
  if (suggestions.length === 0) {
    // `acs-identity revoke` → 'token revoke': a command of a subgroup with that exact name.
    const prefix = path === '' ? '' : `${path} `;
    suggestions = Object.keys(TREE)
      .filter((k) => k.startsWith(prefix) && k.split(' ').pop() === word && !TREE[k].group)
      .map((k) => k.slice(prefix.length));
  }
  // az puts the suggestion on a line of its own, with a space before the question mark.
  const did = suggestions.length ? `\nDid you mean '${suggestions[0]}' ?` : '';
  return new UsageError(`'${echoArg(word)}' is misspelled or not recognized by the system.${did}`, { path, examples: false });
}

/**
 * @typedef {object} Parsed
 * @property {'help'|'version'|'run'} action
 * @property {string} path            the command or group path ('' is the root)
 * @property {Record<string, any>} opts    the command's arguments by dest
 * @property {{debug?: boolean, help?: boolean, onlyShowErrors?: boolean, output?: string, query?: string, verbose?: boolean, version?: boolean}} globals
 * @property {string[]} [passthrough] arguments handed on as is (emulator)
 */

/**
 * Parse the arguments after the program name.
 * @param {string[]} argv
 * @returns {Parsed}
 * @throws {UsageError}
 */
export function parseArgv(argv) {
  const globalMap = indexSpecs(GLOBAL_ARGS);
  /** @type {Parsed['globals']} */
  const globals = {};
  const wantsHelp = argv.includes('-h') || argv.includes('--help');
  let path = '';
  let i = 0;

  // 1. The command path; global flags may come before it.
  while (i < argv.length && TREE[path].group) {
    const t = argv[i];
    if (isFlagLike(t)) {
      const { spec, inline } = lookup(globalMap, t);
      if (spec) {
        i = consume(argv, i, spec, inline, globals, path);
        continue;
      }
      if (t === '--version' && path === '') {
        globals.version = true;
        i++;
        continue;
      }
      break;
    }
    const next = path === '' ? t : `${path} ${t}`;
    if (!TREE[next]) throw unknownCommand(t, path);
    path = next;
    i++;
  }

  const node = TREE[path];
  if (node.group) {
    if (globals.help || wantsHelp) return { action: 'help', path, opts: {}, globals };
    if (globals.version && path === '' && i === argv.length) return { action: 'version', path, opts: {}, globals };
    if (i < argv.length) {
      throw new UsageError(`unrecognized arguments: ${argv.slice(i).map(echoArg).join(' ')}`, { path, examples: false });
    }
    // A group without a subcommand is a usage error in az (argparse's own wording).
    throw new UsageError('the following arguments are required: _subcommand', { path, examples: false });
  }
  if (globals.version) throw new UsageError('unrecognized arguments: --version', { path });

  if (node.passthrough) {
    const rest = argv.slice(i);
    if (globals.help || rest.includes('-h') || rest.includes('--help')) return { action: 'help', path, opts: {}, globals };
    return { action: 'run', path, opts: {}, globals, passthrough: rest };
  }

  // 2. The command's arguments (and global ones, anywhere).
  const specs = [...node.args, ...GLOBAL_ARGS];
  const map = indexSpecs(specs);
  /** @type {Record<string, any>} */
  const opts = {};
  const unknown = [];
  while (i < argv.length) {
    const t = argv[i];
    if (t === '--') {
      unknown.push(...argv.slice(i + 1));
      break;
    }
    if (!isFlagLike(t)) {
      unknown.push(t);
      i++;
      continue;
    }
    const { spec, inline } = lookup(map, t);
    if (!spec) {
      if (wantsHelp) {
        i++;
        continue;
      }
      unknown.push(t);
      i++;
      continue;
    }
    const target = GLOBAL_ARGS.includes(spec) ? globals : opts;
    if (wantsHelp) {
      // Help wins over every other mistake; still skip values so that they are not taken as commands.
      try {
        i = consume(argv, i, spec, inline, target, path);
      } catch {
        i++;
      }
      continue;
    }
    i = consume(argv, i, spec, inline, target, path);
  }
  if (globals.help || wantsHelp) return { action: 'help', path, opts: {}, globals };

  const missing = node.args.filter((s) => s.required && opts[s.dest] === undefined);
  if (missing.length) {
    throw new UsageError(`the following arguments are required: ${missing.map(displayName).join(', ')}`, { path });
  }
  if (unknown.length) {
    throw new UsageError(`unrecognized arguments: ${unknown.map(echoArg).join(' ')}`, { path, examples: false });
  }
  return { action: 'run', path, opts, globals };
}

/**
 * What az prints after an argument error: the command's examples (when `examples`), then the
 * reference link. Examples that are our additions are left out, as az's command has none.
 */
export function usageEnding(path, examples) {
  const node = TREE[path ?? ''];
  const out = [''];
  const shown = examples ? (node?.examples ?? []).filter((e) => !e[2]?.addition) : [];
  if (shown.length) {
    out.push("Examples from command's help:");
    for (const [title, cmd] of shown) out.push(`${PROG} ${cmd}`, title, '');
  }
  out.push('https://aka.ms/cli_ref', 'Read more about the command in reference docs');
  return `${out.join('\n')}\n`;
}
