// The ceiling: a bare node:http server that only reads the body and verifies X-Hub-Signature-256 with
// @octokit/webhooks-methods. No storage, no deduplication, no processing.
import { verify } from '@octokit/webhooks-methods';
import http from 'node:http';

const secret = process.env.WEBHOOK_SECRET;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const signature = req.headers['x-hub-signature-256'];
    const ok = typeof signature === 'string' && body.length > 0 && (await verify(secret, body, signature));
    res
      .writeHead(ok ? 202 : 401, { 'content-type': 'application/json' })
      .end(ok ? '{"ok":true}' : '{"ok":false}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  process.stdout.write(`listening ${server.address().port}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
