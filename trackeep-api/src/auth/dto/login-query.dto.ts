import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LoginQueryDto {
  @ApiPropertyOptional({
    description: 'Same-origin path to return to after sign-in; anything else becomes "/"',
    example: '/repos',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  returnTo?: string;
}
