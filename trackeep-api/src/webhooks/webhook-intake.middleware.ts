import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { BadSignatureLimiter } from './bad-signature.limiter';
import { WEBHOOK_MAX_BODY_BYTES, WEBHOOK_RECEIVER_PATH } from './webhook.constants';

/** What the intake attaches to the request for WebhookReceiverController. */
export interface WebhookIntakeFields {
  rawBody?: Buffer;
}

const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/;

function reply(res: Response, statusCode: number, error: string, message: string, close = false): void {
  if (res.headersSent) return;
  if (close) res.setHeader('Connection', 'close');
  res.status(statusCode).json({ statusCode, error, message });
}

/**
 * Express middleware mounted on the webhook route ahead of the JSON body parser. Everything that can be
 * decided from the headers is decided before a byte of body is read (415, 400, 429, 413 on Content-Length);
 * then the body is read as raw bytes — the signature is over exactly these bytes — and the read stops as soon
 * as it passes 25 MB (413, connection closed), so an oversized or endless upload is never held in memory.
 */
export function createWebhookIntake(limiter: BadSignatureLimiter): RequestHandler {
  return (req: Request & WebhookIntakeFields, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();

    const retryAfter = limiter.blockedFor(req.ip ?? 'unknown');
    if (retryAfter > 0) {
      res.setHeader('Retry-After', String(retryAfter));
      return reply(res, 429, 'Too Many Requests', 'Too many deliveries with a bad signature from this address; try again later', true);
    }

    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return reply(res, 415, 'Unsupported Media Type', 'Webhooks must be sent with Content-Type: application/json (set the hook\'s content type to JSON)');
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toString().trim().toLowerCase();
    if (encoding !== 'identity') return reply(res, 415, 'Unsupported Media Type', 'Compressed webhook bodies are not accepted');

    const event = req.headers['x-github-event'];
    const delivery = req.headers['x-github-delivery'];
    const signature = req.headers['x-hub-signature-256'];
    const missing = [
      typeof event === 'string' && event ? null : 'X-GitHub-Event',
      typeof delivery === 'string' && delivery ? null : 'X-GitHub-Delivery',
      (typeof signature === 'string' && signature) || req.headers['x-hub-signature'] ? null : 'X-Hub-Signature-256',
    ].filter((h): h is string => h !== null);
    if (missing.length) return reply(res, 400, 'Bad Request', `Missing header(s): ${missing.join(', ')}`);
    if (!EVENT_NAME.test(event as string)) return reply(res, 400, 'Bad Request', 'X-GitHub-Event is not a valid event name');
    if (!DELIVERY_ID.test(delivery as string)) return reply(res, 400, 'Bad Request', 'X-GitHub-Delivery is not a valid delivery id');

    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > WEBHOOK_MAX_BODY_BYTES) {
      return reply(res, 413, 'Payload Too Large', 'Webhook bodies are limited to 25 MB', true);
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) return; // the client went away; nothing to answer
      if (size === 0) return reply(res, 400, 'Bad Request', 'Empty webhook body');
      req.rawBody = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      next();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > WEBHOOK_MAX_BODY_BYTES) {
        done = true;
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        req.pause();
        res.once('finish', () => req.socket.destroy());
        return reply(res, 413, 'Payload Too Large', 'Webhook bodies are limited to 25 MB', true);
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
}

/** Mounts the intake on the receiver path; create-app calls this before Nest registers its body parsers. */
export function mountWebhookIntake(app: INestApplication): void {
  app.use(WEBHOOK_RECEIVER_PATH, createWebhookIntake(app.get(BadSignatureLimiter)));
}
