import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  WEEKLY_CHART_DEFAULT_WEEKS,
  WEEKLY_CHART_MAX_WEEKS,
} from '@trackeep/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;
/** Calendar dates and date-times only (ISO-8601 also allows week and ordinal dates, which Postgres does not read). */
const DATE_OR_DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Lists whose page size is fixed by their source (GitHub's pages): only the cursor. */
export class CursorQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_SIZE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}

export class CommitsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only commits reachable from this branch (as last synced)',
    example: 'main',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(NO_CONTROL_CHARS, { message: 'branch must not contain control characters' })
  branch?: string;

  @ApiPropertyOptional({ description: 'GitHub login, e-mail or name of the author (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(NO_CONTROL_CHARS, { message: 'author must not contain control characters' })
  author?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Committed at or after' })
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'since must be an ISO-8601 date or date-time' },
  )
  @Matches(DATE_OR_DATETIME, {
    message: 'since must be a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)',
  })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Committed before' })
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'until must be an ISO-8601 date or date-time' },
  )
  @Matches(DATE_OR_DATETIME, {
    message: 'until must be a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)',
  })
  until?: string;

  @ApiPropertyOptional({ description: 'Text to find in the commit message (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARS, { message: 'q must not contain control characters' })
  q?: string;
}

export class PullsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: ['open', 'closed', 'merged', 'all'],
    default: 'all',
    description: '"closed" means closed without merging',
  })
  @IsOptional()
  @IsIn(['open', 'closed', 'merged', 'all'])
  state?: 'open' | 'closed' | 'merged' | 'all';

  @ApiPropertyOptional({ description: 'GitHub login of the author (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS, { message: 'author must not contain control characters' })
  author?: string;

  @ApiPropertyOptional({ enum: ['created', 'updated'], default: 'updated' })
  @IsOptional()
  @IsIn(['created', 'updated'])
  sort?: 'created' | 'updated';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  direction?: 'asc' | 'desc';
}

export class StatsHistoryQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Default: 90 days ago' })
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'since must be an ISO-8601 date or date-time' },
  )
  @Matches(DATE_OR_DATETIME, {
    message: 'since must be a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)',
  })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now' })
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'until must be an ISO-8601 date or date-time' },
  )
  @Matches(DATE_OR_DATETIME, {
    message: 'until must be a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)',
  })
  until?: string;
}

export class WeeksQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: WEEKLY_CHART_MAX_WEEKS,
    default: WEEKLY_CHART_DEFAULT_WEEKS,
    description: 'Weeks back, this week included',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(WEEKLY_CHART_MAX_WEEKS)
  weeks?: number;
}
