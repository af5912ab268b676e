import { Injectable } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { GithubTokenUnavailableException } from '../auth/github-token-unavailable.exception';
import {
  GithubClientFactory,
  type GithubClientOptions,
  type TrackeepOctokit,
} from '../github/github-client.factory';
import { installationCredentialId } from '../github/github-octokit';
import {
  InstallationTokenService,
  InstallationUnavailableError,
} from '../installations/installation-token.service';
import { InstallationsRepository } from '../installations/installations.repository';
import { RepoAccessRepository } from './repo-access.repository';
import { permissionRank } from './repo-permission.util';

/**
 * Who acts for a repository: `installationId` set when it is a GitHub App installation, whose `userId` is then
 * the credential's id (`installation:<id>`, keys in-memory limits and metrics), not a user.
 */
export interface RepoCredential {
  userId: string;
  installationId?: number;
  octokit: TrackeepOctokit;
}

/**
 * How long a token an organization policy refused for a repository is asked after the others: long enough that
 * the refusal costs a request now and then rather than every sync, short enough to notice an authorization soon.
 */
const POLICY_REFUSAL_MEMORY_MS = 6 * 3600_000;

/** Credentials a caller already saw refused for this repository (an organization policy), to pass over. */
export interface CredentialSkip {
  userIds?: string[];
  installation?: boolean;
}

/** Whose GitHub credentials background work on a repository acts with. */
@Injectable()
export class RepoCredentials {
  constructor(
    private readonly access: RepoAccessRepository,
    private readonly github: GithubClientFactory,
    private readonly installations: InstallationsRepository,
    private readonly installationTokens: InstallationTokenService,
  ) {}

  /**
   * Reading: a GitHub App installation that covers the repository, when there is one (its budget, and
   * independent of any person); otherwise, and for more than read access (webhook management; the App's
   * own webhook covers its repositories), a user who tracks the repository, still has access and a usable
   * token, preferring the highest permission (tokens an organization policy refused lately last). Null when nobody
   * qualifies.
   */
  async forRepo(
    repoId: string,
    options: GithubClientOptions & { minPermission?: RepoPermission; skip?: CredentialSkip } = {},
  ): Promise<RepoCredential | null> {
    const { skip, ...clientOptions } = options;
    const min = permissionRank(options.minPermission ?? 'pull');
    if (min === permissionRank('pull') && !skip?.installation) {
      const installation = await this.forInstallation(repoId, clientOptions);
      if (installation) return installation;
    }
    const lately = (c: { policyRefusedAt: Date | null }) => (refusedLately(c.policyRefusedAt) ? 1 : 0);
    const ranked = (await this.access.trackersWithAccess(repoId))
      .filter((c) => permissionRank(c.permission) >= min && !skip?.userIds?.includes(c.userId))
      .sort((a, b) => lately(a) - lately(b) || permissionRank(b.permission) - permissionRank(a.permission));
    // An expired token that cannot be refreshed just now says nothing about access: if nobody else can act,
    // the caller fails and retries rather than concluding nobody qualifies.
    let unavailable: GithubTokenUnavailableException | null = null;
    for (const { userId } of ranked) {
      try {
        const octokit = await this.github.forUserIfUsable(userId, { mode: 'background', ...clientOptions });
        if (octokit) return { userId, octokit };
      } catch (err) {
        if (!(err instanceof GithubTokenUnavailableException)) throw err;
        unavailable = err;
      }
    }
    if (unavailable) throw unavailable;
    return null;
  }

