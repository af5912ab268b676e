import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACTIVITY_TYPE_NAMES, type ActivityEvent, type ActivityType, type Page } from '@trackeep/contracts';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '../../repos/dto/repo-queries.dto';

/** GitHub's owner and repository name syntax, joined by a slash (as RepoParamsDto checks them apart). */
const FULL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

/** An organization login and a team slug, joined by a slash. */
const TEAM = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export class ActivityQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only this tracked repository (owner/name)',
    example: 'octocat/hello-world',
  })
  @IsOptional()
  @Matches(FULL_NAME, { message: 'repo must be owner/name of a GitHub repository, e.g. octocat/hello-world' })
  repo?: string;

  @ApiPropertyOptional({
    description:
      "Only the repositories of this team (org/team-slug; its own and its parent teams' repositories) that you may read",
    example: 'acme-corp/platform',
  })
  @IsOptional()
  @Matches(TEAM, { message: 'team must be organization/team-slug, e.g. acme-corp/platform' })
  team?: string;

  @ApiPropertyOptional({ enum: ACTIVITY_TYPE_NAMES, description: 'Only this kind of event' })
  @IsOptional()
  @IsIn(ACTIVITY_TYPE_NAMES, { message: `type must be one of: ${ACTIVITY_TYPE_NAMES.join(', ')}` })
  type?: ActivityType;
}

export class ActivityEventDto implements ActivityEvent {
  @ApiProperty({ description: 'Monotonic id; also the SSE event id' }) id!: string;
  @ApiProperty({ format: 'uuid' }) repoId!: string;
  @ApiProperty() repoFullName!: string;
  @ApiProperty({ enum: ACTIVITY_TYPE_NAMES }) type!: ActivityType;
  @ApiProperty({ type: String, nullable: true }) actor!: string | null;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) url!: string | null;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Event detail, e.g. { commits: 3, ref: "main" }',
  })
  data!: Record<string, unknown>;
}

export class ActivityPageDto implements Page<ActivityEvent> {
  @ApiProperty({ type: [ActivityEventDto] }) items!: ActivityEventDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
