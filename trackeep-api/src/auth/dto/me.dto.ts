import { ApiProperty } from '@nestjs/swagger';
import type { Me } from '@trackeep/contracts';

export class MeDto implements Me {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'github.com' }) githubHost!: string;
  @ApiProperty({ example: 583231 }) githubId!: number;
  @ApiProperty({ example: 'octocat' }) login!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true }) avatarUrl!: string | null;
  @ApiProperty({ type: [String], description: 'GitHub OAuth scopes granted', example: ['read:user', 'repo'] })
  scopes!: string[];
}
