// Output formats (--output) and --query: goldens of the installed CLI's output against the
// emulator (variable parts normalised; the same shapes az 2.91.0 printed, see golden.test.mjs),
// and exact goldens of the formatters on fixed data.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createUserId, normalise, pkgDir, runInPty, runWith, scriptPath, startEmulator } from './helpers.mjs';

const ID1 = '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000001';
const DATE = '2024-04-02T05:54:23.0000000+00:00';
const ESC = '\x1b[';

let emu;
before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(() => emu.close());

async function out(args, opts) {
  const r = await runWith(emu, args, opts);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return normalise(r.stdout);
}

describe('output formats of the CLI (golden, normalised)', { concurrency: 4 }, () => {
  const USER_CREATE = {
    json: `{\n  "properties": {\n    "id": "${ID1}"\n  },\n  "rawId": "${ID1}"\n}\n`,
    yaml: `properties:\n  id: ${ID1}\nrawId: ${ID1}\n`,
    table: ['RawId', '-'.repeat(ID1.length), ID1, ''].join('\n'),
    tsv: `\t${ID1}\n`,
    none: '',
  };
  USER_CREATE.jsonc = USER_CREATE.json; // not a terminal: no colours
  USER_CREATE.yamlc = USER_CREATE.yaml;

  for (const [format, golden] of Object.entries(USER_CREATE)) {
    test(`user create -o ${format}`, async () => {
      assert.equal(await out(['user', 'create', '-o', format]), golden);
    });
  }

  test('json is the default and is indented by 2 spaces with sorted keys', async () => {
    assert.equal(await out(['user', 'create']), USER_CREATE.json);
    assert.equal(await out(['token', 'issue', '--scope', 'chat']), `{\n  "expires_on": "${DATE}",\n  "token": "<TOKEN>",\n  "user_id": "${ID1}"\n}\n`);
  });

  test('token issue as yaml, tsv, none', async () => {
    assert.equal(await out(['token', 'issue', '--scope', 'chat', '-o', 'yaml']), `expires_on: '${DATE}'\ntoken: <TOKEN>\nuser_id: ${ID1}\n`);
    assert.equal(await out(['token', 'issue', '--scope', 'chat', '-o', 'tsv']), `${DATE}\t<TOKEN>\t${ID1}\n`);
    assert.equal(await out(['token', 'issue', '--scope', 'chat', '-o', 'none']), '');
  });

  test('token issue as a table: headers from the keys, dashed rule as wide as each column', async () => {
    const r = await runWith(emu, ['token', 'issue', '--scope', 'chat', '-o', 'table']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], '');
    const [exp, token, user] = lines[2].split(/ {2,}/);
    assert.match(exp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(user, /^8:acs:/);
    const widths = [Math.max('Expires_on'.length + 2, exp.length), Math.max('Token'.length + 2, token.length), Math.max('User_id'.length + 2, user.length)];
    assert.equal(lines[1], widths.map((w) => '-'.repeat(w)).join('  '));
    assert.equal(lines[0], ['Expires_on'.padEnd(widths[0]), 'Token'.padEnd(widths[1]), 'User_id'].join('  '));
    assert.equal(lines[2], [exp.padEnd(widths[0]), token.padEnd(widths[1]), user].join('  '));
  });

  test('user show with a custom id and lastTokenIssuedAt', async () => {
    const user = await createUserId(emu, ['--custom-id', `golden-${process.pid}-${Date.now()}`]);
    await out(['token', 'issue', '--scope', 'voip', '--user', user]);
    const shown = await out(['user', 'show', '--user', user, '-o', 'yaml']);
    assert.match(
      shown,
      new RegExp(
        `^customId: golden-\\d+-\\d+\\nlastTokenIssuedAt: '2024-04-02T05:54:23\\.957000\\+00:00'\\nproperties:\\n  id: ${ID1}\\nrawId: ${ID1}\\n$`,
      ),
    );
  });

  test('revoke and delete print nothing in any format', async () => {
    for (const format of ['table', 'yaml']) {
      const user = await createUserId(emu);
      assert.equal(await out(['token', 'revoke', '--user', user, '--yes', '-o', format]), '');
      assert.equal(await out(['user', 'delete', '--user', user, '--yes', '-o', format, '--query', 'x']), '');
    }
  });
});

