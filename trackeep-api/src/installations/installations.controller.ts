import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type {
  GithubInstallation,
  GithubInstallationsPage,
  InstallationsPermissions,
  RateLimitBudget,
} from '@trackeep/contracts';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import { ApiException } from '../common/api-exception';
import { GithubRateLimitService } from '../github/github-rate-limit.service';
import { GithubAppSettings } from './github-app-settings';
import { InstallationParamsDto, UpdateInstallationDto } from './installations.dto';
import type { InstallationRow } from './installations.repository';
import { InstallationsService } from './installations.service';

/**
 * The Installations page's API, for instance administrators (TRACKEEP_ADMINS, or owners of an organization
 * the App is installed on). Everyone else gets 404, as if the page did not exist.
 */
@ApiTags('installations')
@Controller('installations')
export class InstallationsController {
  constructor(
    private readonly installations: InstallationsService,
    private readonly settings: GithubAppSettings,
    private readonly rateLimits: GithubRateLimitService,
  ) {}

  @Get('permissions')
  @ApiOperation({ summary: 'Whether the signed-in person may manage GitHub App installations' })
  async permissions(@CurrentUser() user: SessionUser): Promise<InstallationsPermissions> {
    return { canManage: await this.installations.canManage(user) };
  }

  @Get()
  @ApiOperation({
    summary: "The GitHub App's installations and its install link (administrators; 404 otherwise)",
  })
  async list(@CurrentUser() user: SessionUser): Promise<GithubInstallationsPage> {
    await this.requireAdmin(user);
    const [rows, budgets] = await Promise.all([
      this.installations.list(),
      this.rateLimits.installationBudgets(),
    ]);
    return {
      appConfigured: this.settings.app !== null,
      appSlug: this.settings.app?.slug ?? null,
      installUrl: this.settings.installUrl,
      installations: rows.map((row) => toInstallation(row, budgets.get(row.installationId) ?? [])),
    };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Turn auto-track on or off for an installation (administrators; 404 otherwise)' })
  async update(
    @CurrentUser() user: SessionUser,
    @Param() params: InstallationParamsDto,
    @Body() body: UpdateInstallationDto,
  ): Promise<GithubInstallation> {
    await this.requireAdmin(user);
    const row = await this.installations.setAutoTrack(Number(params.id), body.autoTrack);
    if (!row) throw ApiException.notFound('installation_not_found', 'No such installation of the GitHub App');
    const budgets = await this.rateLimits.installationBudgets(row.installationId);
    return toInstallation(row, budgets.get(row.installationId) ?? []);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Re-read the installations and their repositories from GitHub now (administrators)',
  })
  async refresh(@CurrentUser() user: SessionUser): Promise<GithubInstallationsPage> {
    await this.requireAdmin(user);
    await this.installations.refreshAll();
    return this.list(user);
  }

  private async requireAdmin(user: SessionUser): Promise<void> {
    if (!(await this.installations.canManage(user)))
      throw ApiException.notFound('installation_not_found', 'Not found');
  }
}

function toInstallation(row: InstallationRow, budgets: RateLimitBudget[]): GithubInstallation {
  return {
    id: row.installationId,
    account: { login: row.accountLogin, type: row.accountType, id: row.accountId },
    repositorySelection: row.repositorySelection,
    permissions: row.permissions,
    suspended: row.suspendedAt !== null,
    suspendedAt: row.suspendedAt?.toISOString() ?? null,
    removed: row.removedAt !== null,
    removedAt: row.removedAt?.toISOString() ?? null,
    accessError: row.accessError,
    autoTrack: row.autoTrack,
    repositoryCount: row.repositoryCount,
    budgets,
    refreshedAt: row.refreshedAt?.toISOString() ?? null,
  };
}
