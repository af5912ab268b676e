import { Controller, Get, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { GithubRepoPageDto } from './dto/github-repo.dto';
import { CursorQueryDto } from './dto/repo-queries.dto';
import { GithubReposService } from './github-repos.service';

@ApiTags('github')
@ApiCookieAuth()
@Controller('github')
export class GithubReposController {
  constructor(private readonly repos: GithubReposService) {}

  @Get('repos')
  @ApiOperation({
    summary:
      'Repositories the user can access on GitHub, one GitHub page (100) at a time, with their permission and tracked flag',
    description:
      'Conditional requests with stored ETags: an unchanged page costs no GitHub rate limit. Follow nextCursor for the next page.',
  })
  @ApiOkResponse({ type: GithubRepoPageDto })
  @ApiErrorResponses(400, 401, 429, 502)
  list(@CurrentUser() user: SessionUser, @Query() query: CursorQueryDto): Promise<GithubRepoPageDto> {
    return this.repos.listForUser(user, query.cursor);
  }
}
