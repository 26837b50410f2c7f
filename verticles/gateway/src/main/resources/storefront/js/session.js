// Who is signed in, the cart badge, and the live notifications every page shares.
import { get, post, tokens, guestCart, notificationStream, onSignedOut } from './api.js';

const listeners = new Set();
const state = { me: null, cartCount: 0, unread: 0, streamConnected: false };
let closeStream = null;
const notificationListeners = new Set();
const SEEN_KEY = 'mp.notifications.seen';

export function session() { return state; }
export function onSessionChange(fn) { listeners.add(fn); }
function changed() { listeners.forEach(fn => fn(state)); }

export function isSeller() { return Boolean(state.me?.roles?.includes('seller')); }

/** Reads the profile (when there is a token), the cart count and starts the live stream. */
export async function loadSession() {
  if (tokens.access) {
    try {
      state.me = await get('/me');
    } catch {
      state.me = null;
    }
  } else {
    state.me = null;
  }
  await refreshCartCount();
  restartStream();
  changed();
}

export async function refreshCartCount(cart) {
  try {
    const view = cart ?? ((tokens.access || guestCart.id) ? await get('/cart') : null);
    state.cartCount = view?.item_count ?? (view?.items ?? []).reduce((n, i) => n + (i.quantity ?? 0), 0);
  } catch {
    state.cartCount = 0;
  }
  changed();
}

/**
 * Signs in and, when a guest cart exists, merges it into the user's cart (`POST /cart/merge`
 * with the guest's `X-Cart-Id`). Returns the merge report, or null when there was nothing to merge.
 */
export async function signIn(email, password) {
  const result = await post('/auth/login', { email, password });
  tokens.set(result.access_token, result.refresh_token);
  let merge = null;
  const guestId = guestCart.id;
  if (guestId) {
    try {
      const merged = await post('/cart/merge', undefined, { headers: { 'X-Cart-Id': guestId } });
      merge = merged.merge ?? { capped_product_ids: [], dropped_product_ids: [] };
      guestCart.id = null;
    } catch (e) {
      // a guest cart that expired or was merged already: nothing to carry over
      if (e.status === 404) guestCart.id = null; else throw e;
    }
  }
  await loadSession();
  return merge;
}

export async function signOut() {
  try { await post('/auth/logout', { refresh_token: tokens.refresh ?? undefined }); } catch { /* signed out here anyway */ }
  tokens.clear();
  await loadSession();
}

onSignedOut(() => { state.me = null; restartStream(); changed(); });

/** Notifications pushed live while a page is open; `fn(notification)`. */
export function onNotification(fn) { notificationListeners.add(fn); return () => notificationListeners.delete(fn); }

function restartStream() {
  closeStream?.();
  closeStream = null;
  state.streamConnected = false;
  if (!state.me) { state.unread = 0; return; }
  updateUnread();
  closeStream = notificationStream(n => {
    state.unread += 1;
    changed();
    notificationListeners.forEach(fn => fn(n));
  }, connected => { state.streamConnected = connected; changed(); });
}

async function updateUnread() {
  try {
    const page = await get('/notifications?limit=50');
    const seen = localStorage.getItem(SEEN_KEY + '.' + state.me?.user_id) ?? '';
    state.unread = (page.items ?? []).filter(n => (n.created_at ?? '') > seen).length;
    changed();
  } catch { /* the badge stays as it is */ }
}

export function markNotificationsSeen(latest) {
  if (!state.me) return;
  try { localStorage.setItem(SEEN_KEY + '.' + state.me.user_id, latest ?? new Date().toISOString()); } catch { /* private mode */ }
  state.unread = 0;
  changed();
}
