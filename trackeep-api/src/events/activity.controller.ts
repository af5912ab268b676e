import { Controller, Get, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PAGE_SIZE_DEFAULT } from '@trackeep/contracts';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { splitFullName } from '../common/full-name.util';
import { ApiException } from '../common/api-exception';
import { RepoAccessService } from '../repos/repo-access.service';
import { TeamsService } from '../teams/teams.service';
import { ActivityFeedRepository } from './activity-feed.repository';
import { ActivityPageDto, ActivityQueryDto } from './dto/activity.dto';
import type { RepoScope } from '../repos/repo-access.repository';

@ApiTags('activity')
@ApiCookieAuth()
@Controller('activity')
export class ActivityController {
  constructor(
    private readonly feed: ActivityFeedRepository,
    private readonly access: RepoAccessService,
    private readonly teams: TeamsService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'The activity timeline of the repositories the user may read, newest first; filters repo, team, type; keyset pagination',
  })
  @ApiOkResponse({ type: ActivityPageDto })
  @ApiErrorResponses(400, 401, 404)
  async list(@CurrentUser() user: SessionUser, @Query() query: ActivityQueryDto): Promise<ActivityPageDto> {
    let scope: RepoScope;
    if (query.repo !== undefined && query.team !== undefined)
      throw ApiException.badRequest('Filter by repo or by team, not both');
    if (query.team !== undefined) {
      const [org, slug] = query.team.split('/') as [string, string];
      scope = { repoIds: await this.teams.teamRepoIds(user, org, slug) };
    } else if (query.repo !== undefined) {
      const [owner, name] = splitFullName(query.repo);
      scope = { repoIds: [(await this.access.findReadable(user.id, owner, name)).id] };
    } else {
      scope = await this.access.readableScope(user.id);
    }
    return this.feed.findPage({
      scope,
      repo: query.repo ?? (query.team ? `team:${query.team}` : null),
      type: query.type ?? null,
      cursor: query.cursor ?? null,
      limit: query.limit ?? PAGE_SIZE_DEFAULT,
    });
  }
}
