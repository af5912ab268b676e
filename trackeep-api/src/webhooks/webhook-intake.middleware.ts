import { Logger, type INestApplication } from '@nestjs/common';
import { GracefulShutdown, nameRouteForMetrics } from '@trackeep/server-core';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import proxyAddr from 'proxy-addr';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookReceiverService, WebhookRejected } from './webhook-receiver.service';
import {
  WEBHOOK_DELIVERY_ID,
  WEBHOOK_EVENT_NAME,
  WEBHOOK_MAX_BODY_BYTES,
  WEBHOOK_RECEIVER_PATH,
} from './webhook.constants';

/** After a 413, this much more is read and thrown away before the connection is cut. */
const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function reply(res: ServerResponse, statusCode: number, error: string, message: string, close = false): void {
  if (res.headersSent) return;
  if (close) res.setHeader('Connection', 'close');
  send(res, statusCode, JSON.stringify({ statusCode, error, message }));
}

function send(res: ServerResponse, statusCode: number, json: string): void {
  res
    .writeHead(statusCode, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
    })
    .end(json);
}

/**
 * POST /api/v1/webhooks/github, answered by Node's HTTP server itself, ahead of Express and Nest.
 *
 * Everything decidable from the headers is decided before a byte of body is read (415, 400, 413 on
 * Content-Length). The body is then read as raw bytes — the signature is over exactly these bytes — and the
 * read stops as soon as it passes 25 MB (413; what follows is discarded, and the connection cut if it keeps
 * coming), so an oversized or endless upload is never held in memory. WebhookReceiverService verifies and
 * stores; only then is 202 sent. The bad-signature limit is applied only after a signature failed (429 instead
 * of 401), never before reading: a correctly signed delivery is accepted whatever its source did before.
 * `clientAddress` gives the client address as TRUSTED_PROXIES allows it to be known (the socket's peer by
 * default).
 *
 * Why not a Nest controller, nor even Express middleware: this is the one hot, machine-to-machine endpoint.
 * Skipping the router, guards, pipes and the per-request access log roughly halves its CPU cost per delivery,
 * and Express's own request set-up and routing cost another tenth; the durable inbox row is the record of every
 * accepted delivery, and rejections are logged here.
 */
