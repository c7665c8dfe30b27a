// Panel 2: the admin console. CommunicationIdentityClient with the emulator's development
// connection string, every request through the inspector's fetch.
import { CommunicationIdentityClient, decodeAccessToken, parseConnectionString } from 'acs-identity';
import { $, el, kvRow, scopeChips, withBusy } from './dom.js';
import { createInspector } from './inspector.js';
import { describeError, formatTime, GUID_RE, randomGuid, shortenToken } from './format.js';

/** A local validation failure, shown like the package's own errors. */
function invalid(message, target) {
  return Object.assign(new Error(message), { code: 'InvalidArgument', target });
}

function expiryText(date) {
  const d = date instanceof Date ? date : new Date(date);
  const minutes = Math.round((d.getTime() - Date.now()) / 60000);
  return `${formatTime(d)} (in ${minutes} min)`;
}

export function initAdmin(config, shared) {
  const inspector = createInspector();
  const csInput = $('connection-string');
  const userInput = $('admin-user-id');
  let client = null;
  let clientFor = null;
  let lastIssued = null;
  const known = new Set();

  // ---------------------------------------------------------------- connection string
  // Set as a property (never an attribute): the key is not part of the page's HTML.
  csInput.value = config.connectionString;

  function describeConnection() {
    const help = $('connection-help');
    const value = csInput.value.trim();
    try {
      const { endpoint } = parseConnectionString(value);
      csInput.removeAttribute('aria-invalid');
      help.replaceChildren(
        'Endpoint ',
        el('code', {}, endpoint),
        ` · access key hidden${value === config.connectionString ? ' · the emulator’s development key, from /config.json' : ''}`,
      );
    } catch (e) {
      csInput.setAttribute('aria-invalid', 'true');
      const { code, message } = describeError(e);
      help.replaceChildren(el('span', { class: 'bad-text' }, code), ` ${message}`);
    }
  }
  csInput.addEventListener('input', describeConnection);
  $('connection-form').addEventListener('submit', (ev) => ev.preventDefault());
  $('connection-reset').addEventListener('click', () => {
    csInput.value = config.connectionString;
    describeConnection();
  });
  describeConnection();

  function getClient() {
    const value = csInput.value.trim();
    if (client && clientFor === value) return client;
    client?.free();
    client = null;
    client = new CommunicationIdentityClient(value, { fetch: inspector.fetch, timeoutMs: 20_000 });
    clientFor = value;
    return client;
  }

  // ---------------------------------------------------------------- results
  const resultCard = $('result');
  const singleColumn = window.matchMedia('(max-width: 900px)');
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

  /**
   * Bring the result into view when it is not: in the one-column layout it sits below the forms;
   * on a wide screen, beside the top of the forms, so it is above the viewport after scrolling
   * down to a lower form.
   */
  function revealResult() {
    const { top, bottom } = resultCard.getBoundingClientRect();
    if (top >= 0 && bottom <= window.innerHeight) return;
    const tall = bottom - top > window.innerHeight;
    resultCard.scrollIntoView({ behavior: reducedMotion.matches ? 'auto' : 'smooth', block: singleColumn.matches || tall ? 'start' : 'nearest' });
  }

  // ---------------------------------------------------------------- field-level errors
  // An error that names a field (a local check, or the service's `target`) highlights that field
  // (aria-invalid, a red outline) until its value is fixed.
  const scopesField = $('token-scopes-field');
  const lifetimeInput = $('token-lifetime');
  const checkedScopes = () => [...document.querySelectorAll('#user-ops input[name="scope"]:checked')].map((i) => i.value);
  const lifetimeOk = () => /^\d+$/.test(lifetimeInput.value) && Number(lifetimeInput.value) >= 60 && Number(lifetimeInput.value) <= 1440;
  /** Each field, the error targets that name it, and when its value is fine again. */
  const FIELDS = [
    { node: userInput, targets: ['user', 'communicationuserid', 'id'], fixed: () => userInput.value.trim() !== '' },
    { node: scopesField, targets: ['scopes', 'scope'], fixed: () => checkedScopes().length > 0 },
    { node: lifetimeInput, targets: ['tokenexpiresinminutes', 'expiresinminutes'], fixed: lifetimeOk },
    { node: $('create-custom-id'), targets: ['customid'], fixed: () => true },
    { node: $('teams-app-id'), targets: ['appid', 'clientid', 'application (client) id'], fixed: () => GUID_RE.test($('teams-app-id').value.trim()) },
    { node: $('teams-user-id'), targets: ['userid', 'userobjectid', 'user object id'], fixed: () => GUID_RE.test($('teams-user-id').value.trim()) },
  ];
  function markInvalid(field) {
    field.node.setAttribute('aria-invalid', 'true');
  }
  /** The field an error's target names, if any (targets compare case-insensitively, as `scopes[0]`). */
  function fieldOf(target) {
    if (typeof target !== 'string') return undefined;
    const t = target.toLowerCase().replace(/\[\d+\]$/, '');
    return FIELDS.find((f) => f.targets.includes(t));
  }
  for (const field of FIELDS) {
    const clearIfFixed = () => {
      if (field.node.getAttribute('aria-invalid') === 'true' && field.fixed()) field.node.removeAttribute('aria-invalid');
    };
    field.node.addEventListener('input', clearIfFixed);
    field.node.addEventListener('change', clearIfFixed);
  }

  function showResult(title, rows = [], extra) {
    resultCard.classList.remove('err');
    resultCard.classList.add('ok');
    const parts = [el('div', { class: 'result-head' }, el('span', { class: 'icon', 'aria-hidden': 'true' }, '✓'), title)];
    if (rows.length) parts.push(el('div', { class: 'kv' }, rows));
    if (extra) parts.push(el('p', { class: 'help' }, extra));
    $('result-body').replaceChildren(...parts);
    revealResult();
  }

  /** A neutral outcome (nothing done), e.g. a cancelled delete. */
  function showNote(title, extra) {
    resultCard.classList.remove('ok', 'err');
    $('result-body').replaceChildren(el('div', { class: 'result-head' }, el('span', { class: 'icon', 'aria-hidden': 'true' }, 'i'), title), el('p', { class: 'help' }, extra));
    revealResult();
  }

  function showError(title, err) {
    const { code, message, hint, status, target } = describeError(err);
    const field = fieldOf(target);
    if (field) markInvalid(field);
    resultCard.classList.remove('ok');
    resultCard.classList.add('err');
    $('result-body').replaceChildren(
      el('div', { class: 'result-head' }, el('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), title),
      el(
        'div',
        { class: 'result-card', role: 'alert' },
        el('div', {}, el('span', { class: 'error-code' }, code), status ? el('span', { class: 'muted' }, ` · HTTP ${status}`) : null, target ? el('span', { class: 'muted' }, ` · ${target}`) : null),
        el('div', { class: 'error-message' }, message),
        el('div', { class: 'error-hint' }, hint),
      ),
    );
    revealResult();
  }

  /** Runs one console operation: busy button, result or plain-words error. */
  function operation(button, failTitle, fn) {
    return withBusy(button, async () => {
      try {
        await fn();
      } catch (e) {
        showError(failTitle, e);
      }
    });
  }

  function remember(id) {
    if (!id || known.has(id)) return;
    known.add(id);
    $('known-users').append(el('option', { value: id }));
  }

  function requireUser() {
    const id = userInput.value.trim();
    if (id === '') {
      userInput.focus();
      throw invalid('enter a user ID (create a user, or use the signed-in user’s identity)', 'user');
    }
    return { communicationUserId: id };
  }

  function tokenRows(token, expiresOn) {
    const info = decodeAccessToken(token);
    return [
      kvRow('Identity', info.communicationUserId ?? '—', { mono: true }),
      kvRow('Scopes', scopeChips(info.scopes)),
      kvRow('Expires', expiryText(expiresOn)),
      kvRow('Token', shortenToken(token), { mono: true, copy: { text: token, what: 'Token' } }),
    ];
  }

  // ---------------------------------------------------------------- operations
  $('create-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    operation($('create-button'), 'Could not create the user', async () => {
      const customId = $('create-custom-id').value.trim();
      const user = await getClient().createUser(customId ? { customId } : {});
      userInput.value = user.communicationUserId;
      userInput.dispatchEvent(new Event('input'));
      remember(user.communicationUserId);
      showResult(
        'User created',
        [kvRow('User ID', user.communicationUserId, { mono: true, copy: { text: user.communicationUserId, what: 'User ID' } }), user.customId ? kvRow('Custom ID', user.customId, { mono: true }) : null].filter(Boolean),
        'Its ID is now in “Manage a user”.',
      );
    });
  });

  $('issue-button').addEventListener('click', () =>
    operation($('issue-button'), 'Could not issue a token', async () => {
      const user = requireUser();
      const scopes = checkedScopes();
      if (scopes.length === 0) throw invalid('choose at least one scope', 'scopes');
      if (!lifetimeOk()) throw invalid('the lifetime must be a whole number of minutes from 60 to 1440', 'tokenExpiresInMinutes');
      const minutes = Number(lifetimeInput.value);
      const { token, expiresOn } = await getClient().getToken(user, scopes, { tokenExpiresInMinutes: minutes });
      lastIssued = token;
      $('check-issued-token').disabled = false;
      remember(user.communicationUserId);
      showResult('Token issued', tokenRows(token, expiresOn));
    }),
  );

  $('get-user-button').addEventListener('click', () =>
    operation($('get-user-button'), 'Could not get the user', async () => {
      const details = await getClient().getUser(requireUser());
      showResult('User found', [
        kvRow('User ID', details.communicationUserId, { mono: true }),
        kvRow('Custom ID', details.customId ?? '—', { mono: Boolean(details.customId) }),
        kvRow('Last token', details.lastTokenIssuedAt ? formatTime(details.lastTokenIssuedAt) : 'never issued'),
      ]);
    }),
  );

  $('revoke-button').addEventListener('click', () =>
    operation($('revoke-button'), 'Could not revoke the tokens', async () => {
      const user = requireUser();
      await getClient().revokeTokens(user);
      const mine = user.communicationUserId === shared.userIdentity;
      showResult(
        'Tokens revoked',
        [kvRow('User ID', user.communicationUserId, { mono: true })],
        mine
          ? 'Every token issued to the signed-in user until now is invalid. Their credential gets a new one at its next refresh — press “Refresh now” above.'
          : 'Every token issued to this user until now is invalid. New tokens can still be issued.',
      );
    }),
  );

  $('delete-button').addEventListener('click', () =>
    operation($('delete-button'), 'Could not delete the user', async () => {
      const user = requireUser();
      // A real confirmation: deleting cannot be undone.
      if (!window.confirm(`Delete the user ${user.communicationUserId}?\n\nIts tokens are revoked and the identity cannot be used again. This cannot be undone.`)) {
        showNote('Not deleted', 'Nothing was sent.');
        return;
      }
      await getClient().deleteUser(user);
      showResult('User deleted', [kvRow('User ID', user.communicationUserId, { mono: true })], 'Its tokens are revoked and it can no longer get new ones.');
    }),
  );

  $('use-signed-in-user').addEventListener('click', () => {
    if (!shared.userIdentity) return;
    userInput.value = shared.userIdentity;
    userInput.dispatchEvent(new Event('input'));
    remember(shared.userIdentity);
  });

  // ---------------------------------------------------------------- Teams exchange
  const appIdInput = $('teams-app-id');
  const teamsUserInput = $('teams-user-id');
  const newGuids = () => {
    appIdInput.value = randomGuid();
    teamsUserInput.value = randomGuid();
    for (const input of [appIdInput, teamsUserInput]) input.dispatchEvent(new Event('input'));
  };
  $('teams-random').addEventListener('click', newGuids);
  newGuids();

  $('teams-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    operation($('teams-button'), 'The Teams exchange failed', async () => {
      const appId = appIdInput.value.trim();
      const userId = teamsUserInput.value.trim();
      for (const [value, what] of [[appId, 'application (client) ID'], [userId, 'user object ID']]) {
        if (!GUID_RE.test(value)) throw invalid(`the ${what} must be a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301`, what);
      }
      // 1. A stand-in Microsoft Entra ID token (in a real app: MSAL, signed in as the Teams user).
      const res = await inspector.fetch(`${config.emulatorUrl}/emulator/teams-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appId, userId }),
      });
      const minted = await res.json().catch(() => null);
      if (!res.ok || typeof minted?.token !== 'string') {
        throw Object.assign(new Error(minted?.error?.message ?? `the emulator answered HTTP ${res.status}`), { code: minted?.error?.code ?? 'UnexpectedResponse', statusCode: res.status });
      }
      // 2. The exchange.
      const { token, expiresOn } = await getClient().getTokenForTeamsUser({ teamsUserAadToken: minted.token, clientId: appId, userObjectId: userId });
      lastIssued = token;
      $('check-issued-token').disabled = false;
      showResult('Teams user token issued', tokenRows(token, expiresOn), 'The Entra ID token was minted by the emulator; its signature cannot be checked locally.');
    });
  });

  // ---------------------------------------------------------------- token check
  async function check(button, token, whose) {
    await operation(button, 'Could not check the token', async () => {
      const res = await inspector.fetch(`${config.emulatorUrl}/emulator/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      const r = await res.json();
      if (!res.ok) throw Object.assign(new Error(r?.error?.message ?? `HTTP ${res.status}`), { code: r?.error?.code ?? 'UnexpectedResponse', statusCode: res.status });
      const state = r.active ? el('span', { class: 'ok-text' }, 'active') : el('span', { class: 'bad-text' }, `inactive — ${r.reason}`);
      showResult(`${whose}: ${r.active ? 'active' : 'not active'}`, [
        kvRow('Status', state),
        kvRow('Identity', r.communicationUserId ?? '—', { mono: true }),
        kvRow('Scopes', scopeChips(r.scopes ?? [])),
        kvRow('Token', shortenToken(token), { mono: true }),
      ]);
    });
  }
  $('check-user-token').addEventListener('click', () => shared.userToken && check($('check-user-token'), shared.userToken, 'Signed-in user’s token'));
  $('check-issued-token').addEventListener('click', () => lastIssued && check($('check-issued-token'), lastIssued, 'Last issued token'));

  shared.addEventListener('change', () => {
    $('use-signed-in-user').disabled = !shared.userIdentity;
    $('check-user-token').disabled = !shared.userToken;
  });
}
