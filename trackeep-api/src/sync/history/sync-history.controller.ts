import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { SyncHistory } from '@trackeep/contracts';
import { CurrentUser, type SessionUser } from '../../auth/current-user.decorator';
import { ApiErrorResponses } from '../../common/api-error.dto';
import { RepoParamsDto } from '../../repos/dto/repo-params.dto';
import { SyncHistoryService } from './sync-history.service';

@ApiTags('sync')
@ApiCookieAuth()
@Controller()
export class SyncHistoryController {
  constructor(private readonly history: SyncHistoryService) {}

  @Get('repos/:owner/:repo/sync/history')
  @ApiOperation({
    summary:
      'How far back the deployments, releases, tags, issues and workflow runs of a repository are read',
  })
  @ApiOkResponse({ description: 'SyncHistory (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  get(@CurrentUser() user: SessionUser, @Param() p: RepoParamsDto): Promise<SyncHistory> {
    return this.history.get(user, p.owner, p.repo);
  }

  @Put('repos/:owner/:repo/sync/history')
  @ApiHeader({ name: 'X-Trackeep-CSRF', required: true, description: 'Any non-empty value, e.g. 1' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['since'],
      properties: {
        since: {
          oneOf: [
            { type: 'string', format: 'date' },
            { type: 'string', enum: ['all'] },
          ],
          nullable: true,
          description: 'A first day, "all", or null for the instance default (SYNC_HISTORY_DAYS)',
        },
      },
    },
  })
  @ApiOperation({
    summary:
      "Sets the repository's own history window (maintain or admin on GitHub); reaching further back queues a sync",
  })
  @ApiOkResponse({ description: 'SyncHistory (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 403, 404)
  set(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Body() body: unknown,
  ): Promise<SyncHistory> {
    return this.history.set(user, p.owner, p.repo, body);
  }
}
