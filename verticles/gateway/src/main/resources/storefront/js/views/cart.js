// The cart (a guest's or the user's): quantities, changed prices to accept, limits, checkout.
import { get, post, patch, del, ApiError } from '../api.js';
import { h, clear, problemBox, loadingBox, toast } from '../dom.js';
import { t, money, problemText } from '../i18n.js';
import { session, refreshCartCount } from '../session.js';

const MERGE_NOTE = 'mp.mergeNote';

/** Adds a product; the message (or a toast) says what happened, in words also when refused. */
export async function addToCart(product, quantity, button, messageEl) {
  if (button) button.disabled = true;
  try {
    const cart = await post('/cart/items', { product_id: product.id, quantity });
    await refreshCartCount(cart);
    const text = t('added', { title: product.title });
    if (messageEl) clear(messageEl, h('span', { class: 'ok' }, text, ' '), h('a', { href: '#/cart' }, t('cart')));
    toast(text);
  } catch (e) {
    if (messageEl) clear(messageEl, problemBox(e)); else toast(e.message + (e.detail ? ' ' + e.detail : ''));
  } finally {
    if (button) button.disabled = false;
  }
}

/** After sign-in the merge report is kept for the cart page to explain. */
export function rememberMerge(report) {
  try { sessionStorage.setItem(MERGE_NOTE, JSON.stringify(report)); } catch { /* private mode */ }
}

function takeMergeNote() {
  try {
    const raw = sessionStorage.getItem(MERGE_NOTE);
    sessionStorage.removeItem(MERGE_NOTE);
    return raw ? JSON.parse(raw) : null;
  } catch { return null; }
}

export async function cartView(view, { navigate, isCurrent }) {
  clear(view, h('h1', {}, t('cart')), loadingBox());
  const merge = takeMergeNote();
  const draw = async (cart, problem) => {
    if (!isCurrent()) return;
    await refreshCartCount(cart);
    const items = cart?.items ?? [];
    const changed = items.filter(i => i.price_changed && i.price);
    const parts = [h('h1', {}, t('cart'))];
    if (merge) {
      parts.push(h('div', { class: 'notice', id: 'merge-notice', 'data-testid': 'merge-notice' }, t('cartMerged'),
        merge.capped_product_ids?.length ? h('div', {}, t('cartCapped')) : null,
        merge.dropped_product_ids?.length ? h('div', {}, t('cartDropped')) : null));
    }
    if (problem) parts.push(problem);
    if (!items.length) {
      parts.push(h('p', { id: 'cart-empty' }, t('cartEmpty')), h('a', { href: '#/catalog' }, t('backToCatalog')));
      clear(view, parts);
      return;
    }
    if (cart.kind === 'guest') parts.push(h('p', { class: 'muted' }, t('guestCart')));
    const list = h('ul', { class: 'lines', id: 'cart-lines' }, items.map(item => line(item, async (action) => {
      try { await draw(await action()); } catch (e) { await draw(await get('/cart').catch(() => cart), problemBox(e)); }
    })));
    parts.push(h('div', { class: 'panel' }, list));
    if (changed.length) {
      const accept = h('button', { type: 'button', id: 'accept-prices', onclick: async () => {
        accept.disabled = true;
        try {
          const next = await post('/cart/accept-prices', { items: changed.map(i => ({ product_id: i.product_id, price: i.price })) });
          toast(t('pricesAccepted'));
          await draw(next.items ? next : await get('/cart'));
        } catch (e) { await draw(await get('/cart').catch(() => cart), problemBox(e)); }
      } }, t('acceptPrices'));
      parts.push(h('div', { class: 'notice', role: 'alert' }, problemText('PRICE_CHANGED'), ' ', accept));
    }
    parts.push(h('p', { class: 'price', id: 'cart-total' }, `${t('total')}: ${money(cart.total)}`));
    if (session().me) {
      const payBox = h('div', { role: 'status', id: 'checkout-status' });
      const go = h('button', { type: 'button', class: 'primary', id: 'checkout', disabled: changed.length > 0,
        onclick: () => checkout(cart, go, payBox, navigate) }, t('checkout'));
      parts.push(go, payBox);
    } else {
      parts.push(h('p', {}, t('signInToCheckout'), ' ', h('a', { href: '#/signin?next=cart', id: 'signin-to-checkout' }, t('signIn')), ' · ',
        h('a', { href: '#/signup?next=cart', id: 'signup-to-checkout' }, t('signUp'))));
    }
    clear(view, parts);
  };
  try {
    await draw(await get('/cart'));
  } catch (e) {
    if (isCurrent()) clear(view, h('h1', {}, t('cart')), problemBox(e, { retry: () => navigate('/cart') }));
  }
}

