import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { OrgMembership, OrgPage, PersonPage, TeamPage } from '@trackeep/contracts';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { OrgParamsDto, PeriodQueryDto, PersonParamsDto, TeamParamsDto } from './teams.dto';
import { TeamsService } from './teams.service';

@ApiTags('teams')
@ApiCookieAuth()
@Controller()
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Get('orgs')
  @ApiOperation({ summary: 'The organizations the signed-in person is a member of, with their teams' })
  @ApiOkResponse({ description: 'OrgMembership[] (see @trackeep/contracts)' })
  @ApiErrorResponses(401)
  orgs(@CurrentUser() user: SessionUser): Promise<OrgMembership[]> {
    return this.teams.memberships(user);
  }

  @Get('orgs/:org')
  @ApiOperation({
    summary:
      "An organization's figures for a period next to the previous period's, over the repositories the viewer may read (members only: 404 otherwise)",
  })
  @ApiOkResponse({ description: 'OrgPage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  org(
    @CurrentUser() user: SessionUser,
    @Param() p: OrgParamsDto,
    @Query() q: PeriodQueryDto,
  ): Promise<OrgPage> {
    return this.teams.orgPage(user, p.org, q);
  }

  @Get('orgs/:org/teams/:team')
  @ApiOperation({
    summary:
      "A team's figures (its members' work, child teams included) for a period next to the previous period's (members of the organization only)",
  })
  @ApiOkResponse({ description: 'TeamPage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  team(
    @CurrentUser() user: SessionUser,
    @Param() p: TeamParamsDto,
    @Query() q: PeriodQueryDto,
  ): Promise<TeamPage> {
    return this.teams.teamPage(user, p.org, p.team, q);
  }

  @Get('people/:login')
  @ApiOperation({
    summary:
      "A person's recent work in the repositories the viewer may read: commits, pull requests, repositories",
  })
  @ApiOkResponse({ description: 'PersonPage (see @trackeep/contracts)' })
  @ApiErrorResponses(400, 401, 404)
  person(@CurrentUser() user: SessionUser, @Param() p: PersonParamsDto): Promise<PersonPage> {
    return this.teams.personPage(user, p.login);
  }
}
