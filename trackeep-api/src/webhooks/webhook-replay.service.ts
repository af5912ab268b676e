import { HttpException, Injectable } from '@nestjs/common';
import type { WebhookDelivery } from '@trackeep/contracts';
import PgBoss from 'pg-boss';
import { RepoAccessService } from '../repos/repo-access.service';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { readPayload } from './webhook-payload.util';
import { WebhookProcessorService } from './webhook-processor.service';
import { WebhookReceiverService, WebhookRejected } from './webhook-receiver.service';

const refuse = (statusCode: 403 | 404 | 409 | 422, error: string, message: string) =>
  new HttpException({ statusCode, error, message }, statusCode);

/**
 * POST /webhooks/deliveries/{id}/replay. A replay is a delivery arriving again, so before anything is queued
 * the stored bytes pass every intake rule once more, as if they arrived now: the signature against the secrets
 * valid now (the hook's current secret; its previous one only while the rotation window is open; the global
 * ones), the event, the size, and the repository the signing hook belongs to. Only people with admin permission
 * on the repository may replay; a delivery is never applied twice.
 */
@Injectable()
export class WebhookReplayService {
  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly access: RepoAccessService,
    private readonly receiver: WebhookReceiverService,
    private readonly processor: WebhookProcessorService,
    private readonly boss: PgBoss,
  ) {}

  async replay(userId: string, deliveryId: string): Promise<WebhookDelivery> {
    const stored = await this.deliveries.findStored(deliveryId);
    // Someone who cannot read the repository learns nothing, not even that the delivery exists.
    if (!stored?.repoId || !(await this.access.canRead(userId, stored.repoId))) {
      throw refuse(404, 'Not Found', `No delivery ${deliveryId} for a repository you can read`);
    }
    if ((await this.access.recordedPermission(userId, stored.repoId)) !== 'admin') {
      throw refuse(
        403,
        'Forbidden',
        `Replaying deliveries needs admin permission on ${stored.repoFullName ?? 'the repository'}`,
      );
    }
    if (stored.status === 'pending' || stored.status === 'processing')
      throw refuse(409, 'Conflict', 'The delivery is already queued for processing');
    if (stored.status === 'processed')
      throw refuse(409, 'Conflict', 'The delivery was already applied; a delivery is applied at most once');
    if (!stored.body || !stored.signature) {
      throw refuse(
        422,
        'Unprocessable Entity',
        'The delivery was stored without its raw body, so it cannot be verified again',
      );
    }

    let checked;
    try {
      checked = await this.receiver.check(
        {
          event: stored.event,
          deliveryId: stored.deliveryId,
          signature256: stored.signature,
          hookId: stored.hookId === null ? undefined : String(stored.hookId),
        },
        stored.body,
        { freshSecrets: true },
      );
    } catch (err) {
      if (!(err instanceof WebhookRejected)) throw err;
      if (err.status === 503)
        throw new HttpException({ statusCode: 503, error: err.error, message: err.message }, 503);
      const message =
        err.status === 401
          ? 'The stored body no longer verifies against the secrets configured now'
          : err.message;
      throw refuse(422, 'Unprocessable Entity', `Replay refused: ${message}`);
    }
    if (checked.status === 'ignored')
      throw refuse(
        422,
        'Unprocessable Entity',
        `Replay refused: ${checked.ignoredReason ?? 'the delivery cannot be applied'}`,
      );
    const reading = readPayload(stored.body);
    if (reading.parkedReason !== undefined)
      throw refuse(422, 'Unprocessable Entity', `Replay refused: ${reading.parkedReason}`);

    if (!(await this.deliveries.requeue(deliveryId, stored.status, this.boss))) {
      throw refuse(
        409,
        'Conflict',
        'The delivery changed while it was being checked (replayed or processed meanwhile)',
      );
    }
    this.processor.wake();
    const requeued = await this.deliveries.findOne(deliveryId);
    if (!requeued) throw refuse(404, 'Not Found', `No delivery ${deliveryId}`);
    const { repoId: _repoId, ...updated } = requeued;
    return updated;
  }
}
