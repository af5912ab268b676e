import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Page, WebhookDelivery } from '@trackeep/contracts';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiException } from '../common/api-exception';
import { splitFullName } from '../common/full-name.util';
import { RepoAccessService } from '../repos/repo-access.service';
import { ListDeliveriesQuery } from './webhook-deliveries.dto';
import { decodeCursor } from '../common/cursor.util';
import { DELIVERIES_CURSOR_SCOPE, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookReplayService } from './webhook-replay.service';
import { WEBHOOK_DELIVERY_ID } from './webhook.constants';
import type { RepoScope } from '../repos/repo-access.repository';

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
    private readonly replays: WebhookReplayService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Received webhook deliveries, newest first (filter by status, event, repo)' })
  async list(
    @CurrentUser() user: SessionUser,
    @Query() query: ListDeliveriesQuery,
  ): Promise<Page<WebhookDelivery>> {
    let scope: RepoScope;
    if (query.repo) {
      const [owner, name] = splitFullName(query.repo);
      scope = { repoIds: [(await this.access.findReadable(user.id, owner, name)).id] };
    } else {
      scope = await this.access.readableScope(user.id);
    }
    const key = query.cursor ? decodeCursor(query.cursor, DELIVERIES_CURSOR_SCOPE, ['date', 'string']) : null;
    const cursor = key ? { time: key[0] as string, id: key[1] as string } : undefined;
    return this.deliveries.list({
      scope,
      status: query.status,
      event: query.event,
      cursor,
      limit: query.limit,
    });
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Process a stored delivery again (e.g. one parked as failed), after verifying it again',
    description:
      'Admin permission on the repository is required (403; 404 when the repository is not readable). ' +
      'The stored raw body must pass every intake rule again with the secrets configured now (422 otherwise); ' +
      'a processed or already queued delivery is refused with 409.',
  })
  async replay(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<WebhookDelivery> {
    if (!WEBHOOK_DELIVERY_ID.test(id)) throw ApiException.badRequest('id must be an X-GitHub-Delivery value');
    return this.replays.replay(user.id, id);
  }
}
