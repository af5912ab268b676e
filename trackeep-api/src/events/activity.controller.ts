import { Controller, Get, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PAGE_SIZE_DEFAULT } from '@trackeep/contracts';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor } from '../common/cursor.util';
import { RepoAccessService } from '../repos/repo-access.service';
import { ActivityFeedRepository, type ActivityKey } from './activity-feed.repository';
import { ActivityPageDto, ActivityQueryDto } from './dto/activity.dto';

@ApiTags('activity')
@ApiCookieAuth()
@Controller('activity')
export class ActivityController {
  constructor(
    private readonly feed: ActivityFeedRepository,
    private readonly access: RepoAccessService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The activity timeline of the repositories the user may read, newest first; filters repo, type; keyset pagination' })
  @ApiOkResponse({ type: ActivityPageDto })
  @ApiErrorResponses(400, 401, 404)
  async list(@CurrentUser() user: SessionUser, @Query() query: ActivityQueryDto): Promise<ActivityPageDto> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    let repoIds: string[];
    if (query.repo !== undefined) {
      const [owner, name] = query.repo.split('/') as [string, string];
      repoIds = [(await this.access.findReadable(user.id, owner, name)).id];
    } else {
      repoIds = await this.access.readableRepoIds(user.id);
    }
    // The scope ties a cursor to its filters: a cursor from another filter would skip or repeat events.
    const scope = `activity:${query.repo?.toLowerCase() ?? '*'}:${query.type ?? '*'}`;
    let before: ActivityKey | null = null;
    if (query.cursor !== undefined) {
      const [occurredAt, id] = decodeCursor(query.cursor, scope, ['date', 'string']) as [string, string];
      if (!/^\d{1,18}$/.test(id)) throw ApiException.badRequest('cursor is malformed; pass back the nextCursor of the previous page');
      before = { occurredAt, id };
    }
    const rows = await this.feed.findPage({ repoIds, type: query.type ?? null, before, limit: limit + 1 });
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    return {
      items: shown.map((r) => r.event),
      nextCursor: more && last ? encodeCursor(scope, [last.key.occurredAt, last.key.id]) : null,
    };
  }
}
