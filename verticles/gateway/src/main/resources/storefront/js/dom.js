// Building the page from data without innerHTML: every text goes in as a text node.
import { t } from './i18n.js';

/**
 * h('button', {class: 'primary', onclick: fn, 'aria-label': 'x'}, 'text', child...)
 * Attributes starting with "on" become listeners; false/null attributes are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else if (name === 'checked' || name === 'selected' || name === 'disabled' || name === 'open' || name === 'hidden') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let toastTimer;
/** A short message read out by screen readers (the toast is a polite live region). */
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.textContent = ''; }, 5000);
}

/** A problem (ApiError) as words: what it means, the server's detail, and each bad field. */
export function problemBox(error, { retry } = {}) {
  const box = h('div', { class: 'problem', role: 'alert', 'data-testid': 'problem', 'data-code': error?.code ?? '' });
  box.append(h('strong', {}, error?.message || String(error)));
  if (error?.detail && error.detail !== error.message) {
    box.append(h('div', { class: 'muted' }, error.detail));
  }
  if (Array.isArray(error?.fields) && error.fields.length) {
    box.append(h('ul', {}, error.fields.map(f => h('li', {}, f.field ? `${f.field}: ${f.message}` : f.message))));
  }
  if (retry) box.append(' ', h('button', { type: 'button', class: 'link', onclick: retry }, t('tryAgain')));
  return box;
}

export function loadingBox() {
  return h('p', { class: 'muted', 'aria-busy': 'true' }, t('loading'));
}

/** Moves focus to the new view's heading, so keyboard and screen-reader users land on it. */
export function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}
