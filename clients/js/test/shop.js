'use strict';
// Test support: the real marketplace.jar on free ports, and the shop's HTTP API as a client uses it.
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const fs = require('node:fs');
const crypto = require('node:crypto');

const JAR = process.env.MARKETPLACE_JAR || path.resolve(__dirname, '../../../verticles/app/target/marketplace.jar');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `java -jar marketplace.jar --ephemeral` on free ports; resolves when it says it is up. */
async function startShop() {
  if (!fs.existsSync(JAR)) {
    throw new Error(`${JAR} is missing: build it first (mvn -B -ntp verify, or package)`);
  }
  const ports = { http: await freePort(), bank: await freePort(), bridge: await freePort() };
  const child = spawn('java', ['-Xmx768m', '-jar', JAR, '--ephemeral', '--http-port', String(ports.http),
    '--bank-port', String(ports.bank), '--bridge-port', String(ports.bridge)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // every test account signs up from 127.0.0.1: the per-address sign-up limit would stop the tests
    env: { ...process.env, MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED: 'false' },
  });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('marketplace did not start in 300 s:\n' + output)), 300_000);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Marketplace is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`marketplace exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  const base = `http://127.0.0.1:${ports.http}`;
  return {
    ports,
    base,
    sockJsUrl: `${base}/eventbus`,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    }),
    http: (method, urlPath, body, { token, headers = {} } = {}) => http(base + urlPath, method, body, token, headers),
  };
}

async function http(url, method, body, token, headers) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  return { status: response.status, body: json, text };
}

/** A new account with the role: {token, userId}. */
async function account(shop, role) {
  const email = `${role}-${crypto.randomUUID()}@example.com`;
  const password = 'Correct-Horse-9';
  const registered = await shop.http('POST', '/api/v1/auth/register', { email, password, name: `Test ${role}`, role });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${registered.text}`);
  const login = await shop.http('POST', '/api/v1/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
  return { token: login.body.access_token, userId: registered.body.user_id };
}

/** A seller's product with stock, in a new buyer's cart, checked out: {buyer, orderId, paymentUrl}. */
async function placeOrder(shop) {
  const seller = await account(shop, 'seller');
  const created = await shop.http('POST', '/api/v1/seller/products', {
    title: `Чайник ${crypto.randomUUID()}`, description: 'для теста', brand: 'Tefal', category_id: 111,
    price: { amount: 249000, currency: 'RUB' }, attributes: {},
  }, { token: seller.token });
  if (created.status !== 201) throw new Error(`product: ${created.status} ${created.text}`);
  const stocked = await shop.http('PUT', `/api/v1/seller/products/${created.body.id}/stock`, { warehouse: 'main', quantity: 5 }, { token: seller.token });
  if (stocked.status !== 200) throw new Error(`stock: ${stocked.status} ${stocked.text}`);
  const buyer = await account(shop, 'buyer');
  const cart = await shop.http('POST', '/api/v1/cart/items', { product_id: created.body.id, quantity: 1 }, { token: buyer.token });
  if (cart.status !== 200 && cart.status !== 201) throw new Error(`cart: ${cart.status} ${cart.text}`);
  const checkout = await shop.http('POST', '/api/v1/checkout', { cart_id: cart.body.id, payment_method: 'card' },
    { token: buyer.token, headers: { 'Idempotency-Key': crypto.randomUUID() } });
  if (checkout.status !== 201) throw new Error(`checkout: ${checkout.status} ${checkout.text}`);
  return { buyer, orderId: checkout.body.order_id, paymentUrl: checkout.body.payment_url };
}

async function confirmPayment(paymentUrl) {
  const response = await fetch(`${paymentUrl}/confirm`, { method: 'POST', headers: { Accept: 'application/json' } });
  if (response.status >= 400) throw new Error(`3DS confirm: ${response.status} ${await response.text()}`);
}

module.exports = { startShop, account, placeOrder, confirmPayment };
