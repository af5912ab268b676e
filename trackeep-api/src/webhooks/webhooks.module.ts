import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { EventsModule } from '../events/events.module';
import { GithubModule } from '../github/github.module';
import { InstallationsModule } from '../installations/installations.module';
import { JobQueueModule } from '../jobs/job-queue.module';
import { ReposModule } from '../repos/repos.module';
import { BadSignatureLimiter } from './bad-signature.limiter';
import { DeliveryInboxRepository } from './delivery-inbox.repository';
import { DeliveryInboxService } from './delivery-inbox.service';
import { WebhookRedeliveryRepository } from './redelivery/webhook-redelivery.repository';
import { WebhookRedeliveryService } from './redelivery/webhook-redelivery.service';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookProcessorService } from './webhook-processor.service';
import { WebhookReceiverService } from './webhook-receiver.service';
import { WebhookReplayService } from './webhook-replay.service';
import { WebhookRegistrationRepository } from './webhook-registration.repository';
import { WebhookRegistrationService } from './webhook-registration.service';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import { WebhookSignatureService } from './webhook-signature.service';

/**
 * GitHub webhooks: the signed receiver and durable inbox, asynchronous processing into the shared repo tables
 * (pg-boss), the deliveries API, and hook registration on track/untrack. The receiver itself is Express
 * middleware that create-app mounts (mountWebhookIntake) ahead of the other middleware and body parsers.
 */
@Module({
  imports: [
    AuthModule,
    GithubModule,
    ReposModule,
    EventsModule,
    JobQueueModule,
    RateLimitModule,
    InstallationsModule,
  ],
  controllers: [WebhookDeliveriesController],
  providers: [
    BadSignatureLimiter,
    WebhookSecretCipher,
    WebhookSignatureService,
    DeliveryInboxRepository,
    DeliveryInboxService,
    WebhookReceiverService,
    WebhookProcessorService,
    WebhookDeliveriesRepository,
    WebhookReplayService,
    WebhookRegistrationRepository,
    WebhookRegistrationService,
    WebhookRedeliveryRepository,
    WebhookRedeliveryService,
  ],
  exports: [WebhookRegistrationService],
})
export class WebhooksModule {}
