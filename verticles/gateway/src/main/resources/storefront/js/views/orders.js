// Orders: the list, and one order whose status follows the notification stream live.
import { get, post } from '../api.js';
import { h, clear, problemBox, loadingBox, toast } from '../dom.js';
import { t, money, dateTime, statusText, reasonText } from '../i18n.js';
import { session, onNotification, refreshCartCount } from '../session.js';
import { paymentUrl, bankUrl } from './cart.js';
import { userEvents } from '../bridge.js';

const CANCELLABLE = new Set(['NEW', 'RESERVED', 'PENDING_PAYMENT', 'PAID']);
const SETTLED = new Set(['CANCELLED', 'REFUNDED', 'DELIVERED']);
const POLL_MS = 3000;

function needSignIn(view) {
  clear(view, h('h1', {}, t('orders')), h('p', {}, h('a', { href: '#/signin?next=orders' }, t('signIn'))));
}

function statusBadge(status, id) {
  return h('span', { class: 'status', 'data-status': status, id }, statusText(status));
}

export async function ordersView(view, { isCurrent, navigate }) {
  if (!session().me) { needSignIn(view); return; }
  clear(view, h('h1', {}, t('orders')), loadingBox());
  try {
    const page = await get('/orders?limit=50');
    if (!isCurrent()) return;
    const items = page.items ?? [];
    clear(view, h('h1', {}, t('orders')), items.length ? h('table', { class: 'list', id: 'orders-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('order')), h('th', { scope: 'col' }, t('placed')),
        h('th', { scope: 'col' }, t('status')), h('th', { scope: 'col' }, t('total')))),
      h('tbody', {}, items.map(o => h('tr', { 'data-order-id': o.id },
        h('td', {}, h('a', { href: '#/orders/' + encodeURIComponent(o.id) }, t('orderNo', { id: o.id.slice(0, 8) }))),
        h('td', {}, dateTime(o.created_at)),
        h('td', {}, statusBadge(o.status)),
        h('td', {}, money(o.total))))))
      : h('p', {}, t('noOrders')));
  } catch (e) {
    if (isCurrent()) clear(view, h('h1', {}, t('orders')), problemBox(e, { retry: () => navigate('/orders') }));
  }
}

export async function orderView(view, { args, isCurrent, navigate }) {
  if (!session().me) { needSignIn(view); return; }
  const [id] = args;
  clear(view, h('h1', {}, t('orderNo', { id: id.slice(0, 8) })), loadingBox());
  let order;
  let stopped = false;
  let timer = null;
  let status = null;
  const live = h('p', { class: 'muted', id: 'live-state' });
  const statusHolder = h('span', { 'aria-live': 'polite', id: 'order-status-live' });
  const body = h('div');

  const draw = () => {
    const payUrl = paymentUrl(order.id);
    const actions = [];
    if (order.status === 'PENDING_PAYMENT' && payUrl) {
      actions.push(h('a', { class: 'button primary', id: 'pay-link', href: bankUrl(payUrl, order.id), target: 'bank-3ds', rel: 'noopener' }, t('payAtBank')));
    }
    if (CANCELLABLE.has(order.status)) {
      const cancel = h('button', { type: 'button', class: 'danger', id: 'cancel-order', onclick: async () => {
        if (!window.confirm(t('cancelConfirm'))) return;
        cancel.disabled = true;
        try {
          order = await post('/orders/' + encodeURIComponent(order.id) + '/cancel');
          toast(t('cancelled'));
          draw();
        } catch (e) { cancel.disabled = false; cancel.after(problemBox(e)); }
      } }, t('cancelOrder'));
      actions.push(cancel);
    }
    clear(statusHolder, statusBadge(order.status, 'order-status'));
    clear(body,
      h('div', { class: 'panel' },
        h('p', {}, `${t('status')}: `, statusHolder),
        order.status === 'PENDING_PAYMENT' ? h('p', { class: 'warn' }, t('waitingPayment')) : null,
        live,
        h('p', { class: 'muted' }, `${t('placed')}: ${dateTime(order.created_at)}`),
        h('div', { class: 'row' }, actions)),
      h('div', { class: 'panel' }, h('h2', {}, t('lines')),
        h('ul', { class: 'lines' }, (order.lines ?? []).map(l => h('li', {},
          h('a', { href: '#/product/' + encodeURIComponent(l.product_id) }, l.title ?? l.product_id),
          h('div', {}, `${money(l.unit_price)} × ${l.quantity}`)))),
        h('p', { class: 'price' }, `${t('total')}: ${money(order.total)}`)),
      order.shipments?.length ? h('div', { class: 'panel' }, h('h2', {}, t('shipments')),
        h('ul', { class: 'history' }, order.shipments.map(s => h('li', {}, statusBadge(s.status), ' ', money(s.total),
          s.shipped_at ? ` · ${t('ship')}: ${dateTime(s.shipped_at)}` : '', s.delivered_at ? ` · ${t('deliver')}: ${dateTime(s.delivered_at)}` : '')))) : null,
      h('div', { class: 'panel' }, h('h2', {}, t('history')),
        h('ol', { class: 'history', id: 'order-history' }, (order.history ?? []).map(e => h('li', {},
          h('time', { datetime: e.at }, dateTime(e.at)), ' — ', statusText(e.status), e.reason ? ` (${reasonText(e.reason)})` : '')))));
    if (status !== order.status) status = order.status;
  };

  const refresh = async () => {
    try {
      const before = JSON.stringify(order);
      order = await get('/orders/' + encodeURIComponent(id));
      // checkout empties the cart once the order is paid (a moment after): the badge follows
      if (session().cartCount > 0 && order.status !== 'PENDING_PAYMENT') refreshCartCount();
      // redraw only on a change, so focus and reading position survive the polling
      if (!stopped && isCurrent() && JSON.stringify(order) !== before) draw();
    } catch { /* the next push or poll tries again */ }
  };
  // polling backs the stream up: a push can be missed while the stream reconnects
  const schedule = () => {
    clearTimeout(timer);
    if (stopped || SETTLED.has(order?.status)) return;
    timer = setTimeout(async () => { await refresh(); schedule(); }, POLL_MS);
  };
  const unsubscribeNotifications = onNotification(n => { if (!n.order_id || n.order_id === id) refresh(); });
  // the event bus bridge says when the order's status changes; the notification stream and
  // polling cover gateways without it
  const closeBridge = userEvents(session().me.user_id, event => {
    if (event.order_id === id) refresh();
  }, connected => { live.dataset.bridge = String(connected); });
  const unsubscribe = () => { unsubscribeNotifications(); closeBridge(); };

  try {
    order = await get('/orders/' + encodeURIComponent(id));
  } catch (e) {
    unsubscribe();
    if (isCurrent()) clear(view, h('h1', {}, t('orderNo', { id: id.slice(0, 8) })), problemBox(e, { retry: () => navigate('/orders/' + id) }));
    return;
  }
  if (!isCurrent()) { unsubscribe(); return; }
  live.textContent = t('liveOn');
  clear(view, h('p', {}, h('a', { href: '#/orders' }, '← ' + t('orders'))), h('h1', { 'data-order-id': order.id }, t('orderNo', { id: order.id.slice(0, 8) })), body);
  draw();
  schedule();
  return () => { stopped = true; clearTimeout(timer); unsubscribe(); };
}
