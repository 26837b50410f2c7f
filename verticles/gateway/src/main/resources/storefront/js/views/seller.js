// The seller's cabinet: list, edit and delete products, stock per warehouse, purchase limit,
// shipments to ship and deliver.
import { get, post, put, del } from '../api.js';
import { h, clear, problemBox, loadingBox, toast } from '../dom.js';
import { t, money, parseMoney, moneyInput, dateTime, statusText, language, problemText } from '../i18n.js';
import { session, isSeller } from '../session.js';

// The public API has no "my products" route yet: the cabinet remembers, on this device, the
// products this seller listed here (and drops ids the catalog no longer knows).
function listKey() { return 'mp.seller.products.' + session().me?.user_id; }
function myIds() { try { return JSON.parse(localStorage.getItem(listKey()) ?? '[]'); } catch { return []; } }
function saveIds(ids) { try { localStorage.setItem(listKey(), JSON.stringify([...new Set(ids)])); } catch { /* private mode */ } }

function tabs(current) {
  const tab = (href, key, name) => h('a', { href, 'aria-current': current === key ? 'page' : false, id: 'tab-' + key }, name);
  return h('nav', { class: 'tabs', 'aria-label': t('seller') },
    tab('#/seller', 'products', t('myProducts')), tab('#/seller/new', 'new', t('newProduct')), tab('#/seller/shipments', 'shipments', t('shipmentsTab')));
}

export async function sellerView(view, { args, navigate, isCurrent }) {
  if (!session().me || !isSeller()) {
    clear(view, h('h1', {}, t('seller')), h('p', {}, t('sellerOnly')),
      h('a', { class: 'button primary', href: '#/signup?role=seller&next=seller' }, t('sellerSignUp')));
    return;
  }
  const [section, id] = args;
  if (section === 'new') return productForm(view, null, navigate, isCurrent);
  if (section === 'edit' && id) return productForm(view, id, navigate, isCurrent);
  if (section === 'shipments') return shipments(view, isCurrent);
  return products(view, isCurrent);
}

async function products(view, isCurrent) {
  clear(view, h('h1', {}, t('myProducts')), tabs('products'), loadingBox());
  const ids = myIds();
  const found = await Promise.all(ids.map(id => get('/catalog/products/' + encodeURIComponent(id)).catch(e => (e.status === 404 ? null : { id, error: e }))));
  if (!isCurrent()) return;
  saveIds(found.filter(Boolean).map(p => p.id));
  const list = found.filter(Boolean);
  clear(view, h('h1', {}, t('myProducts')), tabs('products'), list.length ? h('table', { class: 'list', id: 'seller-products' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('title')), h('th', { scope: 'col' }, t('priceRub')),
      h('th', { scope: 'col' }, t('stock')), h('th', { scope: 'col' }, ''))),
    h('tbody', {}, list.map(p => p.error ? h('tr', {}, h('td', { colspan: 4 }, problemBox(p.error))) : h('tr', { 'data-product-id': p.id },
      h('td', {}, h('a', { href: '#/product/' + encodeURIComponent(p.id) }, p.title)),
      h('td', {}, money(p.price)),
      h('td', {}, String(p.available ?? 0)),
      h('td', {}, h('a', { class: 'button', href: '#/seller/edit/' + encodeURIComponent(p.id), 'aria-label': `${t('edit')}: ${p.title}` }, t('edit')))))))
    : h('p', {}, t('noProducts')));
}

function flatten(nodes, depth = 0, out = []) {
  for (const n of nodes ?? []) {
    out.push({ id: n.id, name: '\u00a0\u00a0'.repeat(depth) + ((language() === 'en' && n.name_en) || n.name) });
    flatten(n.children, depth + 1, out);
  }
  return out;
}

