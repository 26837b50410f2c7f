// The catalog: search results or the popular products, facet sidebar, sorting, cursor pages.
import { get, query } from '../api.js';
import { h, clear, problemBox, loadingBox } from '../dom.js';
import { t, money, parseMoney, moneyInput, language } from '../i18n.js';
import { addToCart } from './cart.js';

const PAGE = 24;
const SORTS = ['relevance', 'popular', 'price_asc', 'price_desc', 'new'];
const FILTERS = ['q', 'category', 'brand', 'price_min', 'price_max', 'in_stock', 'sort'];
let categoriesCache = null;

async function categories() {
  if (!categoriesCache) {
    categoriesCache = get('/catalog/categories').then(r => r.categories ?? []).catch(e => { categoriesCache = null; throw e; });
  }
  return categoriesCache;
}

function link(params, changes) {
  const next = new URLSearchParams();
  for (const name of FILTERS) {
    const value = name in changes ? changes[name] : params.get(name);
    if (value !== null && value !== undefined && value !== '') next.set(name, value);
  }
  return '#/catalog' + (next.toString() ? '?' + next : '');
}

export async function catalogView(view, { params, navigate, isCurrent }) {
  const q = params.get('q') ?? '';
  document.getElementById('search-input').value = q;
  const filters = {};
  for (const name of FILTERS) if (params.get(name)) filters[name] = params.get(name);

  const sidebar = h('aside', { class: 'filters panel', 'aria-label': t('filters') });
  const results = h('section', { 'aria-labelledby': 'results-title' });
  clear(view, h('div', { class: 'catalog' }, sidebar, results));
  clear(results, h('h1', { id: 'results-title' }, q ? `${t('search')}: ${q}` : t('catalog')), loadingBox());

  let page;
  try {
    page = await get('/catalog/products' + query({ ...filters, limit: PAGE }));
  } catch (e) {
    if (!isCurrent()) return;
    clear(results, h('h1', { id: 'results-title' }, t('catalog')), problemBox(e, { retry: () => navigate('/catalog', params) }));
    return;
  }
  if (!isCurrent()) return;
  const tree = await categories().catch(() => []);
  if (!isCurrent()) return;

  renderSidebar(sidebar, params, page.facets ?? {}, tree, navigate);

  const grid = h('ul', { class: 'grid', id: 'product-grid', 'data-testid': 'product-grid' });
  const more = h('button', { type: 'button', id: 'show-more' }, t('showMore'));
  const status = h('p', { class: 'muted', role: 'status', id: 'results-status' });
  const sortSelect = h('select', { id: 'sort', onchange: () => navigate('/catalog', new URLSearchParams(link(params, { sort: sortSelect.value }).split('?')[1] ?? '')) },
    SORTS.filter(s => s !== 'relevance' || q).map(s => h('option', { value: s, selected: (params.get('sort') ?? (q ? 'relevance' : 'popular')) === s }, t('sort_' + s))));

  const heading = h('h1', { id: 'results-title' }, q ? `${t('search')}: ${q}` : t('catalog'));
  const notices = [];
  const corrected = page.corrected_query;
  if (corrected && q) {
    notices.push(h('p', { class: 'notice', id: 'corrected-query', 'data-testid': 'corrected-query' }, t('correctedQuery', { asked: q, shown: corrected })));
  }
  const didYouMean = page.did_you_mean ?? page.suggestion;
  if (didYouMean && typeof didYouMean === 'string' && didYouMean !== q) {
    notices.push(h('p', { class: 'notice', id: 'did-you-mean' }, t('didYouMean') + ': ',
      h('a', { href: link(params, { q: didYouMean, brand: null }) }, didYouMean), '?'));
  }

  clear(results, heading, notices,
    h('div', { class: 'toolbar' }, status, h('label', {}, t('sort') + ' ', sortSelect)),
    grid, h('p', {}, more));

  let cursor = page.next_cursor;
  let shown = 0;
  const addItems = items => {
    for (const p of items) grid.append(card(p));
    shown += items.length;
    // a short page is the last one, whatever cursor came with it
    if (items.length < PAGE) cursor = null;
    status.textContent = shown ? t(cursor ? 'shownMore' : 'shown', { n: shown }) : t('nothingFound');
    more.hidden = !cursor;
  };
  addItems(page.items ?? []);
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const next = await get('/catalog/products' + query({ ...filters, limit: PAGE, cursor }));
      cursor = next.next_cursor;
      addItems(next.items ?? []);
      grid.querySelectorAll('.card')[shown - (next.items?.length ?? 0)]?.querySelector('a')?.focus();
    } catch (e) {
      more.after(problemBox(e));
    } finally {
      more.disabled = false;
    }
  });
}

