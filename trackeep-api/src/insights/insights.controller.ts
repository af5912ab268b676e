import { Body, Controller, Delete, Get, Param, Put, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCookieAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type {
  CyclePage,
  DoraPage,
  DrillPage,
  OrgInsightsSettings,
  RepoInsightsSettings,
} from '@trackeep/contracts';
import type { Response } from 'express';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { ApiException } from '../common/api-exception';
import { RepoParamsDto } from '../repos/dto/repo-params.dto';
import { OrgParamsDto, TeamParamsDto } from '../teams/teams.dto';
import { DrillQueryDto, InsightsPeriodQueryDto } from './insights.dto';
import { InsightsService, type InsightsScope } from './insights.service';

const CSRF = ApiHeader({
  name: 'X-Trackeep-CSRF',
  required: true,
  description: 'Any non-empty value, e.g. 1',
});

const SETTINGS_BODY = ApiBody({
  description:
    'InsightsSettings (see @trackeep/contracts): { deployment: { kind: deployments, environments } | { kind: releases, includePrereleases } | { kind: tags, pattern } | { kind: workflow, workflowName } | { kind: merges }, incidents?: { labels, reverts, failedDeployments } }',
  schema: { type: 'object', example: { deployment: { kind: 'deployments', environments: ['production'] } } },
});

const repoScope = (p: RepoParamsDto): InsightsScope => ({ kind: 'repo', owner: p.owner, name: p.repo });
const orgScope = (p: OrgParamsDto): InsightsScope => ({ kind: 'org', org: p.org });
const teamScope = (p: TeamParamsDto): InsightsScope => ({ kind: 'team', org: p.org, team: p.team });

/**
 * Delivery insights of a repository, an organization and a team: how deployments and incidents are detected,
 * the DORA four keys, the pull request cycle and the drill-downs of what each figure counted.
 */
@ApiTags('insights')
@ApiCookieAuth()
@Controller()
export class InsightsController {
  constructor(private readonly insights: InsightsService) {}

  @Get('repos/:owner/:repo/insights/settings')
  @ApiOperation({
    summary:
      'The deployment and incident rules in force, where they come from, and the last 10 deployments detected',
  })
  @ApiOkResponse({ description: 'RepoInsightsSettings (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  repoSettings(@CurrentUser() user: SessionUser, @Param() p: RepoParamsDto): Promise<RepoInsightsSettings> {
    return this.insights.repoSettings(user, p.owner, p.repo);
  }

  @Put('repos/:owner/:repo/insights/settings')
  @CSRF
  @SETTINGS_BODY
  @ApiOperation({ summary: "The repository's own rules (maintain or admin permission on GitHub)" })
  @ApiOkResponse({ description: 'RepoInsightsSettings (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 403, 404)
  saveRepoSettings(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Body() body: unknown,
  ): Promise<RepoInsightsSettings> {
    return this.insights.saveRepoSettings(user, p.owner, p.repo, body);
  }

  @Delete('repos/:owner/:repo/insights/settings')
  @CSRF
  @ApiOperation({
    summary: "Drops the repository's own rules: its organization's default (or the built-in one) applies",
  })
  @ApiOkResponse({ description: 'RepoInsightsSettings (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 403, 404)
  clearRepoSettings(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
  ): Promise<RepoInsightsSettings> {
    return this.insights.clearRepoSettings(user, p.owner, p.repo);
  }

  @Get('orgs/:org/insights/settings')
  @ApiOperation({ summary: "The organization's default rules (members only)" })
  @ApiOkResponse({ description: 'OrgInsightsSettings (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  orgSettings(@CurrentUser() user: SessionUser, @Param() p: OrgParamsDto): Promise<OrgInsightsSettings> {
    return this.insights.orgSettings(user, p.org);
  }

  @Put('orgs/:org/insights/settings')
  @CSRF
  @SETTINGS_BODY
  @ApiOperation({ summary: "The organization's default rules (its owners only)" })
  @ApiOkResponse({ description: 'OrgInsightsSettings (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 403, 404)
  saveOrgSettings(
    @CurrentUser() user: SessionUser,
    @Param() p: OrgParamsDto,
    @Body() body: unknown,
  ): Promise<OrgInsightsSettings> {
    return this.insights.saveOrgSettings(user, p.org, body);
  }

  @Delete('orgs/:org/insights/settings')
  @CSRF
  @ApiOperation({ summary: "Drops the organization's default: the built-in one applies" })
  @ApiOkResponse({ description: 'OrgInsightsSettings (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 403, 404)
  clearOrgSettings(@CurrentUser() user: SessionUser, @Param() p: OrgParamsDto): Promise<OrgInsightsSettings> {
    return this.insights.clearOrgSettings(user, p.org);
  }

  @Get('repos/:owner/:repo/insights/dora')
  @ApiOperation({ summary: "A repository's DORA four keys for a period, the previous period's, and weekly" })
  @ApiOkResponse({ description: 'DoraPage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  repoDora(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() q: InsightsPeriodQueryDto,
  ): Promise<DoraPage> {
    return this.insights.dora(user, repoScope(p), q);
  }

  @Get('orgs/:org/insights/dora')
  @ApiOperation({ summary: "An organization's DORA four keys over the repositories the viewer may read" })
  @ApiOkResponse({ description: 'DoraPage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  orgDora(
    @CurrentUser() user: SessionUser,
    @Param() p: OrgParamsDto,
    @Query() q: InsightsPeriodQueryDto,
  ): Promise<DoraPage> {
    return this.insights.dora(user, orgScope(p), q);
  }

  @Get('orgs/:org/teams/:team/insights/dora')
  @ApiOperation({ summary: "A team's DORA four keys over its repositories the viewer may read" })
  @ApiOkResponse({ description: 'DoraPage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  teamDora(
    @CurrentUser() user: SessionUser,
    @Param() p: TeamParamsDto,
    @Query() q: InsightsPeriodQueryDto,
  ): Promise<DoraPage> {
    return this.insights.dora(user, teamScope(p), q);
  }

  @Get('repos/:owner/:repo/insights/cycle')
  @ApiOperation({ summary: 'The pull request cycle (coding, pickup, review, merge, deploy) of a repository' })
  @ApiOkResponse({ description: 'CyclePage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  repoCycle(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() q: InsightsPeriodQueryDto,
  ): Promise<CyclePage> {
    return this.insights.cycle(user, repoScope(p), q);
  }

  @Get('orgs/:org/insights/cycle')
  @ApiOperation({ summary: "The pull request cycle over an organization's repositories the viewer may read" })
  @ApiOkResponse({ description: 'CyclePage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  orgCycle(
    @CurrentUser() user: SessionUser,
    @Param() p: OrgParamsDto,
    @Query() q: InsightsPeriodQueryDto,
  ): Promise<CyclePage> {
    return this.insights.cycle(user, orgScope(p), q);
  }

  @Get('orgs/:org/teams/:team/insights/cycle')
  @ApiOperation({ summary: "The pull request cycle of a team's members' pull requests" })
  @ApiOkResponse({ description: 'CyclePage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  teamCycle(
    @CurrentUser() user: SessionUser,
    @Param() p: TeamParamsDto,
    @Query() q: InsightsPeriodQueryDto,
  ): Promise<CyclePage> {
    return this.insights.cycle(user, teamScope(p), q);
  }

  @Get('repos/:owner/:repo/insights/drilldown')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary:
      'Exactly which deployments, pull requests and incidents the figures counted (format=csv&kind=… for a file)',
  })
  @ApiOkResponse({ description: 'DrillPage (see @trackeep/contracts), or one of its tables as CSV' })
  @ApiErrorResponses(400, 401, 404)
  repoDrill(
    @CurrentUser() user: SessionUser,
    @Param() p: RepoParamsDto,
    @Query() q: DrillQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DrillPage | string> {
    return this.drill(user, repoScope(p), q, res, `${p.owner}-${p.repo}`);
  }

  @Get('orgs/:org/insights/drilldown')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: "What an organization's figures counted (format=csv&kind=… for a file)" })
  @ApiOkResponse({ description: 'DrillPage (see @trackeep/contracts), or one of its tables as CSV' })
  @ApiErrorResponses(400, 401, 404)
  orgDrill(
    @CurrentUser() user: SessionUser,
    @Param() p: OrgParamsDto,
    @Query() q: DrillQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DrillPage | string> {
    return this.drill(user, orgScope(p), q, res, p.org);
  }

  @Get('orgs/:org/teams/:team/insights/drilldown')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: "What a team's figures counted (format=csv&kind=… for a file)" })
  @ApiOkResponse({ description: 'DrillPage (see @trackeep/contracts), or one of its tables as CSV' })
  @ApiErrorResponses(400, 401, 404)
  teamDrill(
    @CurrentUser() user: SessionUser,
    @Param() p: TeamParamsDto,
    @Query() q: DrillQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DrillPage | string> {
    return this.drill(user, teamScope(p), q, res, `${p.org}-${p.team}`);
  }

  private async drill(
    user: SessionUser,
    scope: InsightsScope,
    q: DrillQueryDto,
    res: Response,
    name: string,
  ): Promise<DrillPage | string> {
    if (q.format !== 'csv') return this.insights.drilldown(user, scope, q);
    if (!q.kind) throw ApiException.badRequest('format=csv needs kind (deployments, pulls or incidents)');
    const csv = await this.insights.drilldownCsv(user, scope, q, q.kind);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}-${q.kind}.csv"`);
    return csv;
  }
}