describe('--query (JMESPath, applied before formatting)', { concurrency: 4 }, () => {
  test('a scalar: json string, tsv raw value, table Result column, yaml document', async () => {
    assert.equal(await out(['user', 'create', '--query', 'rawId']), `"${ID1}"\n`);
    assert.equal(await out(['user', 'create', '--query', 'rawId', '-o', 'tsv']), `${ID1}\n`);
    assert.equal(await out(['user', 'create', '--query', 'rawId', '-o', 'table']), `Result\n${'-'.repeat(ID1.length)}\n${ID1}\n`);
    assert.equal(await out(['user', 'create', '--query', "'communication_user'", '-o', 'yaml']), 'communication_user\n...\n');
    assert.equal(await out(['user', 'create', '--query', 'properties.id', '-o', 'tsv']), `${ID1}\n`);
  });

  test('a multiselect hash: json sorts keys; table and tsv keep the query order (as az)', async () => {
    const q = ['--query', '{user: user_id, expires: expires_on}'];
    assert.equal(await out(['token', 'issue', '--scope', 'chat', ...q]), `{\n  "expires": "${DATE}",\n  "user": "${ID1}"\n}\n`);
    assert.equal(await out(['token', 'issue', '--scope', 'chat', ...q, '-o', 'tsv']), `${ID1}\t${DATE}\n`);
    assert.equal(
      await out(['token', 'issue', '--scope', 'chat', ...q, '-o', 'table']),
      [`User${' '.repeat(ID1.length - 4)}  Expires`, `${'-'.repeat(ID1.length)}  ${'-'.repeat(DATE.length)}`, `${ID1}  ${DATE}`, ''].join('\n'),
    );
  });

  test('a list result, and a query that selects nothing prints nothing', async () => {
    assert.equal(await out(['user', 'create', '--query', "['communication_user', rawId]"]), `[\n  "communication_user",\n  "${ID1}"\n]\n`);
    assert.equal(await out(['user', 'create', '--query', "['communication_user', rawId]", '-o', 'tsv']), `communication_user\n${ID1}\n`);
    assert.equal(await out(['user', 'create', '--query', 'nothing']), '');
  });

  test('the typical script: --query token -o tsv gives the bare token', async () => {
    const r = await runWith(emu, ['token', 'issue', '--scope', 'chat', '--query', 'token', '-o', 'tsv']);
    assert.match(r.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });
});

describe('colours (jsonc, yamlc) only on a terminal, and not with NO_COLOR', { skip: !scriptPath && 'util-linux `script` (a pseudo-terminal) is not installed' }, () => {
  test('jsonc and yamlc are coloured on a terminal', async () => {
    const cs = emu.connectionString;
    const jsonc = await runInPty(['user', 'create', '-o', 'jsonc', '--connection-string', cs]);
    assert.equal(jsonc.code, 0, jsonc.output);
    assert.ok(jsonc.output.includes(`${ESC}94m"rawId"${ESC}39;49;00m: ${ESC}33m"8:acs:`), JSON.stringify(jsonc.output));
    const yamlc = await runInPty(['user', 'create', '-o', 'yamlc', '--connection-string', cs]);
    assert.ok(yamlc.output.includes(`${ESC}94mrawId${ESC}39;49;00m: 8:acs:`), JSON.stringify(yamlc.output));
    const json = await runInPty(['user', 'create', '-o', 'json', '--connection-string', cs]);
    assert.ok(!json.output.includes(ESC), 'plain json is never coloured');
  });

  test('NO_COLOR disables colours', async () => {
    const r = await runInPty(['user', 'create', '-o', 'jsonc', '--connection-string', emu.connectionString], { env: { NO_COLOR: '1' } });
    assert.equal(r.code, 0);
    assert.ok(!r.output.includes(ESC), JSON.stringify(r.output));
    assert.match(r.output, /"rawId": "8:acs:/);
  });
});

describe('formatters on fixed data (exact goldens)', async () => {
  const mod = await import(pathToFileURL(join(pkgDir, 'cli', 'output.js')).href);

  test('dates as Python prints them: isoformat() for lastTokenIssuedAt (expires_on is the service string)', () => {
    assert.equal(mod.pythonIso(new Date('2024-04-02T05:54:23.957Z')), '2024-04-02T05:54:23.957000+00:00');
    assert.equal(mod.pythonIso(new Date('2024-04-02T05:54:23Z')), '2024-04-02T05:54:23+00:00');
  });

  const data = {
    user_id: '8:acs:r_1',
    expires_on: '2024-04-02 05:54:23.957000+00:00',
    token: 'eyJ.x.y',
    count: 2,
    ok: true,
    none: null,
    nested: { b: 'x', a: [1, { k: 'v' }] },
    id: 'skipped-by-table',
  };

  test('json and jsonc', () => {
    assert.equal(
      mod.formatJson({ b: 1, a: [true, null, 'é'] }),
      '{\n  "a": [\n    true,\n    null,\n    "é"\n  ],\n  "b": 1\n}\n',
    );
    const c = (code, s) => `\x1b[${code}m${s}\x1b[39;49;00m`;
    assert.equal(
      mod.formatJson({ k: 's', n: 1.5, t: false }, { color: true }),
      `{\n  ${c(94, '"k"')}: ${c(33, '"s"')},\n  ${c(94, '"n"')}: ${c(34, '1.5')},\n  ${c(94, '"t"')}: ${c(34, 'false')}\n}\n`,
    );
  });

  test('yaml: sorted keys, block style, PyYAML quoting', () => {
    assert.equal(
      mod.formatYaml(data),
      [
        'count: 2',
        "expires_on: '2024-04-02 05:54:23.957000+00:00'",
        'id: skipped-by-table',
        'nested:',
        '  a:',
        '  - 1',
        '  - k: v',
        '  b: x',
        'none: null',
        'ok: true',
        'token: eyJ.x.y',
        'user_id: 8:acs:r_1',
        '',
      ].join('\n'),
    );
    const quoted = { a: '', b: 'yes', c: '123', d: 'a: b', e: '#x', f: "it's", g: 'x #y', h: '- x', i: 'null', j: 'line\nbreak', k: '1.5', l: 'plain text', m: [], n: {} };
    assert.equal(
      mod.formatYaml(quoted),
      "a: ''\nb: 'yes'\nc: '123'\nd: 'a: b'\ne: '#x'\nf: it's\ng: 'x #y'\nh: '- x'\ni: 'null'\nj: \"line\\nbreak\"\nk: '1.5'\nl: plain text\nm: []\nn: {}\n",
    );
    assert.equal(mod.formatYaml([{ b: 1, a: 2 }, 'x']), '- a: 2\n  b: 1\n- x\n');
    assert.equal(mod.formatYaml('x'), 'x\n...\n');
  });

  test('yamlc colours keys and quoted strings', () => {
    assert.equal(mod.formatYaml({ k: 'v', d: 'a: b' }, { color: true }), "\x1b[94md\x1b[39;49;00m: \x1b[33m'a: b'\x1b[39;49;00m\n\x1b[94mk\x1b[39;49;00m: v\n");
  });

  test('table: scalar fields only, id/type/etag skipped, capitalised headers, tabulate "simple"', () => {
    assert.equal(
      mod.formatTable(data),
      [
        'Count    Expires_on                        Ok    Token    User_id',
        '-------  --------------------------------  ----  -------  ---------',
        '2        2024-04-02 05:54:23.957000+00:00  True  eyJ.x.y  8:acs:r_1',
        '',
      ].join('\n'),
    );
    assert.equal(
      mod.formatTable([{ name: 'a', size: 10 }, { name: 'bbbbbbbbbbbb', extra: 'z' }]),
      ['Name          Size    Extra', '------------  ------  -------', 'a             10', 'bbbbbbbbbbbb          z', ''].join('\n'),
    );
    assert.equal(mod.formatTable({ b: 1, a: 2 }, { sortKeys: false }), 'B    A\n---  ---\n1    2\n');
    assert.equal(mod.formatTable([['x', 'y']]), 'Column1    Column2\n---------  ---------\nx          y\n');
    assert.throws(() => mod.formatTable({ nested: {} }), /Table output unavailable/);
  });

  test('tsv: values in sorted key order, nested objects empty, lists as their length', () => {
    assert.equal(mod.formatTsv(data), '2\t2024-04-02 05:54:23.957000+00:00\tskipped-by-table\t\tNone\tTrue\teyJ.x.y\t8:acs:r_1\n');
    assert.equal(mod.formatTsv([{ b: 1, a: [1, 2, 3] }, { a: 'x', b: 'y' }]), '3\t1\nx\ty\n');
    assert.equal(mod.formatTsv({ b: 1, a: 2 }, { sortKeys: false }), '1\t2\n');
    assert.equal(mod.formatTsv(true), 'true\n');
    assert.equal(mod.formatTsv(['a', 'b']), 'a\nb\n');
  });

  test('render: none and null print nothing', () => {
    assert.equal(mod.render(data, { output: 'none' }), '');
    assert.equal(mod.render(null, { output: 'json' }), '');
    assert.equal(mod.render(undefined, { output: 'table' }), '');
    assert.equal(mod.render({ a: 1 }, { output: 'jsonc', color: false }), '{\n  "a": 1\n}\n');
  });
});
