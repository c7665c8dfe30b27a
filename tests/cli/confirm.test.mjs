// Confirmation of `user delete` and `token revoke`: a y/n prompt on a terminal, a refusal (exit 2)
// without one, no prompt with --yes/-y.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUserId, introspect, runInPty, runWith, scriptPath, startEmulator } from './helpers.mjs';

const PROMPT = 'Are you sure you want to perform this operation? (y/n): ';

let emu;
before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(() => emu.close());

const exists = async (user) => (await runWith(emu, ['user', 'show', '--user', user])).code === 0;

async function issuedToken(user) {
  const r = await runWith(emu, ['token', 'issue', '--scope', 'chat', '--user', user, '--query', 'token', '-o', 'tsv']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

describe('without a terminal (stdin is a pipe)', () => {
  test('user delete without --yes refuses: exit 2, nothing deleted', async () => {
    const user = await createUserId(emu);
    const r = await runWith(emu, ['user', 'delete', '--user', user], { input: 'y\n' });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ERROR: --yes is required when not interactive: 'acs-identity user delete' asks for confirmation/);
    assert.ok(!r.stderr.includes(PROMPT));
    assert.ok(await exists(user));
  });

  test('token revoke without --yes refuses: exit 2, tokens still valid', async () => {
    const user = await createUserId(emu);
    const token = await issuedToken(user);
    const r = await runWith(emu, ['token', 'revoke', '--user', user]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ERROR: --yes is required when not interactive: 'acs-identity token revoke'/);
    assert.equal((await introspect(emu, token)).active, true);
  });
});

describe('on a terminal (pseudo-terminal through util-linux script)', { skip: !scriptPath && 'util-linux `script` (a pseudo-terminal) is not installed' }, () => {
  const cs = () => ['--connection-string', emu.connectionString];

  test("user delete: 'n' cancels (exit 0, 'Operation cancelled.', nothing deleted)", async () => {
    const user = await createUserId(emu);
    const r = await runInPty(['user', 'delete', '--user', user, ...cs()], { answer: 'n' });
    assert.ok(r.output.includes(PROMPT), JSON.stringify(r.output));
    assert.match(r.output, /Operation cancelled\./);
    assert.equal(r.code, 0);
    assert.ok(await exists(user));
  });

  test("user delete: 'y' deletes", async () => {
    const user = await createUserId(emu);
    const r = await runInPty(['user', 'delete', '--user', user, ...cs()], { answer: 'y' });
    assert.ok(r.output.includes(PROMPT));
    assert.doesNotMatch(r.output, /cancelled|ERROR/);
    assert.equal(r.code, 0);
    assert.equal(await exists(user), false);
  });

  test("token revoke: 'yes' (any case) revokes", async () => {
    const user = await createUserId(emu);
    const token = await issuedToken(user);
    const r = await runInPty(['token', 'revoke', '--user', user, ...cs()], { answer: 'YES' });
    assert.equal(r.code, 0, r.output);
    assert.ok(r.output.includes(PROMPT));
    assert.equal((await introspect(emu, token)).active, false);
  });

  test('token revoke: anything else (or an empty answer) cancels', async () => {
    const user = await createUserId(emu);
    const token = await issuedToken(user);
    for (const answer of ['nope', '']) {
      const r = await runInPty(['token', 'revoke', '--user', user, ...cs()], { answer });
      assert.equal(r.code, 0);
      assert.match(r.output, /Operation cancelled\./);
    }
    assert.equal((await introspect(emu, token)).active, true);
  });

  test('--yes / -y: no prompt on a terminal either', async () => {
    const user = await createUserId(emu);
    const token = await issuedToken(user);
    const revoke = await runInPty(['token', 'revoke', '--user', user, '-y', ...cs()]);
    assert.equal(revoke.code, 0);
    assert.ok(!revoke.output.includes(PROMPT));
    assert.equal((await introspect(emu, token)).active, false);
    const del = await runInPty(['user', 'delete', '--user', user, '--yes', ...cs()]);
    assert.equal(del.code, 0);
    assert.ok(!del.output.includes(PROMPT));
    assert.equal(await exists(user), false);
  });
});
