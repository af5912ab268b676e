import { Injectable } from '@nestjs/common';
import type { GithubRepo, Page, RepoVisibility } from '@trackeep/contracts';
import type { SessionUser } from '../auth/session-user.type';
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor } from '../common/cursor.util';
import { highestPermission } from './repo-access.service';
import { GithubClientFactory } from '../github/github-client.factory';
import { GithubEtagCache, nextPagePath } from '../github/github-etag-cache.service';
import { rethrowAsUpstream } from '../github/github-upstream-error';
import { GithubSettings } from '../github/github-settings';
import { TrackedReposRepository } from './tracked-repos.repository';

/** The subset of GitHub's REST repository object we read. */
export interface GithubRestRepo {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  owner: { login: string };
  private: boolean;
  visibility?: string;
  description: string | null;
  language: string | null;
  default_branch?: string;
  stargazers_count?: number;
  forks_count?: number;
  watchers_count?: number;
  subscribers_count?: number;
  open_issues_count?: number;
  pushed_at?: string | null;
  updated_at?: string | null;
  permissions?: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean };
}

/** Page numbers past this (10,000 repositories) are refused rather than asked of a misbehaving server. */
const MAX_PAGES = 100;
const FIRST_PAGE =
  '/user/repos?per_page=100&affiliation=owner,collaborator,organization_member&sort=full_name&direction=asc';
const LIST_SCOPE = 'github-repos';

@Injectable()
export class GithubReposService {
  constructor(
    private readonly clients: GithubClientFactory,
    private readonly etags: GithubEtagCache,
    private readonly settings: GithubSettings,
    private readonly tracked: TrackedReposRepository,
  ) {}

  /**
   * One page (GitHub's, 100 repositories) of what the user can access (owned, collaborator, org member), with
   * tracked flags: one conditional GitHub request per page, so a person's first screen never waits for the
   * whole list. A page is reused without asking while GitHub's Cache-Control allows, unless `refresh`. The cursor
   * is the next GitHub page number.
   */
  async listForUser(
    user: SessionUser,
    cursor?: string,
    options: { refresh?: boolean } = {},
  ): Promise<Page<GithubRepo>> {
    const pageNumber = cursor === undefined ? 1 : Number(decodeCursor(cursor, LIST_SCOPE, ['number'])[0]);
    if (cursor !== undefined && (pageNumber < 2 || pageNumber > MAX_PAGES))
      throw ApiException.badRequest('cursor is malformed; pass back the nextCursor of the previous page');
    const octokit = await this.clients.forUser(user.id);
    const path = pageNumber === 1 ? FIRST_PAGE : `${FIRST_PAGE}&page=${pageNumber}`;
    const result = await this.etags
      .get<GithubRestRepo[]>(user.id, octokit, path, { freshness: options.refresh ? 'record' : 'reuse' })
      .catch(rethrowAsUpstream);
    const tracked = await this.tracked.trackedGithubIds(
      user.id,
      user.githubHost,
      result.data.map((r) => r.id),
    );
    const next = nextPagePath(result.link, this.settings.apiUrl) === null ? null : pageNumber + 1;
    return {
      items: result.data.map((r) => ({ ...toGithubRepo(r), tracked: tracked.has(r.id) })),
      nextCursor: next !== null && next <= MAX_PAGES ? encodeCursor(LIST_SCOPE, [next]) : null,
    };
  }
}

export function toGithubRepo(r: GithubRestRepo): Omit<GithubRepo, 'tracked'> {
  return {
    githubId: r.id,
    nodeId: r.node_id,
    owner: r.owner.login,
    name: r.name,
    fullName: r.full_name,
    description: r.description ?? null,
    language: r.language ?? null,
    visibility: visibilityOf(r),
    defaultBranch: r.default_branch ?? 'main',
    stars: r.stargazers_count ?? 0,
    forks: r.forks_count ?? 0,
    // GitHub's watchers_count mirrors stars; subscribers_count is the real watcher count when present.
    watchers: r.subscribers_count ?? r.watchers_count ?? 0,
    openIssues: r.open_issues_count ?? 0,
    pushedAt: r.pushed_at ?? null,
    updatedAt: r.updated_at ?? null,
    permission: highestPermission(r.permissions),
  };
}

function visibilityOf(r: GithubRestRepo): RepoVisibility {
  if (r.visibility === 'public' || r.visibility === 'private' || r.visibility === 'internal')
    return r.visibility;
  return r.private ? 'private' : 'public';
}
