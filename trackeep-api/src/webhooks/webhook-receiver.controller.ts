import { Controller, Headers, HttpCode, HttpException, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/public.decorator';
import type { WebhookIntakeFields } from './webhook-intake.middleware';
import { WebhookReceiverService, type ReceiveResult } from './webhook-receiver.service';

/**
 * GitHub's webhook endpoint. Public: authenticated by the HMAC signature, not a session. The body was read as
 * raw bytes by the intake middleware (see createWebhookIntake), which also answered 415/400/413/429.
 */
@Controller('webhooks')
export class WebhookReceiverController {
  constructor(private readonly receiver: WebhookReceiverService) {}

  @Public()
  @Post('github')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiExcludeEndpoint()
  receive(
    @Req() req: Request & WebhookIntakeFields,
    @Headers('x-github-event') event: string,
    @Headers('x-github-delivery') deliveryId: string,
    @Headers('x-hub-signature-256') signature256: string | undefined,
    @Headers('x-hub-signature') signatureSha1: string | undefined,
    @Headers('x-github-hook-id') hookId: string | undefined,
  ): Promise<ReceiveResult> {
    if (!req.rawBody) {
      // Only reachable if the intake middleware is not mounted in front of the body parser.
      throw new HttpException({ statusCode: 500, error: 'Internal Server Error', message: 'webhook intake is not configured' }, 500);
    }
    return this.receiver.receive({ event, deliveryId, signature256, signatureSha1, hookId }, req.rawBody, req.ip ?? 'unknown');
  }
}
