import { Controller, Get, Headers, Res } from '@nestjs/common';
import { answerMetricsRequest } from '@trackeep/server-core';
import type { Response } from 'express';
import { GatewayEnv } from '../config/gateway-env';
import { GatewayMetricsService } from './gateway-metrics.service';

/** GET /metrics, Prometheus text format; bearer METRICS_TOKEN when set. */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: GatewayMetricsService,
    private readonly env: GatewayEnv,
  ) {}

  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await answerMetricsRequest(this.metrics.registry, authorization, this.env.METRICS_TOKEN);
    res.status(answer.status).type(answer.contentType).setHeader('Cache-Control', 'no-store');
    res.send(answer.body);
  }
}
