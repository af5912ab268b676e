import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { TrackedRepo } from '@trackeep/contracts';
import { DataSource } from 'typeorm';
import type { SessionUser } from '../auth/session-user.type';
import { ApiException } from '../common/api-exception';
import { fromPgText, pgText } from '../common/pg-text.util';
import { GithubClientFactory } from '../github/github-client.factory';
import { rethrowAsUpstream, type GithubRestRepo } from '../github/github-repos.service';
import { highestPermission, RepoAccessService } from './repo-access.service';
import { RepoStatusRegistry } from './repo-status.registry';
import { RepoTrackingEvents } from './repo-tracking.events';
import { RepositoryEntity } from './repository.entity';

/** GitHub's full repository object adds these to the list fields. */
interface GithubRestRepoFull extends GithubRestRepo {
  archived?: boolean;
  topics?: string[];
  size?: number;
  html_url: string;
}

type TrackedRow = RepositoryEntity & { trackedAt: Date };

@Injectable()
export class ReposService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
    let gh: GithubRestRepoFull;
    try {
      gh = (await octokit.request('GET /repos/{owner}/{repo}', { owner, repo: name }))
        .data as unknown as GithubRestRepoFull;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 451 || (status === 403 && !isRateLimit(err)))
        throw ApiException.repoNotFound(owner, name);
      rethrowAsUpstream(err);
    }
    const { repoId, created } = await this.dataSource.transaction(async (tx) => {
      const [row] = (await tx.query(
        `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, description, language, topics,
           visibility, default_branch, archived, stars, forks, watchers, open_issues, size_kb, pushed_at, github_updated_at, html_url, github_state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 'ok')
         ON CONFLICT (github_host, github_id) DO UPDATE SET
           node_id = EXCLUDED.node_id, owner = EXCLUDED.owner, name = EXCLUDED.name, full_name = EXCLUDED.full_name,
           description = EXCLUDED.description, language = EXCLUDED.language, topics = EXCLUDED.topics,
           visibility = EXCLUDED.visibility, default_branch = EXCLUDED.default_branch, archived = EXCLUDED.archived,
           stars = EXCLUDED.stars, forks = EXCLUDED.forks, watchers = EXCLUDED.watchers, open_issues = EXCLUDED.open_issues,
           size_kb = EXCLUDED.size_kb, pushed_at = EXCLUDED.pushed_at, github_updated_at = EXCLUDED.github_updated_at,
           html_url = EXCLUDED.html_url, github_state = 'ok', updated_at = now()
         RETURNING id`,
        [
          user.githubHost,
          gh.id,
          gh.node_id,
          gh.owner.login,
          gh.name,
          gh.full_name,
          pgText(gh.description ?? null),
          gh.language ?? null,
          gh.topics ?? [],
          gh.visibility === 'internal' ? 'internal' : gh.private ? 'private' : 'public',
          gh.default_branch ?? 'main',
          gh.archived ?? false,
          gh.stargazers_count ?? 0,
          gh.forks_count ?? 0,
          gh.subscribers_count ?? gh.watchers_count ?? 0,
          gh.open_issues_count ?? 0,
          gh.size ?? 0,
          gh.pushed_at ?? null,
          gh.updated_at ?? null,
          gh.html_url,
        ],
      )) as Array<{ id: string }>;
      const id = row?.id;
      if (!id) throw new Error('repository upsert returned no row');
      await tx.query(
        `INSERT INTO repo_access (user_id, repo_id, permission, checked_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (user_id, repo_id) DO UPDATE SET permission = EXCLUDED.permission, checked_at = now()`,
        [user.id, id, highestPermission(gh.permissions)],
      );
      const inserted = (await tx.query(
        `INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING repo_id`,
        [user.id, id],
      )) as unknown[];
      return { repoId: id, created: inserted.length > 0 };
    });
    if (created) await this.events.emitTracked({ userId: user.id, repoId, fullName: gh.full_name });
    const [repo] = await this.trackedRepos(user.id, repoId);
    if (!repo) throw ApiException.repoNotFound(owner, name); // access revoked in between
    return { repo, created };
  }

  /** Stops tracking; 404 when the user does not track it (so nothing is learnt about other users' repos). */
  async untrack(user: SessionUser, owner: string, name: string): Promise<void> {
    const rows = (await this.dataSource.query(
      `WITH target AS (
         SELECT t.repo_id, r.full_name FROM tracked_repos t JOIN repositories r ON r.id = t.repo_id
         WHERE t.user_id = $1 AND r.github_host = $2 AND lower(r.full_name) = lower($3)
       ), gone AS (
         DELETE FROM tracked_repos t USING target WHERE t.user_id = $1 AND t.repo_id = target.repo_id RETURNING t.repo_id
       ), access AS (
         DELETE FROM repo_access a USING target WHERE a.user_id = $1 AND a.repo_id = target.repo_id
       )
       SELECT gone.repo_id, target.full_name FROM gone JOIN target USING (repo_id)`,
      [user.id, user.githubHost, `${owner}/${name}`],
    )) as Array<{ repo_id: string; full_name: string }>;
    const [row] = rows;
    if (!row) throw ApiException.repoNotFound(owner, name);
    await this.events.emitUntracked({ userId: user.id, repoId: row.repo_id, fullName: row.full_name });
  }

  /** The user's tracked repositories they can still read, with latest stats and sync/webhook state. */
  async list(userId: string): Promise<TrackedRepo[]> {
    await this.access.readableRepoIds(userId); // asks GitHub again about answers that are too old
    return this.trackedRepos(userId);
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

  private async trackedRepos(userId: string, onlyRepoId?: string): Promise<TrackedRepo[]> {
    const qb = this.dataSource
      .getRepository(RepositoryEntity)
      .createQueryBuilder('r')
      .innerJoin('tracked_repos', 't', 't.repo_id = r.id AND t.user_id = :userId', { userId })
      .innerJoin('repo_access', 'a', 'a.repo_id = r.id AND a.user_id = :userId', { userId })
      .addSelect('t.tracked_at', 'tracked_at')
      .orderBy('lower(r.full_name)', 'ASC');
    if (onlyRepoId) qb.andWhere('r.id = :onlyRepoId', { onlyRepoId });
    const { entities, raw } = await qb.getRawAndEntities<{ r_id: string; tracked_at: Date }>();
    const trackedAt = new Map(raw.map((r) => [r.r_id, r.tracked_at]));
    const rows: TrackedRow[] = entities.map((e) =>
      Object.assign(e, { trackedAt: trackedAt.get(e.id) ?? e.createdAt }),
    );
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
        pushedAt: iso(r.pushedAt),
        updatedAt: iso(r.githubUpdatedAt),
        htmlUrl: r.htmlUrl,
        trackedAt: r.trackedAt.toISOString(),
        lastSyncAt: sync.lastSyncAt === null ? null : new Date(sync.lastSyncAt).toISOString(),
        lastSyncStatus: sync.lastSyncStatus,
        githubState: r.githubState,
        githubBlock: r.githubBlock ?? null,
        webhook: status.webhook(r.id),
      };
    });
  }
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function isRateLimit(err: unknown): boolean {
  const headers = (err as { response?: { headers?: Record<string, string> } }).response?.headers;
  return headers?.['x-ratelimit-remaining'] === '0' || headers?.['retry-after'] !== undefined;
}
