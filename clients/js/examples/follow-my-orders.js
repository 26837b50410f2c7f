'use strict';
// Search the catalog, then follow my orders live:
//   node examples/follow-my-orders.js http://localhost:8080 buyer@example.com 'Correct-Horse-9'
const { MarketplaceBridge } = require('../src/marketplace-bridge');

async function main() {
  const [base = 'http://localhost:8080', email, password] = process.argv.slice(2);
  const bridge = await MarketplaceBridge.connect(`${base}/eventbus`);
  const found = await bridge.search({ q: 'чайник', in_stock: true, limit: 5 });
  for (const item of found.items) {
    console.log(`${item.title}: ${item.price.amount / 100} ${item.price.currency}`);
  }
  if (!email) {
    bridge.close();
    return;
  }
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
  }).then((r) => r.json());
  bridge.setToken(login.access_token);
  const me = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${login.access_token}` } }).then((r) => r.json());
  const orders = await bridge.orders({ limit: 5 });
  console.log(`${orders.items.length} recent orders; following ${me.user_id} (Ctrl-C to stop)`);
  bridge.followMyOrders(me.user_id, (event) => {
    if (event.type === 'OrderStatusChanged') console.log(`order ${event.order_id} is ${event.status} (${event.at})`);
    else console.log(`notification: ${event.subject}`);
  }, (err) => {
    console.error(`refused: ${err.code} (${err.failureCode})`);
    process.exit(1);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