function card(p) {
  const available = p.available ?? (p.in_stock ? 1 : 0);
  const button = h('button', { type: 'button', class: 'primary', disabled: available <= 0, 'data-testid': 'add-to-cart',
    'aria-label': `${t('addToCart')}: ${p.title}`, onclick: () => addToCart(p, 1, button) }, t('addToCart'));
  return h('li', { class: 'card', 'data-product-id': p.id },
    h('h3', {}, h('a', { href: '#/product/' + encodeURIComponent(p.id), 'data-testid': 'product-link' }, p.title)),
    h('div', { class: 'muted' }, p.brand ?? ''),
    h('div', { class: 'price' }, money(p.price)),
    h('div', { class: available > 0 ? 'muted' : 'warn' }, available > 0 ? t('inStock', { n: available }) : t('outOfStock')),
    h('div', { class: 'actions' }, button));
}

function renderSidebar(sidebar, params, facets, tree, navigate) {
  const approx = facets.exact === false;
  const counts = new Map((facets.category ?? []).map(c => [String(c.value), c.count]));
  const sum = node => (counts.get(String(node.id)) ?? 0) + (node.children ?? []).reduce((n, c) => n + sum(c), 0);
  const current = params.get('category');
  const name = node => (language() === 'en' && node.name_en) ? node.name_en : node.name;
  const branch = nodes => h('ul', { class: 'tree' }, nodes.map(node => {
    const n = sum(node);
    if (!n && String(node.id) !== current) return null;
    return h('li', {},
      h('a', { href: link(params, { category: node.id }), 'aria-current': String(String(node.id) === current) }, name(node)),
      h('span', { class: 'count' }, ' ' + (approx ? '≈' : '') + n),
      node.children?.length ? branch(node.children) : null);
  }));
  const categoryBlock = h('fieldset', {}, h('legend', {}, t('categories')),
    h('ul', { class: 'tree' }, h('li', {}, h('a', { href: link(params, { category: null }), 'aria-current': String(!current) }, t('allCategories')))),
    tree.length ? branch(tree) : h('ul', { class: 'tree' }, (facets.category ?? []).map(c =>
      h('li', {}, h('a', { href: link(params, { category: c.value }) }, c.name ?? String(c.value)), h('span', { class: 'count' }, ' ' + c.count)))));

  const brand = params.get('brand');
  const brandBlock = h('fieldset', { id: 'brand-facet' }, h('legend', {}, t('brands')),
    h('ul', { class: 'tree' },
      h('li', {}, h('a', { href: link(params, { brand: null }), 'aria-current': String(!brand) }, t('allBrands'))),
      (facets.brand ?? []).map(b => h('li', {},
        h('a', { href: link(params, { brand: b.value }), 'aria-current': String(b.value === brand), 'data-testid': 'brand-facet', 'data-brand': b.value }, b.value),
        h('span', { class: 'count' }, ' ' + (approx ? '≈' : '') + b.count)))));

  const min = h('input', { id: 'price-min', inputmode: 'decimal', value: moneyInput(params.get('price_min')), 'aria-label': `${t('price')} ${t('priceFrom')}`, placeholder: t('priceFrom') });
  const max = h('input', { id: 'price-max', inputmode: 'decimal', value: moneyInput(params.get('price_max')), 'aria-label': `${t('price')} ${t('priceTo')}`, placeholder: t('priceTo') });
  const priceError = h('div', { class: 'err', role: 'alert' });
  const priceBlock = h('form', { onsubmit: e => {
    e.preventDefault();
    const lo = min.value.trim() ? parseMoney(min.value) : '';
    const hi = max.value.trim() ? parseMoney(max.value) : '';
    if (lo === null || hi === null) { priceError.textContent = t('price') + ': ?'; return; }
    navigate('/catalog', new URLSearchParams(link(params, { price_min: lo, price_max: hi }).split('?')[1] ?? ''));
  } }, h('fieldset', {}, h('legend', {}, t('price')), h('div', { class: 'range' }, min, max), priceError,
    h('button', { type: 'submit' }, t('apply'))));

  const inStock = h('input', { type: 'checkbox', id: 'in-stock', checked: params.get('in_stock') === 'true',
    onchange: () => navigate('/catalog', new URLSearchParams(link(params, { in_stock: inStock.checked ? 'true' : null }).split('?')[1] ?? '')) });
  const stockBlock = h('fieldset', {}, h('label', {}, inStock, t('inStockOnly')));

  const wide = window.matchMedia('(min-width: 760px)').matches;
  clear(sidebar, h('details', { open: wide || undefined }, h('summary', {}, t('filters')),
    categoryBlock, brandBlock, priceBlock, stockBlock,
    approx ? h('p', { class: 'muted' }, t('approxCounts')) : null,
    h('a', { href: '#/catalog' + (params.get('q') ? '?q=' + encodeURIComponent(params.get('q')) : '') }, t('reset'))));
}
