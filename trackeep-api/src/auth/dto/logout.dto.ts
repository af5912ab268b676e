import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class LogoutDto {
  @ApiPropertyOptional({
    description: 'Also ask the gateway to revoke the GitHub grant (the stored token is deleted either way)',
  })
  @IsOptional()
  @IsBoolean()
  revokeGitHub?: boolean;
}
