import { ApiPropertyOptional } from '@nestjs/swagger';
import { DRILL_KINDS, TEAMS_PERIOD_KINDS, type DrillKind, type TeamsPeriodKind } from '@trackeep/contracts';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class InsightsPeriodQueryDto {
  @ApiPropertyOptional({
    enum: TEAMS_PERIOD_KINDS,
    default: '4w',
    description:
      'week: this calendar week; 4w, quarter: the last 4 / 13 calendar weeks; custom: from and to (UTC)',
  })
  @IsOptional()
  @IsIn(TEAMS_PERIOD_KINDS, { message: `period must be one of ${TEAMS_PERIOD_KINDS.join(', ')}` })
  period?: TeamsPeriodKind;

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

export class DrillQueryDto extends InsightsPeriodQueryDto {
  @ApiPropertyOptional({
    enum: DRILL_KINDS,
    description: 'With format=csv: the table the file holds (deployments, pulls or incidents)',
  })
  @IsOptional()
  @IsIn(DRILL_KINDS, { message: `kind must be one of ${DRILL_KINDS.join(', ')}` })
  kind?: DrillKind;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'], { message: 'format must be json or csv' })
  format?: 'json' | 'csv';
}
