import { ApiPropertyOptional } from '@nestjs/swagger';
import { DRILL_KINDS, TEAMS_PERIOD_KINDS, type DrillKind, type TeamsPeriodKind } from '@trackeep/contracts';
import { IsIn, IsOptional } from 'class-validator';
import { PERIOD_DESCRIPTION, PERIOD_MESSAGE, PeriodRangeQueryDto } from '../teams/teams.dto';

export class InsightsPeriodQueryDto extends PeriodRangeQueryDto {
  @ApiPropertyOptional({ enum: TEAMS_PERIOD_KINDS, default: '4w', description: PERIOD_DESCRIPTION })
  @IsOptional()
  @IsIn(TEAMS_PERIOD_KINDS, { message: PERIOD_MESSAGE })
  period?: TeamsPeriodKind;
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
