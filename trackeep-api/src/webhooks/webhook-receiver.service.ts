import { Injectable, Logger } from '@nestjs/common';
import { BadSignatureLimiter } from './bad-signature.limiter';
import { DeliveryInboxService, type InboxDelivery } from './delivery-inbox.service';
import { WebhookSignatureService } from './webhook-signature.service';
import { APPLIED_EVENTS } from './processors/event-appliers';

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

/** A delivery refused with `status`; the message names the problem and never echoes the payload. */
export class WebhookRejected extends Error {
  constructor(
    readonly status: 400 | 401 | 503,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

const fail = (status: 400 | 401 | 503, error: string, message: string) => new WebhookRejected(status, error, message);

/** `\u0000` is valid JSON but not storable in jsonb; GitHub payloads may carry it in commit messages. */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * Verify, then store: the signature is checked over the exact bytes received (nothing parsed first except, for
 * a hook we do not know yet, the repository id used to find its secret), and only a verified, well-formed
 * delivery reaches the inbox. Bad signatures count toward the per-source 429 limit.
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
    if (!headers.signature256) {
      this.limiter.recordFailure(source);
      throw fail(401, 'Unauthorized', 'X-Hub-Signature-256 is required; the SHA-1 X-Hub-Signature alone is not accepted');
    }
    if (!WebhookSignatureService.isWellFormed(headers.signature256)) {
      this.limiter.recordFailure(source);
      throw fail(401, 'Unauthorized', 'X-Hub-Signature-256 is malformed (expected sha256=<64 hex digits>)');
    }
    const hookId = headers.hookId && /^\d{1,18}$/.test(headers.hookId) ? Number(headers.hookId) : null;
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

    const verified = await this.signatures.verify(body, headers.signature256, hookId, repoIdOf);
    if (!verified) {
      this.limiter.recordFailure(source);
      throw fail(401, 'Unauthorized', 'Signature does not match the payload for any configured webhook secret');
    }

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
      hookId: hookId ?? numberOrNull((p['hook'] as { id?: unknown } | undefined)?.id) ?? numberOrNull(p['hook_id']),
      installationId: numberOrNull((p['installation'] as { id?: unknown } | undefined)?.id),
      signedWith: verified.signedWith,
      payload: body.includes('\\u0000') ? body.replace(NUL_ESCAPE, '$1\\ufffd') : body,
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

    try {
      const inserted = await this.inbox.add(delivery);
      return { deliveryId: headers.deliveryId, duplicate: !inserted };
    } catch (err) {
      this.logger.error(`could not store webhook delivery ${headers.deliveryId}: ${(err as Error).message}`);
      throw fail(503, 'Service Unavailable', 'The delivery could not be stored; redeliver it later');
    }
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}
