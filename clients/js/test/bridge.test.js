'use strict';
// The JavaScript client against the real marketplace.jar, started here on free ports.
const { describe, before, after, test } = require('node:test');
const assert = require('node:assert/strict');
const { MarketplaceBridge, BridgeError } = require('../src/marketplace-bridge');
const { startShop, account, placeOrder, confirmPayment } = require('./shop');

describe('marketplace bridge over SockJS', { timeout: 600_000 }, () => {
  let shop;
  const bridges = [];
  const open = async (options) => {
    const bridge = await MarketplaceBridge.connect(shop.sockJsUrl, options);
    bridge.onerror = () => {};
    bridges.push(bridge);
    return bridge;
  };

  before(async () => {
    shop = await startShop();
  }, { timeout: 320_000 });

  after(async () => {
    bridges.forEach((b) => b.close());
    if (shop) await shop.stop();
  });

  test('search and product answer what HTTP answers', async () => {
    const bridge = await open();
    // the catalog still learns the sample stock for a while after start: compare the bridge's answer
    // with HTTP answers taken just before and just after it that agree with each other
    let viaHttp;
    let viaBridge;
    for (let attempt = 0; attempt < 30; attempt++) {
      viaHttp = await shop.http('GET', '/api/v1/catalog/products?in_stock=true&limit=5&sort=price_asc');
      assert.equal(viaHttp.status, 200);
      viaBridge = await bridge.search({ in_stock: true, limit: 5, sort: 'price_asc' });
      const after = await shop.http('GET', '/api/v1/catalog/products?in_stock=true&limit=5&sort=price_asc');
      if (JSON.stringify(after.body) === JSON.stringify(viaHttp.body)) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.ok(viaHttp.body.items.length > 0, 'the sample catalog is in stock');
    assert.deepEqual(viaBridge, viaHttp.body);
    const id = viaHttp.body.items[0].id;
    assert.deepEqual(await bridge.product(id), (await shop.http('GET', `/api/v1/catalog/products/${id}`)).body);
    await assert.rejects(bridge.product('00000000-0000-4000-8000-000000000000'),
      (err) => err instanceof BridgeError && err.failureCode === 404 && err.code === 'NOT_FOUND');
    await assert.rejects(bridge.search({ limit: 'many' }), (err) => err.failureCode === 400 && err.code === 'VALIDATION_FAILED');
  });

  test('an internal address, another user\'s feed and a forged token are refused', async () => {
    const me = await account(shop, 'buyer');
    const other = await account(shop, 'buyer');
    const bridge = await open({ token: me.token });
    await assert.rejects(bridge.request('orders.transition', { order_id: other.userId, to: 'PAID' }),
      (err) => err.failureCode === 403 && err.code === 'access_denied');
    await assert.rejects(bridge.request('auth.jwks', {}), (err) => err.failureCode === 403 && err.code === 'access_denied');
    const refusal = await new Promise((resolve) => bridge.followMyOrders(other.userId, () => resolve(null), resolve));
    assert.equal(refusal.failureCode, 403);
    assert.equal(refusal.code, 'access_denied');
    const forged = me.token.slice(0, -6) + (me.token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    const forger = await open({ token: forged });
    await assert.rejects(forger.orders(), (err) => err.failureCode === 401 && err.code === 'TOKEN_INVALID');
    const anonymous = await open();
    await assert.rejects(anonymous.orders(), (err) => err.failureCode === 401 && err.code === 'UNAUTHORIZED');
  });

  test('a buyer follows their order live to PAID and reads it as HTTP shows it', async () => {
    const { buyer, orderId, paymentUrl } = await placeOrder(shop);
    const bridge = await open({ token: buyer.token });
    const events = [];
    const paid = new Promise((resolve, reject) => {
      bridge.followMyOrders(buyer.userId, (event) => {
        events.push(event);
        if (event.type === 'OrderStatusChanged' && event.order_id === orderId && event.status === 'PAID') resolve(event);
      }, reject);
    });
    // the registration is in place once a later request on the same connection is answered
    await bridge.orders();
    await confirmPayment(paymentUrl);
    const event = await Promise.race([paid, new Promise((_, reject) => setTimeout(() => reject(new Error('no PAID within 60 s; heard ' + JSON.stringify(events))), 60_000))]);
    assert.ok(Date.parse(event.at) > 0);
    const order = await bridge.order(orderId);
    assert.equal(order.status, 'PAID');
    assert.deepEqual(order, (await shop.http('GET', `/api/v1/orders/${orderId}`, undefined, { token: buyer.token })).body);
    const mine = await bridge.orders();
    assert.ok(mine.items.some((o) => o.id === orderId));
    const stranger = await account(shop, 'buyer');
    const theirs = await open({ token: stranger.token });
    await assert.rejects(theirs.order(orderId), (err) => err.failureCode === 404 && err.code === 'NOT_FOUND');
  });
});
