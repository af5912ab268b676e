import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, Matches } from 'class-validator';
import type { UpdateGithubInstallation } from '@trackeep/contracts';

export class InstallationParamsDto {
  @ApiProperty({ example: '42', description: "GitHub's installation id" })
  @Matches(/^\d{1,15}$/, { message: 'id must be a GitHub installation id (digits)' })
  id!: string;
}

export class UpdateInstallationDto implements UpdateGithubInstallation {
  @ApiProperty({ description: 'Track every repository the installation covers, including new ones' })
  @IsBoolean()
  autoTrack!: boolean;
}