  /**
   * Runs `call` as the credential forRepo picks (`preferred` first, when GitHub last gave them the permission),
   * then as the next while `refused(err)` says GitHub refused that token rather than the repository: an
   * organization policy (SSO not authorized for it, OAuth App restrictions) binds tokens, and another's may be
   * allowed. Null when nobody qualifies; the last refusal is thrown when everyone was refused.
   */
  async untilAccepted<T>(
    repoId: string,
    options: GithubClientOptions & { minPermission?: RepoPermission; preferred?: string },
    refused: (err: unknown) => boolean,
    call: (credential: RepoCredential) => Promise<T>,
  ): Promise<{ credential: RepoCredential; value: T } | null> {
    const { preferred, ...rest } = options;
    const skip: Required<CredentialSkip> = { userIds: [], installation: false };
    let refusal: unknown = null;
    for (;;) {
      const credential =
        (await this.preferredUser(repoId, preferred, skip.userIds, rest)) ??
        (await this.forRepo(repoId, { ...rest, skip }));
      if (!credential) {
        if (refusal) throw refusal;
        return null;
      }
      try {
        const value = await call(credential);
        if (credential.installationId === undefined)
          await this.access.clearPolicyRefusal(credential.userId, repoId);
        return { credential, value };
      } catch (err) {
        if (!refused(err)) throw err;
        refusal = err;
        if (credential.installationId !== undefined) skip.installation = true;
        else {
          skip.userIds.push(credential.userId);
          await this.access.notePolicyRefusal(credential.userId, repoId);
        }
      }
    }
  }

  /**
   * `userId`'s client when GitHub last gave them at least `minPermission`, no policy refused their token lately,
   * and it is usable.
   */
  private async preferredUser(
    repoId: string,
    userId: string | undefined,
    skipped: string[],
    options: GithubClientOptions & { minPermission?: RepoPermission },
  ): Promise<RepoCredential | null> {
    if (!userId || skipped.includes(userId)) return null;
    const standing = await this.access.standing(userId, repoId);
    if (
      !standing ||
      refusedLately(standing.policyRefusedAt) ||
      permissionRank(standing.permission) < permissionRank(options.minPermission ?? 'pull')
    )
      return null;
    const { minPermission: _min, ...clientOptions } = options;
    try {
      const octokit = await this.github.forUserIfUsable(userId, { mode: 'background', ...clientOptions });
      return octokit ? { userId, octokit } : null;
    } catch (err) {
      if (err instanceof GithubTokenUnavailableException) return null;
      throw err;
    }
  }

  /** The covering installation's client; null when none covers it or GitHub refused it a token (now marked). */
  private async forInstallation(
    repoId: string,
    options: GithubClientOptions,
  ): Promise<RepoCredential | null> {
    if (!this.installationTokens.enabled) return null;
    const installationId = await this.installations.coveringRepo(repoId);
    return installationId === null ? null : this.installationClient(installationId, options);
  }

  /**
   * The GitHub App installation on an organization that may read its members and teams (`members`
   * permission), as a client; null without one, or when GitHub refused it a token (now marked).
   */
  async forOrganization(
    host: string,
    orgLogin: string,
    options: GithubClientOptions = {},
  ): Promise<RepoCredential | null> {
    if (!this.installationTokens.enabled) return null;
    const installationId = await this.installations.activeOnOrganization(host, orgLogin, 'members');
    return installationId === null ? null : this.installationClient(installationId, options);
  }

  /** A client acting as the installation; null when GitHub refused it a token (the installation is now marked). */
  private async installationClient(
    installationId: number,
    options: GithubClientOptions,
  ): Promise<RepoCredential | null> {
    try {
      const { token } = await this.installationTokens.token(installationId);
      return {
        userId: installationCredentialId(installationId),
        installationId,
        octokit: this.github.forInstallation(installationId, token, { mode: 'background', ...options }),
      };
    } catch (err) {
      if (err instanceof InstallationUnavailableError) return null;
      throw err;
    }
  }

  /** GitHub rejected the installation's token (401): the next call asks for a new one (and learns why). */
  async installationRejected(installationId: number): Promise<void> {
    await this.installationTokens.rejected(installationId);
  }

  /** GitHub says the installation's token cannot read the repository: it no longer covers it. */
  async installationLost(installationId: number, repoId: string): Promise<void> {
    await this.installations.uncoverRepo(installationId, repoId);
  }
}

function refusedLately(at: Date | null): boolean {
  return at !== null && at.getTime() > Date.now() - POLICY_REFUSAL_MEMORY_MS;
}
