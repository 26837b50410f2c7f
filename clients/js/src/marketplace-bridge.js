'use strict';
// The marketplace's event bus bridge API over SockJS, on the official Vert.x client
// (@vertx/eventbus-bridge-client.js): promises, request timeouts, typed failures, and a live
// feed of the caller's orders that survives reconnects. Works in Node and in browsers (bundled).
const EventBus = require('@vertx/eventbus-bridge-client.js');

/** A refusal or failure of the bridge: failureCode is the HTTP status, code the problem code. */
class BridgeError extends Error {
  constructor(failureCode, code, failureType) {
    super(`${code} (${failureCode})`);
    this.name = 'BridgeError';
    this.failureCode = failureCode;
    this.code = code;
    this.failureType = failureType;
  }
}

const ADDRESSES = Object.freeze({
  search: 'bridge.catalog.search',
  product: 'bridge.catalog.product',
  ordersList: 'bridge.orders.list',
  ordersGet: 'bridge.orders.get',
  user: (userId) => `bridge.user.${userId}`,
});

class MarketplaceBridge {
  /**
   * @param {string} url the gateway's SockJS endpoint, e.g. http://localhost:8080/eventbus
   * @param {{token?: string, timeoutMs?: number, reconnect?: boolean}} [options]
   */
  constructor(url, options = {}) {
    this.url = url;
    this.token = options.token || null;
    this.timeoutMs = options.timeoutMs || 10000;
    this.follows = new Map();
    this.eb = new EventBus(url, { vertxbus_reconnect_delay_min: 200, vertxbus_reconnect_delay_max: 2000 });
    this.eb.enableReconnect(options.reconnect !== false);
    this.eb.onerror = (err) => this.onerror && this.onerror(err);
    this.opened = new Promise((resolve, reject) => {
      this.eb.onopen = () => resolve(this);
      this.eb.onclose = (e) => {
        reject(new Error(`bridge closed before it opened (${e && e.reason})`));
        this.onclose && this.onclose(e);
      };
    });
    // the Vert.x client forgets its registrations when it reconnects: make them again
    this.eb.onreconnect = () => {
      for (const [address, follow] of this.follows) {
        this._register(address, follow);
      }
      this.onreconnect && this.onreconnect();
    };
  }

  /** Opens a bridge and resolves once it is connected. */
  static connect(url, options) {
    return new MarketplaceBridge(url, options).opened;
  }

  setToken(token) {
    this.token = token;
  }

  _headers(authenticated) {
    return authenticated && this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** A send with a reply, as a promise; rejects with a BridgeError, or on timeout. */
  request(address, body, { authenticated = false, timeoutMs = this.timeoutMs } = {}) {
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new BridgeError(504, 'TIMEOUT', 'TIMEOUT'));
      }, timeoutMs);
      try {
        this.eb.send(address, body || {}, this._headers(authenticated), (err, message) => {
          if (done) return;
          clearTimeout(timer);
          if (err) reject(new BridgeError(err.failureCode, err.message, err.failureType));
          else resolve(message.body);
        });
      } catch (e) {
        clearTimeout(timer);
        reject(e);
      }
    });
  }

  /** The query of GET /api/v1/catalog/products as an object: {q, brand, in_stock, limit...}. */
  search(query) {
    return this.request(ADDRESSES.search, query);
  }

  product(id) {
    return this.request(ADDRESSES.product, { id });
  }

  orders(page = {}) {
    return this.request(ADDRESSES.ordersList, page, { authenticated: true });
  }

  order(id) {
    return this.request(ADDRESSES.ordersGet, { id }, { authenticated: true });
  }

  /**
   * Live OrderStatusChanged and Notification events of the token's user.
   * @param {string} userId the token's user (GET /api/v1/me)
   * @param {(event: object) => void} onEvent
   * @param {(err: BridgeError) => void} [onError] a refused registration (403 access_denied, 401...)
   * @returns {() => void} stops following
   */
  followMyOrders(userId, onEvent, onError) {
    const address = ADDRESSES.user(userId);
    const follow = { onEvent, onError, token: this.token };
    this.follows.set(address, follow);
    this._register(address, follow);
    return () => {
      this.follows.delete(address);
      if (this.eb.handlers[address]) {
        this.eb.unregisterHandler(address, this._headers(true), follow.handler);
      }
    };
  }

  _register(address, follow) {
    follow.handler = (err, message) => {
      if (err) {
        // refused: drop the local handler too, so that a later follow registers again
        delete this.eb.handlers[address];
        this.follows.delete(address);
        if (follow.onError) follow.onError(new BridgeError(err.failureCode, err.message, err.failureType));
        return;
      }
      follow.onEvent(message.body);
    };
    this.eb.registerHandler(address, { authorization: `Bearer ${follow.token}` }, follow.handler);
  }

  close() {
    this.follows.clear();
    this.eb.close();
  }
}

module.exports = { MarketplaceBridge, BridgeError, ADDRESSES };
