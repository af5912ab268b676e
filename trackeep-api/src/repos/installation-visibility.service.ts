import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { UsersService } from '../auth/users.service';
import { GithubClientFactory } from '../github/github-client.factory';
import { GithubSettings } from '../github/github-settings';
import { InstallationsRepository } from '../installations/installations.repository';
import { InstallationsService } from '../installations/installations.service';
import { RepoAccessService } from './repo-access.service';
import { highestPermission } from './repo-permission.util';
import { TrackedReposRepository } from './tracked-repos.repository';

/**
 * Who sees what an installation tracks. A person sees an auto-tracked repository only once GitHub has said, to
 * their own token, that they can read it: their repository list (GET /user/repos) is read at sign-in, after
 * an auto-tracking installation's repositories are read (its webhooks and its schedule), after a `member`,
 * `membership` or `organization` webhook, and the matching
 * repositories are tracked for them with the permission GitHub reported. From then on the usual access rules
 * apply (re-checked with their token, a 404 hides it at once).
 */
@Injectable()
export class InstallationVisibilityService implements OnModuleInit {
  private readonly logger = new Logger(InstallationVisibilityService.name);
  /** One pass over everyone at a time; a request during a pass runs one more after it. */
  private everyone: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly installations: InstallationsService,
    private readonly coverage: InstallationsRepository,
    private readonly users: UsersService,
    private readonly clients: GithubClientFactory,
    private readonly access: RepoAccessService,
    private readonly tracked: TrackedReposRepository,
    private readonly github: GithubSettings,
  ) {}

  onModuleInit(): void {
    if (!this.installations.enabled) return;
    // Not awaited: a person's repository list can take several pages, and sign-in must not wait for it.
    this.users.onTokenReplaced(async (userId) => {
      void this.refreshPerson(userId).catch((err: Error) =>
        this.logger.warn(`installation repositories not matched at sign-in: ${err.message}`),
      );
    });
    this.installations.onReposStored(() => this.refreshEveryone());
    this.installations.onMembershipChanged(() => this.refreshEveryone());
  }

  /** Tracks for the person every auto-tracked repository their own token can read; how many were new. */
  async refreshPerson(userId: string): Promise<number> {
    const covered = new Map(
      (await this.coverage.autoTrackedRepos(this.github.host)).map((r) => [r.githubId, r.repoId]),
    );
    if (!covered.size) return 0;
    const octokit = await this.clients.forUserIfUsable(userId, { mode: 'background' });
    if (!octokit) return 0;
    const readable = await octokit.paginate('GET /user/repos', { per_page: 100 });
    const grants = readable.flatMap((r) => {
      const repoId = covered.get(r.id);
      return repoId ? [{ repoId, permission: highestPermission(r.permissions) }] : [];
    });
    for (const g of grants) await this.access.recordAccess(userId, g.repoId, g.permission);
    return (
      await this.tracked.trackExisting(
        userId,
        grants.map((g) => g.repoId),
      )
    ).length;
  }

  /** refreshPerson for everyone with a live session, one person at a time. */
  refreshEveryone(): Promise<void> {
    if (this.everyone) {
      this.again = true;
      return this.everyone;
    }
    this.everyone = (async () => {
      do {
        this.again = false;
        for (const userId of await this.users.withLiveSession())
          await this.refreshPerson(userId).catch((err: Error) =>
            this.logger.warn(`installation repositories not matched for a person: ${err.message}`),
          );
      } while (this.again);
    })().finally(() => (this.everyone = null));
    return this.everyone;
  }
}
