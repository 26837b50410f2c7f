// The public API client: tokens, the guest cart id, refresh on expiry, problem+json as ApiError.
import { problemText, t } from './i18n.js';

const API = '/api/v1';
const KEYS = { access: 'mp.access', refresh: 'mp.refresh', guestCart: 'mp.guestCart' };

function read(key) { try { return localStorage.getItem(key); } catch { return null; } }
function write(key, value) {
  try { value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value); } catch { /* private mode */ }
}

export const tokens = {
  get access() { return read(KEYS.access); },
  get refresh() { return read(KEYS.refresh); },
  set(access, refresh) { write(KEYS.access, access); write(KEYS.refresh, refresh); },
  clear() { write(KEYS.access, null); write(KEYS.refresh, null); },
};

export const guestCart = {
  get id() { return read(KEYS.guestCart); },
  set id(value) { write(KEYS.guestCart, value); },
};

/** An API failure: `status`, the problem's `code`, a sentence for people (`message`), the fields. */
export class ApiError extends Error {
  constructor(status, problem = {}, retryAfter = null) {
    const code = problem.code ?? (status === 0 ? 'NETWORK' : null);
    const words = code === 'NETWORK' ? t('networkError') : problemText(code, { s: retryAfter ?? problem.retry_after_seconds ?? '?' });
    super(words ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.problem = problem;
    this.detail = problem.detail ?? null;
    this.fields = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

let refreshing = null;
const authListeners = new Set();
export function onSignedOut(fn) { authListeners.add(fn); }

async function refreshTokens() {
  if (!refreshing) {
    refreshing = (async () => {
      const refresh = tokens.refresh;
      if (!refresh) return false;
      try {
        const res = await fetch(API + '/auth/refresh', {
          method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ refresh_token: refresh }),
        });
        if (!res.ok) return false;
        const body = await res.json();
        tokens.set(body.access_token, body.refresh_token);
        return true;
      } catch {
        return false;
      }
    })().finally(() => { setTimeout(() => { refreshing = null; }, 0); });
  }
  return refreshing;
}

/**
 * One API call. `body` is sent as JSON; `headers` add to the defaults. A 401 on a signed-in call
 * refreshes the tokens once and repeats the call; when that fails the person is signed out.
 */
export async function api(method, path, { body, headers = {}, retried = false } = {}) {
  const all = { Accept: 'application/json, application/problem+json', ...headers };
  if (body !== undefined) all['Content-Type'] = 'application/json';
  const access = tokens.access;
  if (access) all.Authorization = 'Bearer ' + access;
  else if (guestCart.id && !('X-Cart-Id' in all)) all['X-Cart-Id'] = guestCart.id;
  let res;
  try {
    res = await fetch(API + path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0);
  }
  if (res.status === 401 && access && !retried && !path.startsWith('/auth/')) {
    if (await refreshTokens()) return api(method, path, { body, headers, retried: true });
    tokens.clear();
    authListeners.forEach(fn => fn());
  }
  const cartId = res.headers.get('X-Cart-Id');
  if (cartId && !tokens.access) guestCart.id = cartId;
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!res.ok) {
    const problem = json && typeof json === 'object' ? json : { title: res.statusText || `HTTP ${res.status}` };
    throw new ApiError(res.status, problem, res.headers.get('Retry-After'));
  }
  return json ?? {};
}

export const get = (path, opts) => api('GET', path, opts);
export const post = (path, body, opts = {}) => api('POST', path, { ...opts, body });
export const put = (path, body, opts = {}) => api('PUT', path, { ...opts, body });
export const patch = (path, body, opts = {}) => api('PATCH', path, { ...opts, body });
export const del = (path, opts) => api('DELETE', path, opts);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/**
 * Opens the caller's notification stream (Server-Sent Events). EventSource cannot send the
 * Authorization header, so the stream is read with fetch; it reconnects after a drop.
 * Returns a function that closes it. `onState(true|false)` says whether it is connected.
 */
export function notificationStream(onNotification, onState = () => {}) {
  let stopped = false;
  let controller = null;
  let delay = 1000;
  async function connect() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const access = tokens.access;
        if (!access) return;
        const res = await fetch(API + '/notifications/stream', {
          headers: { Authorization: 'Bearer ' + access, Accept: 'text/event-stream' }, signal: controller.signal,
        });
        if (res.status === 401) {
          if (!(await refreshTokens())) return;
          continue;
        }
        if (!res.ok || !res.body) throw new Error('stream ' + res.status);
        onState(true);
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n');
            if (data) {
              try { onNotification(JSON.parse(data)); } catch { /* a frame that is not JSON: ignore it */ }
            }
          }
        }
      } catch { /* dropped or aborted: reconnect below unless stopped */ }
      onState(false);
      if (stopped) return;
      await new Promise(r => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }
  connect();
  return () => { stopped = true; controller?.abort(); };
}
