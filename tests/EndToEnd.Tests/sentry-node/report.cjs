// A small Node web app with the official @sentry/node SDK, as an app would set it up: the only thing pointing it at
// Alerts is the DSN. It serves one request whose handler throws, reports the error, flushes and exits:
// 0 when the SDK delivered everything, 2 when it could not.
//   SENTRY_DSN=http://KEY@127.0.0.1:PORT/1 NODE_PATH=.tools/node_modules node report.cjs
'use strict';
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  environment: 'production',
  release: 'shop-node@2.0.1',
  serverName: 'node-web-1',
});

const http = require('node:http');

function cartTotal(cart) {
  return cart.items.reduce((sum, item) => sum + item.price, 0);
}

const server = http.createServer((req, res) => {
  try {
    res.end(String(cartTotal({})));
  } catch (err) {
    // What an app's error handler does: report, then answer 500.
    Sentry.withScope((scope) => {
      scope.setTag('shop.area', 'checkout');
      Sentry.captureException(err);
    });
    res.statusCode = 500;
    res.end('Internal Server Error');
  }
});

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const response = await fetch(`http://127.0.0.1:${port}/cart/checkout?coupon=SPRING`, {
    headers: { Referer: 'https://shop.example.com/cart' },
  });
  if (response.status !== 500) {
    console.error(`expected the handler to fail, got ${response.status}`);
    process.exit(3);
  }
  const delivered = await Sentry.flush(15000);
  server.close();
  process.exit(delivered ? 0 : 2);
});
