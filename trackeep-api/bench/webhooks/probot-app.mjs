// The peer: a Probot app receiving the same deliveries (Probot verifies the signature and dispatches to
// handlers; it neither stores nor deduplicates). Handlers for the benchmark's events do nothing.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { Probot, createNodeMiddleware } from 'probot';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const probot = new Probot({ appId: 1, privateKey, secret: process.env.WEBHOOK_SECRET, logLevel: 'fatal' });
const middleware = await createNodeMiddleware(
  (app) => {
    app.on(['push', 'pull_request'], async () => undefined);
  },
  { probot, webhooksPath: '/api/github/webhooks' },
);
const server = http.createServer((req, res) => middleware(req, res, () => res.writeHead(404).end()));
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  process.stdout.write(`listening ${server.address().port}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
