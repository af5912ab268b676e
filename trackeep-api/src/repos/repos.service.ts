import { Injectable } from '@nestjs/common';
import { PAGE_SIZE_DEFAULT, type Page, type TrackedRepo } from '@trackeep/contracts';
import type { SessionUser } from '../auth/session-user.type';
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor } from '../common/cursor.util';
import { fromPgText } from '../common/pg-text.util';
import { GithubClientFactory } from '../github/github-client.factory';
import { rethrowAsUpstream } from '../github/github-upstream-error';
import { highestPermission, RepoAccessService } from './repo-access.service';
import { RepoStatusRegistry } from './repo-status.registry';
import { RepoTrackingEvents } from './repo-tracking.events';
import type { TrackedRepoRow } from './repository-row';
import { TrackedReposRepository } from './tracked-repos.repository';

const LIST_SCOPE = 'repos';

@Injectable()
export class ReposService {
  constructor(
    private readonly tracked: TrackedReposRepository,
    private readonly clients: GithubClientFactory,
    private readonly access: RepoAccessService,
    private readonly events: RepoTrackingEvents,
    private readonly status: RepoStatusRegistry,
  ) {}

  /**
   * Starts tracking `owner/name` for the user. GitHub is asked with the user's own token, so only repositories
   * the user can read are tracked; the answer also records their access. Two users share one repository row.
   */
  async track(
    user: SessionUser,
    owner: string,
    name: string,
  ): Promise<{ repo: TrackedRepo; created: boolean }> {
    const octokit = await this.clients.forUser(user.id);
    const gh = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo: name }).then(
      (res) => res.data,
      (err: unknown) => {
        const status = (err as { status?: number }).status;
        if (status === 404 || status === 451 || (status === 403 && !isRateLimit(err)))
          throw ApiException.repoNotFound(owner, name);
        return rethrowAsUpstream(err);
      },
    );
    const { repoId, created } = await this.tracked.track(
      user.id,
      {
        github_host: user.githubHost,
        github_id: gh.id,
        node_id: gh.node_id,
        owner: gh.owner.login,
        name: gh.name,
        full_name: gh.full_name,
        description: gh.description ?? null,
        language: gh.language ?? null,
        topics: gh.topics ?? [],
        visibility: gh.visibility === 'internal' ? 'internal' : gh.private ? 'private' : 'public',
        default_branch: gh.default_branch ?? 'main',
        archived: gh.archived ?? false,
        stars: gh.stargazers_count ?? 0,
        forks: gh.forks_count ?? 0,
        watchers: gh.subscribers_count ?? gh.watchers_count ?? 0,
        open_issues: gh.open_issues_count ?? 0,
        size_kb: gh.size ?? 0,
        pushed_at: gh.pushed_at ?? null,
        github_updated_at: gh.updated_at ?? null,
        html_url: gh.html_url,
      },
      highestPermission(gh.permissions),
    );
    if (created) await this.events.emitTracked({ userId: user.id, repoId, fullName: gh.full_name });
    const [repo] = await this.trackedRepos(user.id, repoId);
    if (!repo) throw ApiException.repoNotFound(owner, name); // access revoked in between
    return { repo, created };
  }

  /** Stops tracking; 404 when the user does not track it (so nothing is learnt about other users' repos). */
  async untrack(user: SessionUser, owner: string, name: string): Promise<void> {
    const row = await this.tracked.untrack(user.id, user.githubHost, `${owner}/${name}`);
    if (!row) throw ApiException.repoNotFound(owner, name);
    await this.events.emitUntracked({ userId: user.id, ...row });
  }

  /**
   * One page of the user's tracked repositories they can still read, by full name (any case), with latest
   * stats and sync/webhook state.
   */
  async list(userId: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<TrackedRepo>> {
    const limit = query.limit ?? PAGE_SIZE_DEFAULT;
    let after: { name: string; id: string } | undefined;
    if (query.cursor !== undefined) {
      const [name, id] = decodeCursor(query.cursor, LIST_SCOPE, ['string', 'uuid']) as [string, string];
      after = { name, id };
    }
    // Asks GitHub again about answers that are too old, once per walk through the list.
    if (after === undefined) await this.access.recheckStale(userId);
    const rows = await this.tracked.listReadable(userId, { after, limit: limit + 1 });
    const shown = await this.toTrackedRepos(rows.slice(0, limit));
    const more = rows.length > limit;
    const last = rows[limit - 1];
    return {
      items: shown,
      nextCursor: more && last ? encodeCursor(LIST_SCOPE, [last.sortName, last.id]) : null,
    };
  }

  async get(user: SessionUser, owner: string, name: string): Promise<TrackedRepo> {
    const repo = await this.access.findReadable(user.id, owner, name);
    const [tracked] = await this.trackedRepos(user.id, repo.id);
    if (!tracked) throw ApiException.repoNotFound(owner, name);
    return tracked;
  }

  /** The repository as `userId` sees it in their list, or null when they do not track it or cannot read it. */
  async findTracked(userId: string, repoId: string): Promise<TrackedRepo | null> {
    const [tracked] = await this.trackedRepos(userId, repoId);
    return tracked ?? null;
  }

  /** The repository as each of these users sees it, from one read (live updates to many dashboards). */
  async findTrackedForUsers(repoId: string, userIds: string[]): Promise<Map<string, TrackedRepo>> {
    const rows = await this.tracked.readableBy(repoId, userIds);
    const repos = await this.toTrackedRepos(rows);
    return new Map(repos.map((repo, i) => [rows[i]?.userId ?? '', repo]));
  }

  /** The repository's names and whether anyone tracks it (hook registration); null when unknown. */
  findWithTracking(repoId: string) {
    return this.tracked.findWithTracking(repoId);
  }

  /** Every (user, repository) tracking pair, by user then repository (the sync cycle's detection pass). */
  allTracking() {
    return this.tracked.allTracking();
  }

  private async trackedRepos(userId: string, onlyRepoId: string): Promise<TrackedRepo[]> {
    return this.toTrackedRepos(await this.tracked.listReadable(userId, { onlyRepoId }));
  }

  private async toTrackedRepos(rows: TrackedRepoRow[]): Promise<TrackedRepo[]> {
    const status = await this.status.lookup(rows.map((r) => r.id));
    return rows.map((r) => {
      const sync = status.sync(r.id);
      return {
        id: r.id,
        githubId: r.githubId,
        owner: r.owner,
        name: r.name,
        fullName: r.fullName,
        description: fromPgText(r.description),
        language: r.language,
        languages: r.languages,
        topics: r.topics,
        visibility: r.visibility,
        defaultBranch: r.defaultBranch,
        archived: r.archived,
        stars: r.stars,
        forks: r.forks,
        watchers: r.watchers,
        openIssues: r.openIssues,
        sizeKb: r.sizeKb,
        pushedAt: r.pushedAt,
        updatedAt: r.githubUpdatedAt,
        htmlUrl: r.htmlUrl,
        trackedAt: r.trackedAt,
        lastSyncAt: sync.lastSyncAt === null ? null : new Date(sync.lastSyncAt).toISOString(),
        lastSyncStatus: sync.lastSyncStatus,
        githubState: r.githubState,
        githubBlock: r.githubBlock ?? null,
        webhook: status.webhook(r.id),
      };
    });
  }
}

function isRateLimit(err: unknown): boolean {
  const headers = (err as { response?: { headers?: Record<string, string> } }).response?.headers;
  return headers?.['x-ratelimit-remaining'] === '0' || headers?.['retry-after'] !== undefined;
}
