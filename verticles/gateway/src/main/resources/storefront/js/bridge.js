// Live order changes over the gateway's SockJS event bus bridge (/eventbus), spoken through its raw
// WebSocket transport (/eventbus/websocket: plain JSON frames, so no SockJS client library is
// needed). The feed is bridge.user.<user_id>, registered with the caller's own token; it carries
// {type:"OrderStatusChanged", order_id, status, at, reason?} and {type:"Notification", ...}.
// Where the gateway has no bridge (or refuses), `onState(false)` and the caller keeps its fallback.
import { tokens } from './api.js';

const PING_MS = 5000;

export function userEvents(userId, onEvent, onState = () => {}) {
  let socket = null;
  let ping = null;
  let stopped = false;
  let failures = 0;
  let retry = null;

  const open = () => {
    const access = tokens.access;
    if (stopped || !access || !userId || typeof WebSocket === 'undefined') { onState(false); return; }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    try {
      socket = new WebSocket(`${scheme}//${location.host}/eventbus/websocket`);
    } catch {
      onState(false);
      return;
    }
    let registered = false;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'register', address: 'bridge.user.' + userId, headers: { authorization: 'Bearer ' + access } }));
      ping = setInterval(() => { if (socket?.readyState === 1) socket.send(JSON.stringify({ type: 'ping' })); }, PING_MS);
      registered = true;
      failures = 0;
      onState(true);
    };
    socket.onmessage = e => {
      let frame;
      try { frame = JSON.parse(e.data); } catch { return; }
      if (frame.type === 'err') { failures = 99; socket.close(); return; } // refused: do not insist
      if ((frame.type === 'rec' || frame.type === 'message') && frame.body) onEvent(frame.body);
    };
    socket.onclose = () => {
      clearInterval(ping);
      onState(false);
      if (stopped) return;
      // no bridge on this gateway (never opened) or refused: leave it to the fallback
      if (!registered || ++failures > 5) return;
      retry = setTimeout(open, Math.min(1000 * 2 ** failures, 15000));
    };
  };
  open();
  return () => { stopped = true; clearTimeout(retry); clearInterval(ping); socket?.close(); };
}
