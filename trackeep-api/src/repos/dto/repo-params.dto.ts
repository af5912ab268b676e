import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** `{owner}/{repo}` path parameters, in GitHub's own name syntax (anything else cannot exist there). */
export class RepoParamsDto {
  @ApiProperty({ example: 'octocat' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/, {
    message: 'owner must be a GitHub user or organisation name (letters, digits, - and _, up to 39)',
  })
  owner!: string;

  @ApiProperty({ example: 'hello-world' })
  @Matches(/^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/, {
    message: 'repo must be a GitHub repository name (letters, digits, ., - and _, up to 100)',
  })
  repo!: string;
}
