import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TEAMS_PERIOD_KINDS, type TeamsPeriodKind } from '@trackeep/contracts';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** A custom period's days; the preset (`period`) and its default are each page's own. */
export class PeriodRangeQueryDto {
  @ApiPropertyOptional({ format: 'date', description: 'First day of a custom period (YYYY-MM-DD)' })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Last day of a custom period, included (YYYY-MM-DD)' })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  to?: string;
}

export const PERIOD_DESCRIPTION =
  'week: this calendar week; 4w, quarter: the last 4 / 13 calendar weeks; custom: from and to (UTC)';
export const PERIOD_MESSAGE = `period must be one of ${TEAMS_PERIOD_KINDS.join(', ')}`;

export class PeriodQueryDto extends PeriodRangeQueryDto {
  @ApiPropertyOptional({ enum: TEAMS_PERIOD_KINDS, default: 'week', description: PERIOD_DESCRIPTION })
  @IsOptional()
  @IsIn(TEAMS_PERIOD_KINDS, { message: PERIOD_MESSAGE })
  period?: TeamsPeriodKind;

  @ApiPropertyOptional({ default: false, description: 'Count bots (type Bot, [bot] logins, BOT_LOGINS) too' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'includeBots must be true or false' })
  includeBots?: boolean;
}

export class OrgParamsDto {
  @ApiProperty({ example: 'acme-corp' })
  @Matches(LOGIN, { message: 'org must be a GitHub organization login' })
  org!: string;
}

export class TeamParamsDto extends OrgParamsDto {
  @ApiProperty({ example: 'core' })
  @Matches(/^[a-z0-9][a-z0-9_-]{0,99}$/i, { message: 'team must be a team slug' })
  team!: string;
}

export class PersonParamsDto {
  @ApiProperty({ example: 'octocat' })
  @Matches(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, { message: 'login must be a GitHub login' })
  login!: string;
}