function attributesText(attrs) {
  return Object.entries(attrs ?? {}).map(([k, v]) => `${k} = ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('\n');
}

function parseAttributes(text) {
  const attrs = {};
  for (const raw of text.split('\n')) {
    const lineText = raw.trim();
    if (!lineText) continue;
    const at = lineText.indexOf('=');
    if (at <= 0) return null;
    const key = lineText.slice(0, at).trim();
    const value = lineText.slice(at + 1).trim();
    attrs[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  return attrs;
}

async function productForm(view, id, navigate, isCurrent) {
  const title = id ? t('edit') : t('newProduct');
  clear(view, h('h1', {}, title), tabs(id ? 'products' : 'new'), loadingBox());
  let product = null;
  let tree = [];
  try {
    [product, tree] = await Promise.all([
      id ? get('/catalog/products/' + encodeURIComponent(id)) : Promise.resolve(null),
      get('/catalog/categories').then(r => r.categories ?? []),
    ]);
  } catch (e) {
    if (isCurrent()) clear(view, h('h1', {}, title), tabs('products'), problemBox(e));
    return;
  }
  if (!isCurrent()) return;
  const errors = h('div', { id: 'product-errors' });
  const input = (name, label, attrs = {}, hint) => h('label', { for: 'p-' + name }, label,
    hint ? h('span', { class: 'muted hint' }, ' (' + hint + ')') : null, h('input', { id: 'p-' + name, name, ...attrs }));
  const category = h('select', { id: 'p-category', name: 'category_id', required: true },
    flatten(tree).map(c => h('option', { value: c.id, selected: product?.category?.id === c.id }, c.name)));
  const form = h('form', { class: 'form panel', id: 'product-form', novalidate: true, onsubmit: async e => {
    e.preventDefault();
    clear(errors);
    const f = form.elements;
    const amount = parseMoney(f.price.value);
    const attributes = parseAttributes(f.attributes.value);
    const local = [];
    if (amount === null || amount <= 0) local.push({ field: t('priceRub'), message: '> 0' });
    if (attributes === null) local.push({ field: t('attributes'), message: t('attrsHint') });
    if (local.length) { clear(errors, problemBox({ message: problemText('VALIDATION_FAILED'), fields: local })); return; }
    const listing = { title: f.title.value.trim(), description: f.description.value.trim(), brand: f.brand.value.trim(),
      category_id: Number(category.value), price: { amount, currency: product?.price?.currency ?? 'RUB' }, attributes };
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      if (id) {
        await put('/seller/products/' + encodeURIComponent(id), listing);
        toast(t('saved'));
        navigate('/seller/edit/' + encodeURIComponent(id));
      } else {
        const created = await post('/seller/products', listing);
        saveIds([...myIds(), created.id]);
        toast(t('created'));
        navigate('/seller/edit/' + encodeURIComponent(created.id));
      }
    } catch (err) {
      clear(errors, problemBox(err));
      button.disabled = false;
    }
  } },
    input('title', t('title'), { required: true, maxlength: 200, value: product?.title ?? '' }),
    h('label', { for: 'p-description' }, t('description'), h('textarea', { id: 'p-description', name: 'description', rows: 3 }, product?.description ?? '')),
    h('div', { class: 'row' },
      input('brand', t('brand'), { required: true, maxlength: 100, value: product?.brand ?? '' }),
      input('price', t('priceRub'), { required: true, inputmode: 'decimal', value: moneyInput(product?.price?.amount, product?.price?.currency) })),
    h('label', { for: 'p-category' }, t('categoryId'), category),
    h('label', { for: 'p-attributes' }, t('attributes'), h('span', { class: 'muted hint' }, ' (' + t('attrsHint') + ')'),
      h('textarea', { id: 'p-attributes', name: 'attributes', rows: 3 }, attributesText(product?.attributes))),
    errors,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'product-save' }, id ? t('save') : t('create'))));

  const parts = [h('h1', {}, id ? `${t('edit')}: ${product.title}` : t('newProduct')), tabs(id ? 'products' : 'new'), form];
  if (id) parts.push(stockForm(product), limitForm(product), deleteBox(product, navigate));
  clear(view, parts);
}

function stockForm(product) {
  const result = h('div', { role: 'status', id: 'stock-result' });
  const warehouse = h('input', { id: 's-warehouse', name: 'warehouse', required: true, value: 'MSK-1', maxlength: 50 });
  const quantity = h('input', { id: 's-quantity', name: 'quantity', type: 'number', min: 0, required: true, inputmode: 'numeric' });
  return h('form', { class: 'form panel', id: 'stock-form', onsubmit: async e => {
    e.preventDefault();
    const n = Number(quantity.value);
    if (!Number.isInteger(n) || n < 0) { quantity.focus(); return; }
    try {
      const r = await put('/seller/products/' + encodeURIComponent(product.id) + '/stock', { warehouse: warehouse.value.trim(), quantity: n });
      clear(result, h('span', { class: 'ok' }, t('stockSaved', { warehouse: r.warehouse ?? warehouse.value, quantity: r.quantity ?? n, available: r.available ?? '?' })));
    } catch (err) { clear(result, problemBox(err)); }
  } }, h('h2', {}, t('stock')), h('div', { class: 'row' },
    h('label', { for: 's-warehouse' }, t('warehouse'), warehouse), h('label', { for: 's-quantity' }, t('quantity'), quantity)),
    h('div', {}, h('button', { type: 'submit', id: 'stock-save' }, t('setStock'))), result);
}

function limitForm(product) {
  const result = h('div', { role: 'status', id: 'limit-result' });
  const limit = h('input', { id: 'l-per-buyer', name: 'per_buyer', type: 'number', min: 1, inputmode: 'numeric' });
  return h('form', { class: 'form panel', id: 'limit-form', onsubmit: async e => {
    e.preventDefault();
    const text = limit.value.trim();
    const n = text === '' ? null : Number(text);
    if (n !== null && (!Number.isInteger(n) || n < 1)) { limit.focus(); return; }
    try {
      const r = await put('/seller/products/' + encodeURIComponent(product.id) + '/purchase-limit', { per_buyer: n });
      clear(result, h('span', { class: 'ok' }, r.per_buyer ? t('limitSaved', { n: r.per_buyer }) : t('noLimit')));
    } catch (err) { clear(result, problemBox(err)); }
  } }, h('h2', {}, t('purchaseLimit')),
    h('label', { for: 'l-per-buyer' }, t('purchaseLimit'), h('span', { class: 'muted hint' }, ' (' + t('limitHint') + ')'), limit),
    h('div', {}, h('button', { type: 'submit', id: 'limit-save' }, t('setLimit'))), result);
}

function deleteBox(product, navigate) {
  const result = h('div', { role: 'status' });
  return h('div', { class: 'panel' }, h('button', { type: 'button', class: 'danger', id: 'product-delete', onclick: async () => {
    if (!window.confirm(t('deleteConfirm'))) return;
    try {
      await del('/seller/products/' + encodeURIComponent(product.id));
      saveIds(myIds().filter(x => x !== product.id));
      toast(t('deleted'));
      navigate('/seller');
    } catch (err) { clear(result, problemBox(err)); }
  } }, t('delete')), result);
}

async function shipments(view, isCurrent) {
  clear(view, h('h1', {}, t('shipmentsTab')), tabs('shipments'), loadingBox());
  const draw = async (problem) => {
    let page;
    try {
      page = await get('/seller/orders?limit=50');
    } catch (e) {
      if (isCurrent()) clear(view, h('h1', {}, t('shipmentsTab')), tabs('shipments'), problemBox(e));
      return;
    }
    if (!isCurrent()) return;
    const items = page.items ?? [];
    const act = (s, action) => async () => {
      try {
        await post(`/seller/shipments/${encodeURIComponent(s.id)}/${action}`);
        toast(action === 'ship' ? t('shipped') : t('delivered'));
        await draw();
      } catch (e) { await draw(problemBox(e)); }
    };
    clear(view, h('h1', {}, t('shipmentsTab')), tabs('shipments'), problem ?? null, items.length ? h('table', { class: 'list', id: 'shipments-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('order')), h('th', { scope: 'col' }, t('lines')),
        h('th', { scope: 'col' }, t('status')), h('th', { scope: 'col' }, ''))),
      h('tbody', {}, items.map(s => h('tr', { 'data-shipment-id': s.id, 'data-order-id': s.order_id },
        h('td', {}, t('orderNo', { id: String(s.order_id).slice(0, 8) }), h('div', { class: 'muted' }, dateTime(s.created_at)),
          h('div', { class: 'muted' }, t('orderStatusLabel', { s: statusText(s.order_status) }))),
        h('td', {}, (s.lines ?? []).map(l => h('div', {}, `${l.title ?? l.product_id} × ${l.quantity}`)), h('div', { class: 'price' }, money(s.total))),
        h('td', {}, h('span', { class: 'status', 'data-status': s.status, 'data-testid': 'shipment-status' }, statusText(s.status))),
        h('td', {},
          s.status === 'READY_TO_SHIP'
            ? h('button', { type: 'button', class: 'primary', 'data-testid': 'ship', onclick: act(s, 'ship') }, t('ship')) : null,
          s.status === 'SHIPPED' ? h('button', { type: 'button', 'data-testid': 'deliver', onclick: act(s, 'deliver') }, t('deliver')) : null)))))
      : h('p', {}, t('noShipments')));
  };
  await draw();
}
