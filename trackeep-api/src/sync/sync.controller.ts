import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCookieAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import type { Page, SyncRun, SyncStatus, SyncTriggerResult } from '@trackeep/contracts';
import { IsOptional, Matches } from 'class-validator';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { RepoParamsDto } from '../repos/dto/repo-params.dto';
import { PageQueryDto } from '../repos/dto/repo-queries.dto';
import { SyncService } from './sync.service';

const CSRF = ApiHeader({
  name: 'X-Trackeep-CSRF',
  required: true,
  description: 'Any non-empty value, e.g. 1',
});

export class SyncRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'octocat/hello-world', description: 'Only the runs of this repository' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_-]{0,38}\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/, {
    message: 'repo must be owner/name',
  })
  repo?: string;
}

@ApiTags('sync')
@ApiCookieAuth()
@Controller()
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Post('repos/:owner/:repo/sync')
  @HttpCode(202)
  @CSRF
  @ApiOperation({
    summary:
      'Queue a sync of one tracked repository now (the waiting run is returned if one is already queued)',
  })
  @ApiAcceptedResponse({ description: 'SyncTriggerResult with the queued run' })
  @ApiErrorResponses(400, 401, 403, 404)
  syncRepo(@CurrentUser() user: SessionUser, @Param() p: RepoParamsDto): Promise<SyncTriggerResult> {
    return this.sync.syncRepo(user, p.owner, p.repo);
  }

  @Post('sync')
  @HttpCode(202)
  @CSRF
  @ApiOperation({ summary: 'Queue a sync of every repository the user tracks and can read' })
  @ApiAcceptedResponse({ description: 'SyncTriggerResult with one run per repository' })
  @ApiErrorResponses(401, 403)
  syncAll(@CurrentUser() user: SessionUser): Promise<SyncTriggerResult> {
    return this.sync.syncAll(user);
  }

  @Get('sync/runs')
  @ApiOperation({ summary: 'Sync runs of the repositories the user can read, newest first (keyset pages)' })
  @ApiOkResponse({ description: 'Page<SyncRun>' })
  @ApiErrorResponses(400, 401, 404)
  runs(@CurrentUser() user: SessionUser, @Query() q: SyncRunsQueryDto): Promise<Page<SyncRun>> {
    return this.sync.listRuns(user, q);
  }

  @Get('sync/status')
  @ApiOperation({
    summary: 'Per repository: last success, progress, next run, last error; and the user’s GitHub budgets',
  })
  @ApiOkResponse({ description: 'SyncStatus: one page of repositories by name (keyset), totals over all' })
  @ApiErrorResponses(400, 401)
  status(@CurrentUser() user: SessionUser, @Query() q: PageQueryDto): Promise<SyncStatus> {
    return this.sync.status(user, q);
  }
}
