import { Controller, Get, HttpCode, HttpException, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Page, WebhookDelivery } from '@trackeep/contracts';
import PgBoss from 'pg-boss';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiException } from '../common/api-exception';
import { RepoAccessService } from '../repos/repo-access.service';
import { ListDeliveriesQuery } from './webhook-deliveries.dto';
import { decodeCursor } from '../common/cursor.util';
import { DELIVERIES_CURSOR_SCOPE, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookProcessorService } from './webhook-processor.service';

const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/;

/**
 * The webhook inbox as the signed-in user may see it: deliveries of repositories they can read (deliveries
 * for unknown or untracked repos stay visible to operators in the database only).
 */
@ApiTags('webhooks')
@Controller('webhooks/deliveries')
export class WebhookDeliveriesController {
  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly access: RepoAccessService,
    private readonly boss: PgBoss,
    private readonly processor: WebhookProcessorService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Received webhook deliveries, newest first (filter by status, event, repo)' })
  async list(@CurrentUser() user: SessionUser, @Query() query: ListDeliveriesQuery): Promise<Page<WebhookDelivery>> {
    let repoIds: string[];
    if (query.repo) {
      const [owner, name] = query.repo.split('/') as [string, string];
      repoIds = [(await this.access.findReadable(user.id, owner, name)).id];
    } else {
      repoIds = await this.access.readableRepoIds(user.id);
    }
    const key = query.cursor ? decodeCursor(query.cursor, DELIVERIES_CURSOR_SCOPE, ['date', 'string']) : null;
    const cursor = key ? { time: key[0] as string, id: key[1] as string } : undefined;
    return this.deliveries.list({ repoIds, status: query.status, event: query.event, cursor, limit: query.limit });
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Process a stored delivery again (e.g. one parked as failed)' })
  async replay(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<WebhookDelivery> {
    if (!DELIVERY_ID.test(id)) throw ApiException.badRequest('id must be an X-GitHub-Delivery value');
    const delivery = await this.deliveries.findOne(id);
    const readable = delivery?.repoId ? (await this.access.readableRepoIds(user.id)).includes(delivery.repoId) : false;
    if (!delivery || !readable) {
      throw new HttpException({ statusCode: 404, error: 'Not Found', message: `No delivery ${id} for a repository you can read` }, 404);
    }
    if (!(await this.deliveries.requeue(id, this.boss))) {
      throw new HttpException({ statusCode: 409, error: 'Conflict', message: 'The delivery is already queued for processing' }, 409);
    }
    this.processor.wake();
    const requeued = await this.deliveries.findOne(id);
    if (!requeued) throw new HttpException({ statusCode: 404, error: 'Not Found', message: `No delivery ${id}` }, 404);
    const { repoId: _repoId, ...updated } = requeued;
    return updated;
  }
}