function line(item, run) {
  const qty = h('input', { type: 'number', min: 1, max: 99, value: item.quantity, id: 'qty-' + item.product_id, inputmode: 'numeric', 'data-testid': 'line-quantity' });
  const notes = [];
  if (item.deleted) notes.push(h('div', { class: 'err' }, t('productGone')));
  if (item.price_changed && item.seen_price && item.price) {
    notes.push(h('div', { class: 'warn', 'data-testid': 'price-changed' }, t('priceChanged', { was: money(item.seen_price), now: money(item.price) })));
  }
  if (typeof item.available === 'number' && item.available < item.quantity) {
    notes.push(h('div', { class: 'warn' }, item.available > 0 ? t('onlyAvailable', { n: item.available }) : t('outOfStock')));
  }
  return h('li', { 'data-product-id': item.product_id, 'data-testid': 'cart-line' },
    h('a', { href: '#/product/' + encodeURIComponent(item.product_id) }, item.title ?? item.product_id),
    h('div', {}, money(item.price), ' × ', String(item.quantity), item.line_total ? ` = ${money(item.line_total)}` : ''),
    notes,
    h('form', { class: 'line-controls', onsubmit: e => {
      e.preventDefault();
      const n = Number(qty.value);
      if (!Number.isInteger(n) || n < 1) { qty.focus(); return; }
      run(() => patch('/cart/items/' + encodeURIComponent(item.product_id), { quantity: n }));
    } },
      h('label', { for: 'qty-' + item.product_id }, t('quantity')), qty,
      h('button', { type: 'submit' }, t('update')),
      h('button', { type: 'button', class: 'danger', 'aria-label': `${t('remove')}: ${item.title ?? ''}`,
        onclick: () => run(() => del('/cart/items/' + encodeURIComponent(item.product_id))) }, t('remove'))));
}

const PAYMENTS = 'mp.paymentUrls';
export function paymentUrl(orderId) {
  try { return JSON.parse(sessionStorage.getItem(PAYMENTS) ?? '{}')[orderId] ?? null; } catch { return null; }
}
function rememberPayment(orderId, url) {
  try {
    const all = JSON.parse(sessionStorage.getItem(PAYMENTS) ?? '{}');
    all[orderId] = url;
    sessionStorage.setItem(PAYMENTS, JSON.stringify(all));
  } catch { /* private mode: the order page offers no pay link then */ }
}

/** The bank's 3-D Secure page with a way back to the order page. */
export function bankUrl(paymentUrlValue, orderId) {
  const back = location.origin + location.pathname + '#/orders/' + encodeURIComponent(orderId);
  const url = new URL(paymentUrlValue, location.href);
  url.searchParams.set('return_url', back);
  return url.toString();
}

/**
 * Checks out: the bank's window is opened at once (inside the click, so no popup blocker stops it),
 * then pointed at the 3-D Secure page when the order exists; this tab shows the order, live.
 */
async function checkout(cart, button, box, navigate) {
  button.disabled = true;
  clear(box, h('span', { class: 'muted' }, t('paying')));
  const bank = window.open('', 'bank-3ds');
  const key = 'checkout-' + cart.id + '-' + crypto.randomUUID();
  try {
    let result = await post('/checkout', { cart_id: cart.id, payment_method: 'card' }, { headers: { 'Idempotency-Key': key } });
    // a sale's waiting room answers 202 with a place in the queue: wait as told, ask again with the same key
    while (result.queue_ticket && !result.order_id) {
      clear(box, h('div', { class: 'notice', id: 'waiting-room', 'data-testid': 'waiting-room' },
        h('strong', {}, t('waitingRoom')), h('div', {}, t('queuePosition', { n: result.position ?? '?' }))));
      await new Promise(r => setTimeout(r, Math.min(Math.max(Number(result.retry_after_ms) || 1000, 250), 10000)));
      result = await post('/checkout', { cart_id: cart.id, payment_method: 'card' },
        { headers: { 'Idempotency-Key': key, 'X-Queue-Ticket': String(result.queue_ticket) } });
    }
    rememberPayment(result.order_id, result.payment_url);
    await refreshCartCount();
    if (result.payment_url) {
      const target = bankUrl(result.payment_url, result.order_id);
      if (bank) {
        bank.opener = null;
        bank.location.href = target;
      } else {
        toast(t('popupBlocked'));
      }
    } else {
      bank?.close();
    }
    navigate('/orders/' + encodeURIComponent(result.order_id));
  } catch (e) {
    bank?.close();
    button.disabled = false;
    clear(box, problemBox(e instanceof ApiError ? e : new ApiError(0)));
    if (e.problem?.order_id) {
      box.append(h('p', {}, h('a', { href: '#/orders/' + encodeURIComponent(e.problem.order_id) }, t('orderNo', { id: String(e.problem.order_id).slice(0, 8) }))));
    }
  }
}
