import { Controller, Get } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { GithubRepoDto } from './dto/github-repo.dto';
import { GithubReposService } from './github-repos.service';

@ApiTags('github')
@ApiCookieAuth()
@Controller('github')
export class GithubReposController {
  constructor(private readonly repos: GithubReposService) {}

  @Get('repos')
  @ApiOperation({
    summary:
      'Every repository the user can access on GitHub (all pages), with their permission and tracked flag',
    description: 'Conditional requests with stored ETags: an unchanged list costs no GitHub rate limit.',
  })
  @ApiOkResponse({ type: GithubRepoDto, isArray: true })
  @ApiErrorResponses(401, 429, 502)
  list(@CurrentUser() user: SessionUser): Promise<GithubRepoDto[]> {
    return this.repos.listForUser(user);
  }
}
