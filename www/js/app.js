// The demo page: (1) a signed-in app user gets ACS tokens from the edge token endpoint,
// (2) an admin console runs the identity operations against the local emulator.
import { $ } from './dom.js';
import { initUser } from './user.js';
import { initAdmin } from './admin.js';

/** What both panels share: the signed-in user's current identity and token. */
class Shared extends EventTarget {
  userIdentity = null;
  userToken = null;
  set(patch) {
    Object.assign(this, patch);
    this.dispatchEvent(new Event('change'));
  }
}

async function loadConfig() {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`/config.json answered HTTP ${res.status}`);
  return res.json();
}

async function checkStack(config) {
  const status = $('stack-status');
  const text = status.querySelector('.stack-status-text');
  const probe = async (url) => {
    try {
      return (await fetch(url, { cache: 'no-store' })).ok;
    } catch {
      return false;
    }
  };
  const [endpoint, emulator] = await Promise.all([
    probe(`${config.tokenEndpoint}/healthz`),
    probe(`${config.emulatorUrl}/emulator/health`),
  ]);
  status.classList.toggle('ok', endpoint && emulator);
  status.classList.toggle('bad', !(endpoint && emulator));
  text.textContent =
    endpoint && emulator
      ? 'Local stack running'
      : `${[!endpoint && 'token endpoint', !emulator && 'emulator'].filter(Boolean).join(' and ')} unreachable`;
}

try {
  const config = await loadConfig();
  $('cfg-token-endpoint').textContent = config.tokenEndpoint;
  $('cfg-emulator').textContent = config.emulatorUrl;
  const shared = new Shared();
  initUser(config, shared);
  initAdmin(config, shared);
  await checkStack(config);
  document.documentElement.dataset.ready = 'true';
} catch (e) {
  const status = $('stack-status');
  status.classList.add('bad');
  status.querySelector('.stack-status-text').textContent = `The demo could not start: ${e.message}`;
}
