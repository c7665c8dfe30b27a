// The demo page in headless Chromium, against exactly the stack `npm start` runs (scripts/stack.mjs):
// sign-in → ACS token through the edge endpoint, the admin console against the emulator, the
// request inspector, errors in plain words, no console errors, phone layout, screenshots.
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../../scripts/stack.mjs';
import { root } from '../../scripts/lib.mjs';
import { chromiumAvailable, launchChromium } from '../support/chromium.mjs';

const results = join(root, 'test-results');
const skip = chromiumAvailable() ? false : 'Chromium is not installed at /usr/bin/chromium';

let stack;
let config;
let browser;
let page;
let phase = 'load';
const consoleErrors = [];
const requested = [];

async function introspect(token) {
  const res = await fetch(`${stack.emulatorUrl}/emulator/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

/** Clicks `selector` and returns the JSON of the first answer whose URL matches `match`. */
async function clickFor(selector, match) {
  const [response] = await Promise.all([page.waitForResponse((r) => match(r.url()) && r.request().method() !== 'OPTIONS'), page.click(selector)]);
  return { response, json: await response.json().catch(() => null) };
}

const isTokenEndpoint = (u) => u === `${stack.tokenEndpointUrl}/token`;
const text = (selector) => page.locator(selector).innerText();

async function signIn(name) {
  if (await page.locator('#session').isVisible()) await page.click('#sign-out-button');
  await page.fill('#sign-in-name', name);
  await page.click('#sign-in-button');
  await page.locator('#session').waitFor({ state: 'visible' });
}

async function resultHas(kind, title) {
  await page.locator(`#result.${kind} .result-head`, { hasText: title }).waitFor({ timeout: 10_000 });
}

describe('demo page', { skip }, () => {
  before(async () => {
    stack = await startStack({ ports: { demo: 0, tokenEndpoint: 0, emulator: 0 } });
    config = await (await fetch(`${stack.demoUrl}/config.json`)).json();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push({ phase, type: m.type(), text: m.text(), url: m.location().url });
    });
    page.on('pageerror', (e) => consoleErrors.push({ phase, type: 'pageerror', text: e.message }));
    page.on('request', (r) => requested.push(r.url()));
    mkdirSync(results, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('loads from loopback only and finds the local stack', async () => {
    await page.goto(stack.demoUrl);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 20_000 });
    assert.equal(await text('.stack-status-text'), 'Local stack running');
    assert.equal(await text('#cfg-token-endpoint'), stack.tokenEndpointUrl);
    assert.match(await text('#connection-help'), /access key hidden/);
    assert.equal(await page.locator('#get-token-button').isDisabled(), true, 'no token before sign-in');
  });

  let first; // { id, token }
  test('signs in by name and gets an ACS token through the edge endpoint', async () => {
    phase = 'token';
    await signIn('Ada Lovelace');
    assert.equal(await text('#session-name'), 'Ada Lovelace');
    assert.equal(await text('#session-sub'), 'demo-user:ada lovelace');
    const { response, json } = await clickFor('#get-token-button', isTokenEndpoint);
    assert.equal(response.status(), 200);
    await page.locator('#token-view').waitFor({ state: 'visible' });
    first = { id: json.user.communicationUserId, token: json.token };
    assert.match(first.id, /^8:acs:/);
    assert.equal(await text('#token-identity'), first.id);
    assert.deepEqual(await page.locator('#token-scopes .chip').allInnerTexts(), ['chat', 'voip']);
    // A live countdown from ~60 minutes, and when the proactive refresh happens (10 min before).
    const c1 = await text('#token-countdown');
    assert.match(c1, /^(59|60):\d\d$/);
    await page.waitForFunction((c) => document.getElementById('token-countdown').textContent !== c, c1, { timeout: 5000 });
    assert.match(await text('#token-next-refresh'), /Proactive refresh at (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d — in (49|50):\d\d/);
    assert.match(await page.locator('#token-claims').textContent(), /"acsScope": "chat,voip"/);
    assert.match(await text('#refresh-log li:first-child'), /first token[\s\S]*new token/);
    assert.equal((await introspect(first.token)).active, true);
    // The credential caches: asking again makes no call.
    await page.click('#get-token-button');
    await page.locator('#refresh-log li[data-kind="cache"]').waitFor();
  });

  test('the same name again is the same ACS identity', async () => {
    await signIn('Grace Hopper');
    const grace = await clickFor('#get-token-button', isTokenEndpoint);
    assert.notEqual(grace.json.user.communicationUserId, first.id);
    await signIn('  ada   LOVELACE ');
    const again = await clickFor('#get-token-button', isTokenEndpoint);
    assert.equal(again.json.user.communicationUserId, first.id);
    await page.locator('#token-identity', { hasText: first.id }).waitFor();
    first.token = again.json.token;
  });

  let created; // communicationUserId of the admin-created user
  let issuedToCreated; // a token issued to it
  test('admin console: creates a user and issues a token; the inspector shows the string-to-sign', async () => {
    phase = 'admin';
    await page.fill('#create-custom-id', 'e2e-admin-user');
    const create = await clickFor('#create-button', (u) => u.startsWith(`${stack.emulatorUrl}/identities?`));
    assert.equal(create.response.status(), 201);
    await resultHas('ok', 'User created');
    created = create.json.identity.id;
    assert.equal(await page.inputValue('#admin-user-id'), created);

    await page.uncheck('#user-ops input[value="chat"]');
    await page.check('#user-ops input[value="voip.join"]');
    const issue = await clickFor('#issue-button', (u) => u.includes(':issueAccessToken'));
    assert.equal(issue.response.status(), 200);
    await resultHas('ok', 'Token issued');
    assert.deepEqual(await page.locator('#result .chip').allInnerTexts(), ['voip', 'voip.join']);
    const r = await introspect(issue.json.token);
    assert.equal(r.active, true);
    assert.equal(r.communicationUserId, created);
    issuedToCreated = issue.json.token;
    // One time format on the page: 24-hour local time (with the date only on another day).
    assert.match(await text('#result-body'), /Expires\s+(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(in \d+ min\)/);

    // The inspector's string-to-sign is exactly what the client signed: HMAC-SHA256 of it with
    // the key gives the signature the request carried.
    const req = issue.response.request();
    const headers = await req.allHeaders();
    const sts = await page.locator('#insp-sts').textContent();
    const url = new URL(req.url());
    assert.equal(sts, `POST\n${url.pathname}${url.search}\n${headers['x-ms-date']};${url.host};${headers['x-ms-content-sha256']}`);
    const key = Buffer.from(config.connectionString.split('accesskey=')[1], 'base64');
    const signature = createHmac('sha256', key).update(sts, 'utf8').digest('base64');
    assert.ok(headers.authorization.endsWith(`Signature=${signature}`));
    const shownAuth = await page.locator('#insp-headers .h-val.masked').textContent();
    assert.match(shownAuth, /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=•+ \(masked\)$/);
    assert.equal(await text('#insp-method'), 'POST');
    assert.match(await text('#insp-status'), /^200 OK$/);
    const shownBody = await page.locator('#insp-res-body').textContent();
    assert.ok(!shownBody.includes(issue.json.token), 'the token is shortened');
    assert.match(shownBody, /"token": "eyJ[^"]*…[^"]*chars\)"/);
  });

  test('revoking the signed-in user’s tokens: the next refresh brings a new, active token', async () => {
    await page.click('#use-signed-in-user');
    assert.equal(await page.inputValue('#admin-user-id'), first.id);
    const revoke = await clickFor('#revoke-button', (u) => u.includes(':revokeAccessTokens'));
    assert.equal(revoke.response.status(), 204);
    await resultHas('ok', 'Tokens revoked');
    const old = await introspect(first.token);
    assert.equal(old.active, false);
    assert.equal(old.reason, 'revoked');
    // The console says so too.
    await page.click('#check-user-token');
    await resultHas('ok', 'not active');
    assert.match(await text('#result-body'), /inactive — revoked/);

    const refreshed = await clickFor('#refresh-button', isTokenEndpoint);
    assert.equal(refreshed.response.status(), 200);
    assert.equal(refreshed.json.user.communicationUserId, first.id);
    assert.notEqual(refreshed.json.token, first.token);
    await page.locator('#refresh-log li[data-kind="manual"]').first().waitFor();
    assert.equal((await introspect(refreshed.json.token)).active, true);
    assert.equal((await introspect(first.token)).active, false);
    await page.click('#check-user-token');
    await resultHas('ok', 'Signed-in user’s token: active');
  });

  test('deleting a user asks first: dismissed, nothing is sent; accepted, the user is deleted', async () => {
    await page.fill('#admin-user-id', created);
    const before = requested.length;
    const dialogs = [];
    page.once('dialog', (d) => {
      dialogs.push({ type: d.type(), message: d.message() });
      d.dismiss();
    });
    await page.click('#delete-button');
    await page.locator('#result .result-head', { hasText: 'Not deleted' }).waitFor();
    assert.equal(dialogs.length, 1);
    assert.equal(dialogs[0].type, 'confirm');
    assert.match(dialogs[0].message, new RegExp(`^Delete the user ${created.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\?`));
    assert.match(dialogs[0].message, /cannot be undone/);
    assert.equal(requested.length, before, 'a dismissed confirmation sends nothing');
    assert.equal((await introspect(issuedToCreated)).active, true, 'the user and its token are still there');

    page.once('dialog', (d) => d.accept());
    const del = await clickFor('#delete-button', (u) => u.startsWith(`${stack.emulatorUrl}/identities/`));
    assert.equal(del.response.status(), 204);
    await resultHas('ok', 'User deleted');
    assert.equal((await introspect(issuedToCreated)).reason, 'identity deleted');
  });

  test('after the delete, get user and issue token say so in plain words', async () => {

    phase = 'expected-404';
    await page.click('#get-user-button');
    await resultHas('err', 'Could not get the user');
    assert.equal(await text('#result .error-code'), 'IdentityNotFound');
    assert.match(await text('#result .error-hint'), /does not exist in the resource/);
    await page.click('#issue-button');
    await resultHas('err', 'Could not issue a token');
    assert.equal(await text('#result .error-code'), 'IdentityNotFound');
    assert.match(await text('#result .error-message'), /was not found in this resource/);
    assert.match(await text('#insp-status'), /^404 Not Found$/);
    phase = 'admin';
  });

  test('a local validation error is plain words too, sends nothing, and highlights the field until it is fixed', async () => {
    const before = requested.length;
    const invalid = (sel) => page.locator(sel).getAttribute('aria-invalid');
    const border = (sel) => page.locator(sel).evaluate((n) => getComputedStyle(n).borderColor);
    const normalBorder = await border('#admin-user-id');
    await page.fill('#admin-user-id', '');
    await page.click('#revoke-button');
    await resultHas('err', 'Could not revoke the tokens');
    assert.equal(await text('#result .error-code'), 'InvalidArgument');
    assert.equal(requested.length, before);
    assert.equal(await invalid('#admin-user-id'), 'true');
    assert.notEqual(await border('#admin-user-id'), normalBorder, 'the highlight is visible');
    await page.fill('#admin-user-id', '8:acs:fixed');
    assert.equal(await invalid('#admin-user-id'), null, 'fixing the value clears the highlight');

    // No scope: the scopes group is highlighted, and a checked scope clears it.
    const checked = await page.locator('#user-ops input[name="scope"]:checked').evaluateAll((ns) => ns.map((n) => n.value));
    for (const v of checked) await page.uncheck(`#user-ops input[value="${v}"]`);
    await page.click('#issue-button');
    await resultHas('err', 'Could not issue a token');
    assert.equal(await text('#result .error-code'), 'InvalidArgument');
    assert.equal(await invalid('#token-scopes-field'), 'true');
    assert.notEqual(await page.locator('#token-scopes-field').evaluate((n) => getComputedStyle(n).outlineStyle), 'none');
    await page.check('#user-ops input[value="chat"]');
    assert.equal(await invalid('#token-scopes-field'), null);

    // A lifetime out of range: highlighted until it is 60..1440 again.
    await page.fill('#token-lifetime', '30');
    await page.click('#issue-button');
    await resultHas('err', 'Could not issue a token');
    assert.equal(await invalid('#token-lifetime'), 'true');
    await page.fill('#token-lifetime', '2000');
    assert.equal(await invalid('#token-lifetime'), 'true', 'still out of range');
    await page.locator('#token-lifetime').evaluate((n) => n.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: join(results, 'demo-field-error.png') });
    await page.fill('#token-lifetime', '90');
    assert.equal(await invalid('#token-lifetime'), null);

    // A bad GUID in the Teams form.
    await page.fill('#teams-app-id', 'not-a-guid');
    await page.click('#teams-button');
    await resultHas('err', 'The Teams exchange failed');
    assert.equal(await invalid('#teams-app-id'), 'true');
    await page.click('#teams-random');
    assert.equal(await invalid('#teams-app-id'), null);
    assert.equal(requested.length, before, 'none of these sent a request');
  });

  test('on a wide screen, the result of an action lower on the page is scrolled into view', async () => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.setViewportSize({ width: 1280, height: 720 });
    // Scroll so that the "Check a token" card is in view and the result card (top of the right column) is not.
    await page.evaluate(() => document.getElementById('check-card').scrollIntoView({ block: 'end' }));
    const inView = () =>
      page.evaluate(() => {
        const r = document.getElementById('result').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      });
    assert.equal(await inView(), false, 'the result card starts out of view');
    await page.click('#check-user-token');
    await resultHas('ok', 'Signed-in user’s token');
    await page.waitForFunction(() => {
      const r = document.getElementById('result').getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }, null, { timeout: 5000 });
    assert.equal(await inView(), true);
    await page.screenshot({ path: join(results, 'demo-wide-result.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ reducedMotion: null });
  });

  test('labels: the emulator-key button says what it does; the empty inspector has a placeholder', async () => {
    assert.equal(await text('#connection-reset'), 'Fill in the emulator’s key');
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await fresh.goto(stack.demoUrl);
      await fresh.waitForSelector('html[data-ready="true"]', { timeout: 20_000 });
      assert.deepEqual(await fresh.locator('#inspector-select option').allInnerTexts(), ['No requests yet']);
      assert.equal(await fresh.locator('#inspector-select').isDisabled(), true);
    } finally {
      await fresh.close();
    }
  });

  test('the Teams exchange works', async () => {
    await page.click('#teams-random');
    const userId = await page.inputValue('#teams-user-id');
    const exchange = await clickFor('#teams-button', (u) => u.includes('/teamsUser/:exchangeAccessToken'));
    assert.equal(exchange.response.status(), 200);
    await resultHas('ok', 'Teams user token issued');
    const r = await introspect(exchange.json.token);
    assert.equal(r.active, true);
    assert.ok(r.communicationUserId.toLowerCase().includes(userId.toLowerCase()), r.communicationUserId);
    assert.match(await text('#result-body'), new RegExp(userId, 'i'));
  });

  test('the access key is never in the page, and nothing loaded from outside loopback', async () => {
    const key = config.connectionString.split('accesskey=')[1];
    assert.ok(key.length > 20);
    for (const sel of ['#inspector-select option']) {
      for (const opt of await page.locator(sel).allInnerTexts()) assert.ok(!opt.includes(key));
    }
    // Every request in the history, shown one by one.
    const values = await page.locator('#inspector-select option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(values.length >= 5);
    for (const v of values) {
      await page.selectOption('#inspector-select', v);
      const html = await page.content();
      assert.ok(!html.includes(key), `request #${v}: the page HTML contains the access key`);
      assert.ok(!html.includes(encodeURIComponent(key)));
    }
    await page.selectOption('#inspector-select', values[0]); // back to the latest request
    assert.ok(!(await page.content()).includes(key));
    assert.ok(!(await page.locator('body').innerText()).includes(key));
    for (const u of requested) assert.match(u, /^(http:\/\/127\.0\.0\.1:\d+\/|data:)/, `a request left loopback: ${u}`);
  });

  test('no console errors or page errors (except the two 404s the delete step asked for)', () => {
    const unexpected = consoleErrors.filter(
      (e) =>
        !(
          e.phase === 'expected-404' &&
          e.type === 'error' &&
          /^Failed to load resource: the server responded with a status of 404/.test(e.text) &&
          e.url.startsWith(`${stack.emulatorUrl}/identities/`)
        ),
    );
    assert.deepEqual(unexpected, []);
    assert.equal(consoleErrors.length, 2, JSON.stringify(consoleErrors));
  });

  test('desktop and phone (390×844) layouts: no horizontal overflow; screenshots', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(results, 'demo-desktop.png'), fullPage: true });
    for (const [w, h, name] of [
      [390, 844, 'phone'],
      [1280, 900, 'desktop'],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      const overflow = await page.evaluate(() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')]
          .filter((n) => n.getClientRects().length > 0 && getComputedStyle(n).position !== 'fixed')
          .filter((n) => n.getBoundingClientRect().right > width + 0.5)
          .map((n) => `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}.${n.className}`);
        return { scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10) };
      });
      assert.equal(overflow.scroll, overflow.width, `${name}: horizontal overflow ${JSON.stringify(overflow)}`);
      assert.deepEqual(overflow.wide, [], `${name}: elements wider than the viewport`);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(results, 'demo-phone.png'), fullPage: true });
    await page.screenshot({ path: join(results, 'demo-phone-top.png') });
    await page.locator('#token-card').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('token-card').scrollIntoView());
    await page.screenshot({ path: join(results, 'demo-phone-token.png') });
    await page.evaluate(() => document.getElementById('inspector').scrollIntoView());
    await page.screenshot({ path: join(results, 'demo-phone-inspector.png') });
    assert.deepEqual(consoleErrors.filter((e) => e.phase !== 'expected-404'), []);
  });
});
