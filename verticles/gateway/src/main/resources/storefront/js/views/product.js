// A product page: title, price, seller, attributes, stock, add to cart with a quantity.
import { get } from '../api.js';
import { h, clear, problemBox, loadingBox } from '../dom.js';
import { t, money, language } from '../i18n.js';
import { addToCart } from './cart.js';

const MAX_PER_LINE = 99;

export async function productView(view, { args, isCurrent }) {
  const [id] = args;
  clear(view, h('h1', {}, t('loading')), loadingBox());
  let p;
  try {
    p = await get('/catalog/products/' + encodeURIComponent(id));
  } catch (e) {
    if (isCurrent()) clear(view, h('h1', {}, t('notFound')), problemBox(e), h('a', { href: '#/' }, t('backToCatalog')));
    return;
  }
  if (!isCurrent()) return;
  const available = p.available ?? 0;
  const qty = h('input', { id: 'quantity', type: 'number', min: 1, max: Math.max(1, Math.min(available, MAX_PER_LINE)), value: 1, inputmode: 'numeric' });
  const message = h('div', { role: 'status' });
  const add = h('button', { type: 'submit', class: 'primary', id: 'add-to-cart', disabled: available <= 0 }, t('addToCart'));
  const form = h('form', { class: 'qty', onsubmit: async e => {
    e.preventDefault();
    const n = Number(qty.value);
    if (!Number.isInteger(n) || n < 1) { qty.focus(); return; }
    await addToCart(p, n, add, message);
  } }, h('label', { for: 'quantity' }, t('quantity'), ' '), qty, add);

  const attrs = Object.entries(p.attributes ?? {});
  const category = p.category ? ((language() === 'en' && p.category.name_en) || p.category.name) : '';
  clear(view,
    h('p', {}, h('a', { href: '#/catalog' }, t('backToCatalog'))),
    h('article', { class: 'product', 'data-product-id': p.id },
      h('div', { class: 'panel' },
        h('h1', { id: 'product-title' }, p.title),
        h('p', { class: 'muted' }, [
          p.brand ? `${t('brand')}: ${p.brand}` : null,
          category ? ` · ${t('category')}: ${category}` : null,
        ]),
        p.description ? [h('h2', {}, t('description')), h('p', {}, p.description)] : null,
        attrs.length ? [h('h2', {}, t('attributes')), h('table', { class: 'attrs' }, h('tbody', {},
          attrs.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))))))] : null),
      h('div', { class: 'panel' },
        h('div', { class: 'price', id: 'product-price' }, money(p.price)),
        h('p', { class: available > 0 ? 'ok' : 'warn', id: 'product-stock' }, available > 0 ? t('inStock', { n: available }) : t('outOfStock')),
        p.rating ? h('p', { class: 'muted' }, `${t('rating')}: ${Number(p.rating).toFixed(1)} · ${t('reviews', { n: p.review_count ?? 0 })}`) : null,
        h('p', { class: 'muted', id: 'product-seller' }, `${t('sellerLabel')}: ${p.seller_name ?? (p.seller_id ? t('unknownSeller') + ' ' + String(p.seller_id).slice(0, 8) : '')}`),
        form, message)));
}