export function createWebhookIntake(
  receiver: WebhookReceiverService,
  metrics: Pick<MetricsService, 'webhookDelivery'>,
  clientAddress: (req: IncomingMessage) => string,
  logger = new Logger('WebhookIntake'),
): Handler {
  return (req: IncomingMessage, res: ServerResponse) => {
    const source = clientAddress(req);
    const eventHeader =
      typeof req.headers['x-github-event'] === 'string' ? req.headers['x-github-event'] : 'none';
    const reject = (status: number, error: string, message: string, close = false) => {
      const badSignature = status === 401 || status === 429;
      metrics.webhookDelivery(eventHeader, badSignature ? 'bad_signature' : 'rejected');
      if (!badSignature) logger.log(`webhook rejected (${status}): ${message}`);
      reply(res, status, error, message, close);
    };

    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return reject(
        415,
        'Unsupported Media Type',
        "Webhooks must be sent with Content-Type: application/json (set the hook's content type to JSON)",
      );
    }
    const encoding = String(req.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding !== 'identity')
      return reject(415, 'Unsupported Media Type', 'Compressed webhook bodies are not accepted');

    const event = req.headers['x-github-event'];
    const deliveryId = req.headers['x-github-delivery'];
    const signature256 = req.headers['x-hub-signature-256'];
    const signatureSha1 = req.headers['x-hub-signature'];
    const missing = [
      typeof event === 'string' && event ? null : 'X-GitHub-Event',
      typeof deliveryId === 'string' && deliveryId ? null : 'X-GitHub-Delivery',
      (typeof signature256 === 'string' && signature256) || signatureSha1 ? null : 'X-Hub-Signature-256',
    ].filter((h): h is string => h !== null);
    if (missing.length) return reject(400, 'Bad Request', `Missing header(s): ${missing.join(', ')}`);
    if (!WEBHOOK_EVENT_NAME.test(event as string))
      return reject(400, 'Bad Request', 'X-GitHub-Event is not a valid event name');
    if (!WEBHOOK_DELIVERY_ID.test(deliveryId as string))
      return reject(400, 'Bad Request', 'X-GitHub-Delivery is not a valid delivery id');

    // Too big: answer at once, then discard (never buffer) what still arrives so the client can read the 413,
    // and cut the connection if it keeps sending.
    const refuseOversized = () => {
      let discarded = 0;
      const cutOff = setTimeout(() => req.socket.destroy(), 2_000);
      cutOff.unref();
      req.on('data', (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
      });
      req.once('end', () => clearTimeout(cutOff));
      req.resume();
      reject(413, 'Payload Too Large', 'Webhook bodies are limited to 25 MB');
    };

    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > WEBHOOK_MAX_BODY_BYTES) return refuseOversized();

    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > WEBHOOK_MAX_BODY_BYTES) {
        done = true;
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        return refuseOversized();
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (size === 0) return reject(400, 'Bad Request', 'Empty webhook body');
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      const headers = {
        event: event as string,
        deliveryId: deliveryId as string,
        signature256: typeof signature256 === 'string' ? signature256 : undefined,
        hookId:
          typeof req.headers['x-github-hook-id'] === 'string' ? req.headers['x-github-hook-id'] : undefined,
      };
      receiver.receive(headers, body, source).then(
        (result) => {
          if (res.headersSent) return;
          metrics.webhookDelivery(headers.event, result.duplicate ? 'duplicate' : 'accepted');
          send(res, 202, JSON.stringify(result));
        },
        (err: unknown) => {
          if (err instanceof WebhookRejected) {
            if (err.retryAfterSeconds !== undefined && !res.headersSent)
              res.setHeader('Retry-After', String(err.retryAfterSeconds));
            return reject(err.status, err.error, err.message, err.status === 429);
          }
          logger.error(`webhook intake failed: ${(err as Error).stack ?? String(err)}`);
          reply(res, 500, 'Internal Server Error', 'An unexpected error occurred');
        },
      );
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', () => {
      done = true; // the client went away; nothing to answer
    });
  };
}

/** POST to the receiver path; a trailing slash and a query string are allowed, as Express allowed them. */
export function isWebhookPost(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url) return false;
  const end = req.url.indexOf('?');
  let path = end < 0 ? req.url : req.url.slice(0, end);
  if (path.endsWith('/')) path = path.slice(0, -1);
  return path.toLowerCase() === WEBHOOK_RECEIVER_PATH;
}

/**
 * Puts the intake in front of the Express application on the app's HTTP server: a webhook POST goes through
 * the shutdown drain and the HTTP metrics (both plain Node middleware) straight to the intake; every other
 * request goes to Express as before. Call it after `trust proxy` is set: the client address is taken with the
 * same rule Express uses for `req.ip`.
 */
export function mountWebhookIntake(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  const express = app.getHttpAdapter().getInstance() as { get(setting: string): unknown };
  const trust = express.get('trust proxy fn') as (addr: string, i: number) => boolean;
  const intake = createWebhookIntake(app.get(WebhookReceiverService), app.get(MetricsService), (req) =>
    proxyAddr(req, trust),
  );
  const drain = app.get(GracefulShutdown).middleware();
  const measure = app.get(MetricsService).httpMiddleware;
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!isWebhookPost(req)) {
      for (const listener of listeners) listener(req, res);
      return;
    }
    drain(req, res, () =>
      measure(req, res, () => {
        nameRouteForMetrics(req, WEBHOOK_RECEIVER_PATH);
        intake(req, res);
      }),
    );
  });
}
