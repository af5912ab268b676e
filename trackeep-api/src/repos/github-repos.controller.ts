import { Controller, Get, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../common/api-error.dto';
import { GithubRepoPageDto } from './dto/github-repo.dto';
import { CursorQueryDto } from './dto/repo-queries.dto';
import { GithubReposService } from './github-repos.service';

export class GithubReposQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({
    description: 'Ask GitHub now (conditionally) even if its Cache-Control still allows the stored page',
    default: false,
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'refresh must be true or false' })
  refresh?: boolean;
}

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
      'A page GitHub fetched for this user is reused while its Cache-Control allows (GitHub sends max-age=60), unless refresh=true; after that, conditional requests with stored ETags: an unchanged page costs no GitHub rate limit. Follow nextCursor for the next page.',
  })
  @ApiOkResponse({ type: GithubRepoPageDto })
  @ApiErrorResponses(400, 401, 429, 502)
  list(@CurrentUser() user: SessionUser, @Query() query: GithubReposQueryDto): Promise<GithubRepoPageDto> {
    return this.repos.listForUser(user, query.cursor, { refresh: query.refresh ?? false });
  }
}
