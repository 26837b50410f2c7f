// Suggestions as you type (GET /catalog/suggest), an ARIA combobox. When the route is missing
// (an older gateway) or fails, the box simply stays closed: search still works with Enter.
import { get, query } from './api.js';
import { h, clear } from './dom.js';

let available = true;

/** What a suggestion shows and searches for: a string, or an object with a text-like field. */
function textOf(item) {
  if (typeof item === 'string') return item;
  return item?.text ?? item?.value ?? item?.query ?? item?.title ?? item?.term ?? '';
}

export function attachSuggestions(input, list, submit) {
  let timer = null;
  let active = -1;
  let items = [];
  let seq = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const show = () => {
    clear(list, items.map((text, i) => h('li', {
      id: 'suggest-' + i, role: 'option', 'aria-selected': String(i === active), 'data-testid': 'suggestion',
      onmousedown: e => { e.preventDefault(); input.value = text; close(); submit(text); },
    }, text)));
    list.hidden = items.length === 0;
    input.setAttribute('aria-expanded', String(items.length > 0));
    if (active >= 0) input.setAttribute('aria-activedescendant', 'suggest-' + active); else input.removeAttribute('aria-activedescendant');
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (!available || text.length < 2) { items = []; close(); return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const reply = await get('/catalog/suggest' + query({ q: text, limit: 8 }));
        if (mine !== seq) return;
        const raw = Array.isArray(reply) ? reply : (reply.suggestions ?? reply.items ?? []);
        items = [...new Set(raw.map(textOf).filter(Boolean))].slice(0, 8);
        active = -1;
        show();
      } catch (e) {
        if (e.status === 404 || e.status === 405) available = false; // no such route on this gateway
        items = [];
        close();
      }
    }, 150);
  });
  input.addEventListener('keydown', e => {
    if (list.hidden || !items.length) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); active = (active + 1) % items.length; show(); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); active = (active - 1 + items.length) % items.length; show(); }
    else if (e.key === 'Escape') { close(); }
    else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); input.value = items[active]; close(); submit(items[active]); }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
}
