import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { answerMetricsRequest } from '@trackeep/server-core';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { ApiEnv } from '../config/api-env';
import { MetricsService } from './metrics.service';

/** GET /metrics (outside the api/v1 prefix), Prometheus text format; bearer METRICS_TOKEN when set. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly env: ApiEnv,
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
