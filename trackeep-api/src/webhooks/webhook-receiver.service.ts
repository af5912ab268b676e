import { Injectable, Logger } from '@nestjs/common';
import { BadSignatureLimiter } from './bad-signature.limiter';
import type { InboxDelivery } from './delivery-inbox.repository';
import { DeliveryInboxService } from './delivery-inbox.service';
import { WebhookSignatureService } from './webhook-signature.service';
import { APPLIED_EVENTS } from './processors/event-appliers';
import { WEBHOOK_DELIVERY_ID, WEBHOOK_EVENT_NAME, WEBHOOK_MAX_BODY_BYTES } from './webhook.constants';

export interface ReceivedHeaders {
  event: string;
  deliveryId: string;
  signature256: string | undefined;
  hookId: string | undefined;
}

export interface ReceiveResult {
  deliveryId: string;
  duplicate: boolean;
}

type RejectStatus = 400 | 401 | 413 | 429 | 503;

/** A delivery refused with `status`; the message names the problem and never echoes the payload. */
export class WebhookRejected extends Error {
  constructor(
    readonly status: RejectStatus,
    readonly error: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const fail = (status: RejectStatus, error: string, message: string) =>
  new WebhookRejected(status, error, message);

/**
 * Verify, then store: the signature is checked over the exact bytes received (nothing parsed first except, for
 * a hook we do not know yet, the repository id used to find its secret), and only a verified delivery that
 * passes the intake rules reaches the inbox, byte-exact. A bad signature counts toward the source's limit
 * (shared by all replicas); a correctly signed delivery is never limited and costs no limiter query.
 */
@Injectable()
export class WebhookReceiverService {
  private readonly logger = new Logger(WebhookReceiverService.name);

  constructor(
    private readonly signatures: WebhookSignatureService,
    private readonly limiter: BadSignatureLimiter,
    private readonly inbox: DeliveryInboxService,
  ) {}

  async receive(headers: ReceivedHeaders, rawBody: Buffer, source: string): Promise<ReceiveResult> {
    let delivery: InboxDelivery;
    try {
      delivery = await this.check(headers, rawBody);
    } catch (err) {
      if (err instanceof WebhookRejected && err.status === 401) throw await this.badSignature(source, err);
      throw err;
    }
    try {
      const inserted = await this.inbox.add(delivery);
      return { deliveryId: headers.deliveryId, duplicate: !inserted };
    } catch (err) {
      this.logger.error(`could not store webhook delivery ${headers.deliveryId}: ${(err as Error).message}`);
      throw fail(503, 'Service Unavailable', 'The delivery could not be stored; redeliver it later');
    }
  }

  /**
   * Every intake rule, in order: header shapes, size, signature (against the secrets valid now), a JSON object,
   * and whether it may be applied at all (event used by Trackeep; signed by the hook of the repository it is
   * about). Replays run this again on the stored bytes before anything is queued, with `freshSecrets` so that
   * a secret rotated away a moment ago on another replica no longer verifies.
   */
  async check(
    headers: ReceivedHeaders,
    rawBody: Buffer,
    options: { freshSecrets?: boolean } = {},
  ): Promise<InboxDelivery> {
    if (!WEBHOOK_EVENT_NAME.test(headers.event))
      throw fail(400, 'Bad Request', 'X-GitHub-Event is not a valid event name');
    if (!WEBHOOK_DELIVERY_ID.test(headers.deliveryId))
      throw fail(400, 'Bad Request', 'X-GitHub-Delivery is not a valid delivery id');
    if (rawBody.length === 0) throw fail(400, 'Bad Request', 'Empty webhook body');
    if (rawBody.length > WEBHOOK_MAX_BODY_BYTES)
      throw fail(413, 'Payload Too Large', 'Webhook bodies are limited to 25 MB');
    if (!headers.signature256) {
      throw fail(
        401,
        'Unauthorized',
        'X-Hub-Signature-256 is required; the SHA-1 X-Hub-Signature alone is not accepted',
      );
    }
    if (!WebhookSignatureService.isWellFormed(headers.signature256)) {
      throw fail(401, 'Unauthorized', 'X-Hub-Signature-256 is malformed (expected sha256=<64 hex digits>)');
    }
    const hookId = headers.hookId && /^\d{1,18}$/.test(headers.hookId) ? Number(headers.hookId) : null;
    // Only for verifying and reading fields: what is stored is rawBody itself.
    const body = rawBody.toString('utf8');

    let parsed: unknown;
    let parseError = false;
    const parse = (): unknown => {
      if (parsed === undefined && !parseError) {
        try {
          parsed = JSON.parse(body);
        } catch {
          parseError = true;
        }
      }
      return parsed;
    };
    const repoIdOf = (): number | null => {
      const id = (parse() as { repository?: { id?: unknown } } | undefined)?.repository?.id;
      return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
    };

    let verified: Awaited<ReturnType<WebhookSignatureService['verify']>>;
    try {
      verified = await this.signatures.verify(body, headers.signature256, hookId, repoIdOf, {
        fresh: options.freshSecrets,
      });
    } catch (err) {
      this.logger.error(`could not verify webhook delivery ${headers.deliveryId}: ${(err as Error).message}`);
      throw fail(503, 'Service Unavailable', 'The delivery could not be verified now; redeliver it later');
    }
    if (!verified)
      throw fail(
        401,
        'Unauthorized',
        'Signature does not match the payload for any configured webhook secret',
      );

    const payload = parse();
    if (parseError || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw fail(400, 'Bad Request', 'The body is not a JSON object');
    }
    const p = payload as Record<string, unknown>;
    const repository = (p['repository'] ?? null) as { id?: unknown; full_name?: unknown } | null;
    const repoGithubId = repoIdOf();
    const delivery: InboxDelivery = {
      deliveryId: headers.deliveryId,
      event: headers.event,
      action: typeof p['action'] === 'string' ? (p['action'] as string).slice(0, 100) : null,
      repoGithubId,
      repoFullName: typeof repository?.full_name === 'string' ? repository.full_name.slice(0, 300) : null,
      hookId:
        hookId ?? numberOrNull((p['hook'] as { id?: unknown } | undefined)?.id) ?? numberOrNull(p['hook_id']),
      installationId: numberOrNull((p['installation'] as { id?: unknown } | undefined)?.id),
      signedWith: verified.signedWith,
      signature: headers.signature256,
      body: rawBody,
      status: 'pending',
      ignoredReason: null,
    };
    if (!APPLIED_EVENTS.has(headers.event)) {
      delivery.status = 'ignored';
      delivery.ignoredReason = `event "${headers.event}" is not used by Trackeep`;
    } else if (verified.hookRepo && repoGithubId !== null && repoGithubId !== verified.hookRepo.githubId) {
      // Authentic, but signed by the hook of a different repository: never applied to this one.
      delivery.status = 'ignored';
      delivery.ignoredReason = 'signed by the hook of another repository';
    }
    return delivery;
  }

  /** 401 normally; 429 once the source was already over its limit. A limiter that cannot count says 401. */
  private async badSignature(source: string, rejection: WebhookRejected): Promise<WebhookRejected> {
    try {
      const verdict = await this.limiter.recordFailure(source);
      if (verdict.blocked) {
        return new WebhookRejected(
          429,
          'Too Many Requests',
          'Too many deliveries with a bad signature from this address; try again later',
          verdict.retryAfterSeconds,
        );
      }
    } catch (err) {
      this.logger.warn(`could not count a bad webhook signature: ${(err as Error).message}`);
    }
    return rejection;
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}
