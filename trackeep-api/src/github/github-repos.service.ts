import { HttpStatus, Injectable } from '@nestjs/common';
import type { GithubRepo, RepoVisibility } from '@trackeep/contracts';
import type { SessionUser } from '../auth/session-user.type';
import { ApiException } from '../common/api-exception';
import { highestPermission } from '../repos/repo-access.service';
import { GithubClientFactory } from './github-client.factory';
import { GithubEtagCache, nextPagePath } from './github-etag-cache.service';
import { GithubReposRepository } from './github-repos.repository';
import { GithubSettings } from './github-settings';

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

/** Stop after this many pages (10,000 repositories) rather than loop forever on a misbehaving server. */
const MAX_PAGES = 100;
const FIRST_PAGE =
  '/user/repos?per_page=100&affiliation=owner,collaborator,organization_member&sort=full_name&direction=asc';

@Injectable()
export class GithubReposService {
  constructor(
    private readonly clients: GithubClientFactory,
    private readonly etags: GithubEtagCache,
    private readonly settings: GithubSettings,
    private readonly store: GithubReposRepository,
  ) {}

  /** Every repository the user can access (owned, collaborator, org member), all pages, with tracked flags. */
  async listForUser(user: SessionUser): Promise<GithubRepo[]> {
    const octokit = await this.clients.forUser(user.id);
    const repos: GithubRestRepo[] = [];
    let path: string | null = FIRST_PAGE;
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const result: { data: GithubRestRepo[]; link: string | null } = await this.etags
        .get<GithubRestRepo[]>(user.id, octokit, path)
        .catch(rethrowAsUpstream);
      repos.push(...result.data);
      path = nextPagePath(result.link, this.settings.apiUrl);
    }
    const tracked = await this.store.trackedGithubIds(
      user.id,
      user.githubHost,
      repos.map((r) => r.id),
    );
    return repos.map((r) => ({ ...toGithubRepo(r), tracked: tracked.has(r.id) }));
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

/** GitHub errors other than the ones already mapped become 502/503 for our client, never a bare 500. */
export function rethrowAsUpstream(err: unknown): never {
  if (err instanceof ApiException) throw err;
  const status = (err as { status?: number }).status;
  if (status === 403 || status === 429) {
    throw new ApiException(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      'GitHub rate limit reached for your account; try again later',
    );
  }
  throw new ApiException(
    HttpStatus.BAD_GATEWAY,
    undefined,
    `GitHub did not answer as expected${status ? ` (status ${status})` : ''}; try again`,
  );
}
