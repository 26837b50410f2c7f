// The storefront's entry: header, routing by the URL fragment (#/...), language switch.
import { h, clear, focusHeading, problemBox } from './dom.js';
import { t, language, setLanguage, onLanguageChange } from './i18n.js';
import { session, loadSession, onSessionChange, signOut, isSeller } from './session.js';
import { attachSuggestions } from './suggest.js';
import { catalogView } from './views/catalog.js';
import { productView } from './views/product.js';
import { cartView } from './views/cart.js';
import { signInView, signUpView } from './views/auth.js';
import { ordersView, orderView } from './views/orders.js';
import { notificationsView } from './views/notifications.js';
import { sellerView } from './views/seller.js';

const ROUTES = [
  [/^\/?$/, catalogView],
  [/^\/catalog$/, catalogView],
  [/^\/product\/([^/]+)$/, productView],
  [/^\/cart$/, cartView],
  [/^\/signin$/, signInView],
  [/^\/signup$/, signUpView],
  [/^\/orders$/, ordersView],
  [/^\/orders\/([^/]+)$/, orderView],
  [/^\/notifications$/, notificationsView],
  [/^\/seller(?:\/([a-z-]+))?(?:\/([^/]+))?$/, sellerView],
];

/** The current route: path and query of the fragment, e.g. #/catalog?q=tefal. */
export function currentRoute() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path, params: new URLSearchParams(qs) };
}

export function navigate(path, params) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  const target = '#' + path + (qs ? '?' + qs : '');
  if (location.hash === target) render(); else location.hash = target;
}

let disposeView = null;
let renderSeq = 0;

async function render({ keepFocus = false } = {}) {
  const seq = ++renderSeq;
  disposeView?.();
  disposeView = null;
  const view = document.getElementById('view');
  const { path, params } = currentRoute();
  const match = ROUTES.map(([re, fn]) => [path.match(re), fn]).find(([m]) => m);
  try {
    if (!match) {
      clear(view, h('h1', {}, t('notFound')), h('a', { href: '#/' }, t('backToCatalog')));
    } else {
      const [m, fn] = match;
      const dispose = await fn(view, { params, args: m.slice(1).map(a => (a === undefined ? undefined : decodeURIComponent(a))), navigate, isCurrent: () => seq === renderSeq });
      if (seq !== renderSeq) { if (typeof dispose === 'function') dispose(); return; }
      disposeView = typeof dispose === 'function' ? dispose : null;
    }
  } catch (e) {
    if (seq === renderSeq) clear(view, h('h1', {}, t('notFound')), problemBox(e, { retry: () => render() }));
  }
  if (!keepFocus && seq === renderSeq) focusHeading(view);
}

function renderHeader() {
  const s = session();
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('search-label').textContent = t('search');
  document.getElementById('search-input').placeholder = t('searchPlaceholder');
  document.getElementById('search-button').textContent = t('find');
  document.getElementById('top-nav').setAttribute('aria-label', t('menu'));
  document.getElementById('foot').textContent = t('footer');
  const nav = document.getElementById('top-nav');
  const items = [
    h('a', { href: '#/cart', id: 'nav-cart', 'data-testid': 'nav-cart' }, t('cart'),
      h('span', { class: 'badge', id: 'cart-badge', 'aria-label': `${t('cart')}: ${s.cartCount}` }, s.cartCount ? String(s.cartCount) : '')),
  ];
  if (s.me) {
    items.push(h('a', { href: '#/orders', id: 'nav-orders' }, t('orders')));
    items.push(h('a', { href: '#/notifications', id: 'nav-notifications' }, t('notifications'),
      h('span', { class: 'badge', id: 'notification-badge', 'aria-live': 'polite', 'aria-label': `${t('notifications')}: ${s.unread}` }, s.unread ? String(s.unread) : '')));
    if (isSeller()) items.push(h('a', { href: '#/seller', id: 'nav-seller' }, t('seller')));
    items.push(h('button', { type: 'button', id: 'sign-out', title: t('signedInAs', { email: s.me.email }), onclick: async () => { await signOut(); navigate('/'); } }, t('signOut')));
  } else {
    items.push(h('a', { href: '#/signin', id: 'nav-signin' }, t('signIn')));
    items.push(h('a', { href: '#/signup', id: 'nav-signup' }, t('signUp')));
  }
  items.push(h('button', { type: 'button', id: 'lang-switch', lang: language() === 'ru' ? 'en' : 'ru', 'aria-label': t('languageLabel'),
    onclick: () => setLanguage(language() === 'ru' ? 'en' : 'ru') }, t('language')));
  clear(nav, items);
}

function setUpSearch() {
  const form = document.getElementById('search-form');
  const input = document.getElementById('search-input');
  const submit = text => {
    const params = new URLSearchParams();
    if (text.trim()) params.set('q', text.trim());
    navigate('/catalog', params);
  };
  form.addEventListener('submit', e => { e.preventDefault(); submit(input.value); });
  attachSuggestions(input, document.getElementById('suggest-list'), submit);
}

document.documentElement.lang = language();
setUpSearch();
onSessionChange(renderHeader);
onLanguageChange(() => { renderHeader(); render({ keepFocus: true }); });
window.addEventListener('hashchange', () => render());
renderHeader();
loadSession().finally(() => render({ keepFocus: true }));
