// Confirmation of `user delete` and `token revoke`, as az: a y/n prompt on a terminal, 'Operation
// cancelled.' (exit 1) when refused or when there is no terminal, no prompt with --yes/-y.
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

const NO_TTY = 'WARNING: Unable to prompt for confirmation as no tty available. Use --yes.\nERROR: Operation cancelled.\n';

describe('without a terminal (stdin is a pipe)', () => {
  test("user delete without --yes: az's warning and 'Operation cancelled.', exit 1, nothing deleted", async () => {
    const user = await createUserId(emu);
    const r = await runWith(emu, ['user', 'delete', '--user', user], { input: 'y\n' });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, NO_TTY);
    assert.ok(await exists(user));
  });

  test('token revoke without --yes: the same, tokens still valid', async () => {
    const user = await createUserId(emu);
    const token = await issuedToken(user);
    const r = await runWith(emu, ['token', 'revoke', '--user', user]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, NO_TTY);
    assert.equal((await introspect(emu, token)).active, true);
  });
});

describe('on a terminal (pseudo-terminal through util-linux script)', { skip: !scriptPath && 'util-linux `script` (a pseudo-terminal) is not installed' }, () => {
  const cs = () => ['--connection-string', emu.connectionString];
  // On a terminal, as az (knack), errors are printed in red without the `ERROR: ` prefix.
  const CANCELLED = '\x1b[91mOperation cancelled.\x1b[0m';

  test("user delete: 'n' cancels (exit 1, 'Operation cancelled.', nothing deleted)", async () => {
    const user = await createUserId(emu);
    const r = await runInPty(['user', 'delete', '--user', user, ...cs()], { answer: 'n' });
    assert.ok(r.output.includes(PROMPT), JSON.stringify(r.output));
    assert.ok(r.output.includes(CANCELLED), JSON.stringify(r.output));
    assert.equal(r.code, 1);
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

  test("token revoke: 'Y' (either case) revokes", async () => {
    const user = await createUserId(emu);
    const token = await issuedToken(user);
    const r = await runInPty(['token', 'revoke', '--user', user, ...cs()], { answer: 'Y' });
    assert.equal(r.code, 0, r.output);
    assert.ok(r.output.includes(PROMPT));
    assert.equal((await introspect(emu, token)).active, false);
  });

  test('token revoke: any other answer asks again (as knack); then n cancels', async () => {
    const user = await createUserId(emu);
    const token = await issuedToken(user);
    const r = await runInPty(['token', 'revoke', '--user', user, ...cs()], { answer: ['yes', '', 'N'] });
    assert.equal(r.code, 1, r.output);
    assert.equal(r.output.split(PROMPT).length - 1, 3, JSON.stringify(r.output));
    assert.ok(r.output.includes(CANCELLED));
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
