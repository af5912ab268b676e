import { Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { RepoParamsDto } from './dto/repo-params.dto';
import {
  CommitsQueryDto,
  PageQueryDto,
  PullsQueryDto,
  StatsHistoryQueryDto,
  WeeksQueryDto,
} from './dto/repo-queries.dto';
import {
  BranchPageDto,
  CommitPageDto,
  CycleTimeSummaryDto,
  PullRequestPageDto,
  StatsPointDto,
  TrackedRepoDto,
  TrackedRepoPageDto,
  WeeklyCommitsDto,
} from './dto/repo-responses.dto';
import { RepoAccessService } from './repo-access.service';
import { RepoDataService } from './repo-data.service';
import { ReposService } from './repos.service';

const CSRF = ApiHeader({
  name: 'X-Trackeep-CSRF',
  required: true,
  description: 'Any non-empty value, e.g. 1',
});

@ApiTags('repos')
@ApiCookieAuth()
@Controller('repos')
export class ReposController {
  constructor(
    private readonly repos: ReposService,
    private readonly access: RepoAccessService,
    private readonly data: RepoDataService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Tracked repositories the user can still read, by full name (case-insensitive), with latest stats, last sync and webhook health; keyset pages',
  })
  @ApiOkResponse({ type: TrackedRepoPageDto })
  @ApiErrorResponses(400, 401)
  list(@CurrentUser() user: SessionUser, @Query() query: PageQueryDto): Promise<TrackedRepoPageDto> {
    return this.repos.list(user.id, query);
  }

  @Get(':owner/:repo')
  @ApiOperation({ summary: 'One tracked repository' })
  @ApiOkResponse({ type: TrackedRepoDto })
  @ApiErrorResponses(400, 401, 404)
  get(@CurrentUser() user: SessionUser, @Param() p: RepoParamsDto): Promise<TrackedRepoDto> {
    return this.repos.get(user, p.owner, p.repo);
  }

  @Post(':owner/:repo/track')
  @CSRF
  @ApiOperation({
    summary: 'Track a repository the user can read on GitHub (201 when new, 200 when already tracked)',
  })
  @ApiCreatedResponse({ type: TrackedRepoDto })
  @ApiOkResponse({ type: TrackedRepoDto })
  @ApiErrorResponses(400, 401, 403, 404, 429, 502)
  async track(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TrackedRepoDto> {
    const { repo, created } = await this.repos.track(user, p.owner, p.repo);
    res.status(created ? 201 : 200);
    return repo;
  }

  @Delete(':owner/:repo/track')
  @HttpCode(204)
  @CSRF
  @ApiOperation({ summary: 'Stop tracking (the shared data stays for other users who track it)' })
  @ApiNoContentResponse({ description: 'No longer tracked' })
  @ApiErrorResponses(400, 401, 403, 404)
  untrack(@CurrentUser() user: SessionUser, @Param() p: RepoParamsDto): Promise<void> {
    return this.repos.untrack(user, p.owner, p.repo);
  }

  @Get(':owner/:repo/commits')
  @ApiOperation({
    summary: 'Commits, newest first; filters branch, author, since, until, q; keyset pagination',
  })
  @ApiOkResponse({ type: CommitPageDto })
  @ApiErrorResponses(400, 401, 404)
  async commits(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() query: CommitsQueryDto,
  ): Promise<CommitPageDto> {
    return this.data.commits(await this.access.findReadable(user.id, p.owner, p.repo), query);
  }

  @Get(':owner/:repo/commits/weekly')
  @ApiOperation({
    summary: 'Commits and line changes per week (Monday 00:00 UTC), oldest first, for the last `weeks` weeks',
  })
  @ApiOkResponse({ type: WeeklyCommitsDto, isArray: true })
  @ApiErrorResponses(400, 401, 404)
  async weeklyCommits(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() query: WeeksQueryDto,
  ): Promise<WeeklyCommitsDto[]> {
    return this.data.weeklyCommits(await this.access.findReadable(user.id, p.owner, p.repo), query);
  }

  @Get(':owner/:repo/pulls')
  @ApiOperation({
    summary: 'Pull requests with review count and cycle time; filters state, author; sort created|updated',
  })
  @ApiOkResponse({ type: PullRequestPageDto })
  @ApiErrorResponses(400, 401, 404)
  async pulls(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() query: PullsQueryDto,
  ): Promise<PullRequestPageDto> {
    return this.data.pulls(await this.access.findReadable(user.id, p.owner, p.repo), query);
  }

  @Get(':owner/:repo/pulls/cycle-time')
  @ApiOperation({
    summary:
      'Median time from opening to merge of the pull requests merged each week (Monday 00:00 UTC) and overall, for the last `weeks` weeks',
  })
  @ApiOkResponse({ type: CycleTimeSummaryDto })
  @ApiErrorResponses(400, 401, 404)
  async cycleTime(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() query: WeeksQueryDto,
  ): Promise<CycleTimeSummaryDto> {
    return this.data.cycleTime(await this.access.findReadable(user.id, p.owner, p.repo), query);
  }

  @Get(':owner/:repo/branches')
  @ApiOperation({
    summary: 'Branches by name, with head, last commit time, protection and ahead/behind the default branch',
  })
  @ApiOkResponse({ type: BranchPageDto })
  @ApiErrorResponses(400, 401, 404)
  async branches(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() query: PageQueryDto,
  ): Promise<BranchPageDto> {
    return this.data.branches(await this.access.findReadable(user.id, p.owner, p.repo), query);
  }

  @Get(':owner/:repo/stats/history')
  @ApiOperation({
    summary: 'Stars, forks, watchers and open issues over time (oldest first; default the last 90 days)',
  })
  @ApiOkResponse({ type: StatsPointDto, isArray: true })
  @ApiErrorResponses(400, 401, 404)
  async statsHistory(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() query: StatsHistoryQueryDto,
  ): Promise<StatsPointDto[]> {
    return this.data.statsHistory(await this.access.findReadable(user.id, p.owner, p.repo), query);
  }
}
