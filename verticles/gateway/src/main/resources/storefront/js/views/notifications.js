// The caller's notifications, newest first; opening the page clears the badge.
import { get } from '../api.js';
import { h, clear, problemBox, loadingBox } from '../dom.js';
import { t, dateTime } from '../i18n.js';
import { session, markNotificationsSeen, onNotification } from '../session.js';

export async function notificationsView(view, { isCurrent, navigate }) {
  if (!session().me) { clear(view, h('h1', {}, t('notifications')), h('a', { href: '#/signin' }, t('signIn'))); return; }
  clear(view, h('h1', {}, t('notifications')), loadingBox());
  const draw = async () => {
    try {
      const page = await get('/notifications?limit=50');
      if (!isCurrent()) return;
      const items = (page.items ?? []).filter(n => !n.channel || n.channel === 'push' || n.channel === 'email');
      const unique = [...new Map(items.map(n => [(n.order_id ?? n.id) + '|' + n.template, n])).values()];
      clear(view, h('h1', {}, t('notifications')), unique.length ? h('ul', { class: 'lines', id: 'notification-list' }, unique.map(n => h('li', {},
        h('strong', {}, n.subject ?? n.template), h('div', {}, n.body ?? ''),
        h('div', { class: 'muted' }, dateTime(n.created_at), n.order_id ? [' · ', h('a', { href: '#/orders/' + encodeURIComponent(n.order_id) }, t('orderNo', { id: n.order_id.slice(0, 8) }))] : null))))
        : h('p', {}, t('noNotifications')));
      markNotificationsSeen(items[0]?.created_at);
    } catch (e) {
      if (isCurrent()) clear(view, h('h1', {}, t('notifications')), problemBox(e, { retry: () => navigate('/notifications') }));
    }
  };
  await draw();
  return onNotification(() => draw());
}
