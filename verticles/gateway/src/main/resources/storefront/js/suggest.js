// Suggestions as you type (GET /catalog/suggest), an ARIA combobox. Replies are
// {suggestions:[{text, kind: query|brand|category|product, id?}]} (plain strings are taken too).
// When the route is missing (an older gateway) or fails, the box stays closed: Enter still searches.
import { get, query } from './api.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';

let available = true;

function normalize(item) {
  if (typeof item === 'string') return { text: item, kind: 'query' };
  const text = item?.text ?? item?.value ?? item?.query ?? item?.title ?? '';
  return { text, kind: item?.kind ?? 'query', id: item?.id ?? item?.product_id ?? null };
}

/** Where choosing a suggestion leads: a product page, a brand or category filter, or a search. */
function target(s) {
  if (s.kind === 'product' && s.id) return '#/product/' + encodeURIComponent(s.id);
  if (s.kind === 'brand') return '#/catalog?' + new URLSearchParams({ brand: s.text });
  if (s.kind === 'category' && s.id) return '#/catalog?' + new URLSearchParams({ category: s.id });
  return null;
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
  const choose = s => {
    close();
    const href = target(s);
    if (href) {
      input.value = s.kind === 'brand' || s.kind === 'category' ? '' : input.value;
      location.hash = href;
    } else {
      input.value = s.text;
      submit(s.text);
    }
  };
  const show = () => {
    clear(list, items.map((s, i) => h('li', {
      id: 'suggest-' + i, role: 'option', 'aria-selected': String(i === active), 'data-testid': 'suggestion', 'data-kind': s.kind,
      onmousedown: e => { e.preventDefault(); choose(s); },
    }, s.text, s.kind !== 'query' ? h('span', { class: 'muted' }, ' · ' + t('kind_' + s.kind)) : null)));
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
        if (mine !== seq || input.value.trim() !== text) return;
        const raw = Array.isArray(reply) ? reply : (reply.suggestions ?? reply.items ?? []);
        const seen = new Set();
        items = raw.map(normalize).filter(s => s.text && !seen.has(s.kind + s.text) && seen.add(s.kind + s.text)).slice(0, 8);
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
    else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); choose(items[active]); }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  // a search submitted with Enter closes the box too
  input.form?.addEventListener('submit', () => { seq++; clearTimeout(timer); close(); });
}
