// Panel 1: the app's user. A dev-only sign-in stands in for the app's real one; the ACS token comes
// from the edge token endpoint through AcsTokenCredential + tokenRefresher, refreshed proactively.
import { AcsTokenCredential, decodeAccessToken, tokenRefresher } from 'acs-identity';
import { $, copyText, el, withBusy } from './dom.js';
import { describeError, formatCountdown, formatTime, proactiveRefreshAt, shortenToken } from './format.js';

const SCOPES = ['chat', 'voip'];
const LIFETIME_MINUTES = 60;

const TRIGGERS = {
  initial: 'first token',
  manual: 'refresh now',
  proactive: 'proactive',
  cache: 'from cache',
  session: 'signed in',
  signout: 'signed out',
};

/** POST /dev/sign-in: the local stack's stand-in for a real identity provider. */
async function devSignIn(name) {
  const res = await fetch('/dev/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok || typeof json?.token !== 'string') {
    const err = new Error(json?.error?.message ?? `the sign-in answered HTTP ${res.status}`);
    err.code = json?.error?.code ?? 'SignInFailed';
    throw err;
  }
  return json;
}

const initials = (name) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => [...w][0].toUpperCase())
    .join('');

export function initUser(config, shared) {
  const state = {
    session: null, // { name, sub, token, expiresOn }
    credential: null,
    current: null, // { token, info, receivedAt, refreshAt }
    pendingTrigger: null,
    refreshes: 0,
  };

  const form = $('sign-in-form');
  const nameInput = $('sign-in-name');
  const getButton = $('get-token-button');
  const refreshButton = $('refresh-button');
  const errorBox = $('user-error');

  function showError(err) {
    if (!err) {
      errorBox.hidden = true;
      errorBox.replaceChildren();
      return;
    }
    const { code, message, hint } = describeError(err, { from: 'endpoint' });
    errorBox.replaceChildren(
      el('div', {}, el('span', { class: 'error-code' }, code), ' — ', message),
      el('div', { class: 'error-hint' }, hint),
    );
    errorBox.hidden = false;
  }

  // ---------------------------------------------------------------- refresh log
  function addLog(kind, detail) {
    const list = $('refresh-log');
    list.prepend(
      el('li', { 'data-kind': kind }, el('time', {}, formatTime(new Date())), el('span', { class: `tag ${kind}` }, TRIGGERS[kind] ?? kind), el('span', { class: 'detail' }, detail)),
    );
    while (list.children.length > 30) list.lastElementChild.remove();
    $('refresh-log-empty').hidden = true;
    $('refresh-count').textContent = `${state.refreshes} refresh${state.refreshes === 1 ? '' : 'es'}`;
  }

  // ---------------------------------------------------------------- the token view
  function renderToken() {
    const cur = state.current;
    $('token-empty').hidden = cur !== null;
    $('token-view').hidden = cur === null;
    if (!cur) return;
    const { info, token } = cur;
    $('token-identity').textContent = info.communicationUserId ?? '(no identity claim)';
    $('token-scopes').replaceChildren(...info.scopes.map((s) => el('span', { class: 'chip' }, s)));
    $('token-short').textContent = shortenToken(token);
    $('token-expires-at').textContent = `at ${formatTime(info.expiresOn)}`;
    $('token-claims').textContent = JSON.stringify(info.claims, null, 2);
    tick();
  }

  function tick() {
    const cur = state.current;
    if (!cur) return;
    const now = Date.now();
    const exp = cur.info.expiresOn.getTime();
    const left = exp - now;
    const life = exp - (cur.info.issuedAt?.getTime() ?? cur.receivedAt);
    $('token-countdown').textContent = left > 0 ? formatCountdown(left) : 'expired';
    const bar = $('token-progress');
    bar.style.width = `${Math.max(0, Math.min(100, (left / life) * 100)).toFixed(2)}%`;
    bar.parentElement.classList.toggle('low', left < 10 * 60 * 1000);
    const next = $('token-next-refresh');
    const untilRefresh = cur.refreshAt - now;
    next.replaceChildren(
      untilRefresh > 0
        ? el('span', {}, 'Proactive refresh at ', el('strong', {}, formatTime(cur.refreshAt)), ` — in ${formatCountdown(untilRefresh)}`, ' (10 minutes before expiry)')
        : el('span', {}, 'Proactive refresh due now…'),
    );
  }
  setInterval(tick, 1000);

  function accept(token, trigger, ms) {
    const info = decodeAccessToken(token);
    const receivedAt = Date.now();
    state.current = { token, info, receivedAt, refreshAt: proactiveRefreshAt(info.expiresOn.getTime(), receivedAt) };
    state.refreshes += 1;
    renderToken();
    addLog(trigger, [
      el('span', { class: 'ok-text' }, 'new token'),
      ` for `,
      el('code', {}, info.communicationUserId ?? '?'),
      ` · expires ${formatTime(info.expiresOn)} · ${Math.round(ms)} ms`,
    ]);
    shared.set({ userIdentity: info.communicationUserId ?? null, userToken: token });
  }

  // ---------------------------------------------------------------- the credential
  async function getAuthToken() {
    if (!state.session) throw Object.assign(new Error('sign in first'), { code: 'MissingToken' });
    // The app session (1 h) is renewed silently, as a real app's session would be.
    if (Date.parse(state.session.expiresOn) - Date.now() < 60_000) {
      state.session = await devSignIn(state.session.name);
    }
    return state.session.token;
  }

  function makeCredential(trigger) {
    const refresh = tokenRefresher(`${config.tokenEndpoint}/token`, {
      getAuthToken,
      scopes: SCOPES,
      expiresInMinutes: LIFETIME_MINUTES,
    });
    state.pendingTrigger = trigger;
    const credential = new AcsTokenCredential({
      refreshProactively: true,
      tokenRefresher: async (signal) => {
        const why = state.pendingTrigger ?? 'proactive';
        state.pendingTrigger = null;
        const t0 = performance.now();
        try {
          const answer = await refresh(signal);
          if (credential === state.credential) accept(answer.token, why, performance.now() - t0);
          return answer;
        } catch (e) {
          if (credential === state.credential && !signal?.aborted) {
            const { code, message } = describeError(e, { from: 'endpoint' });
            addLog('failed', [el('span', { class: 'bad-text' }, code), ` ${message}`]);
          }
          throw e;
        }
      },
    });
    return credential;
  }

  function dropCredential() {
    state.credential?.dispose();
    state.credential = null;
    state.pendingTrigger = null;
  }

  async function getToken() {
    showError(null);
    if (!state.credential) state.credential = makeCredential('initial');
    const before = state.current?.token;
    try {
      const { token } = await state.credential.getToken();
      if (token === before) addLog('cache', 'getToken answered the cached token: it is still fresh, so no call was made');
    } catch (e) {
      if (e?.code !== 'Disposed') showError(e);
    }
  }

  async function refreshNow() {
    showError(null);
    // AcsTokenCredential refreshes on its own schedule; a new credential without a token fetches one now.
    dropCredential();
    state.credential = makeCredential('manual');
    try {
      await state.credential.getToken();
    } catch (e) {
      if (e?.code !== 'Disposed') showError(e);
    }
  }

  // ---------------------------------------------------------------- session
  function renderSession() {
    const s = state.session;
    form.hidden = s !== null;
    $('session').hidden = s === null;
    getButton.disabled = s === null;
    refreshButton.disabled = s === null;
    if (s) {
      $('session-name').textContent = s.name;
      $('session-sub').textContent = s.sub;
      $('session-avatar').textContent = initials(s.name);
    }
  }

  // The highlight of an empty name goes as soon as there is one.
  nameInput.addEventListener('input', () => {
    if (nameInput.value.trim() !== '') nameInput.removeAttribute('aria-invalid');
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = nameInput.value.trim();
    if (name === '') {
      nameInput.setAttribute('aria-invalid', 'true');
      showError(Object.assign(new Error('enter the name to sign in as'), { code: 'InvalidName' }));
      nameInput.focus();
      return;
    }
    nameInput.removeAttribute('aria-invalid');
    showError(null);
    withBusy($('sign-in-button'), async () => {
      try {
        const session = await devSignIn(name);
        if (state.session?.sub !== session.sub) {
          dropCredential();
          state.current = null;
          renderToken();
          shared.set({ userIdentity: null, userToken: null });
        }
        state.session = session;
        addLog('session', [`${session.name} — app token for `, el('code', {}, session.sub)]);
        renderSession();
        getButton.focus();
      } catch (e) {
        showError(e);
      }
    });
  });

  $('sign-out-button').addEventListener('click', () => {
    if (state.session) addLog('signout', `${state.session.name} — the credential is disposed`);
    dropCredential();
    state.session = null;
    state.current = null;
    showError(null);
    renderToken();
    renderSession();
    shared.set({ userIdentity: null, userToken: null });
    nameInput.focus();
  });

  getButton.addEventListener('click', () => withBusy(getButton, getToken).then(renderSession));
  refreshButton.addEventListener('click', () => withBusy(refreshButton, refreshNow).then(renderSession));

  for (const button of document.querySelectorAll('#token-view .copy')) {
    button.addEventListener('click', () => {
      const cur = state.current;
      if (!cur) return;
      if (button.dataset.copy === 'token') copyText(cur.token, 'Token');
      else copyText(cur.info.communicationUserId ?? '', 'Identity');
    });
  }

  renderSession();
  renderToken();
}
