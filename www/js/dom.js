// Small DOM helpers of the demo page.

export const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
};

/** `el('span', { class: 'tag' }, 'text', child)`; attributes starting with `on` are listeners. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Marks a button busy (spinner, disabled) while `fn` runs. */
export async function withBusy(button, fn) {
  button.setAttribute('aria-busy', 'true');
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.removeAttribute('aria-busy');
    button.disabled = false;
  }
}

let toastTimer;
export function toast(message) {
  const node = $('toast');
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.hidden = true;
  }, 1800);
}

/** Copies text (a token, an id) without ever putting it in the DOM. */
export async function copyText(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast(`Could not copy the ${what.toLowerCase()}`);
  }
}

/** A label/value row of a `.kv` list. `value` may be a node. */
export function kvRow(label, value, { mono = false, copy } = {}) {
  const val = el('span', { class: 'kv-val' }, mono ? el('code', { class: 'mono wrap' }, value) : value);
  if (copy) {
    val.append(el('button', { class: 'copy', type: 'button', 'aria-label': `Copy ${copy.what.toLowerCase()}`, onclick: () => copyText(copy.text, copy.what) }, 'Copy'));
  }
  return el('div', { class: 'kv-row' }, el('span', { class: 'kv-key' }, label), val);
}

/** Scope chips. */
export const scopeChips = (scopes) => el('span', { class: 'chips' }, scopes.map((s) => el('span', { class: 'chip' }, s)));
