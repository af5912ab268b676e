import { ApiProperty } from '@nestjs/swagger';
import type { GithubRepo, Page, RepoPermission, RepoVisibility } from '@trackeep/contracts';

export class GithubRepoDto implements GithubRepo {
  @ApiProperty() githubId!: number;
  @ApiProperty() nodeId!: string;
  @ApiProperty() owner!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'octocat/hello-world' }) fullName!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) language!: string | null;
  @ApiProperty({ enum: ['public', 'private', 'internal'] }) visibility!: RepoVisibility;
  @ApiProperty() defaultBranch!: string;
  @ApiProperty() stars!: number;
  @ApiProperty() forks!: number;
  @ApiProperty() watchers!: number;
  @ApiProperty() openIssues!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) pushedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
  @ApiProperty({ enum: ['admin', 'maintain', 'push', 'triage', 'pull'] }) permission!: RepoPermission;
  @ApiProperty({ description: 'Whether the signed-in user tracks it in Trackeep' }) tracked!: boolean;
}

export class GithubRepoPageDto implements Page<GithubRepo> {
  @ApiProperty({ type: [GithubRepoDto] }) items!: GithubRepoDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
