import type { OrgPolicyBlock, TrackedRepo } from '@trackeep/contracts';
import type { Selectable } from 'kysely';
import type { Json, Repositories } from '../database/db.types';

export type RepoGithubState = TrackedRepo['githubState'];
export type RepoVisibility = TrackedRepo['visibility'];

/** A repository's own fields as the API shows them, its GitHub times as `T` (Dates, or Postgres-formatted text). */
type RepoFields<T> = Omit<
  TrackedRepo,
  'pushedAt' | 'updatedAt' | 'trackedAt' | 'lastSyncAt' | 'lastSyncStatus' | 'githubBlock' | 'webhook'
> & {
  pushedAt: T | null;
  githubUpdatedAt: T | null;
  /** With needs_sso / oauth_app_blocked: the organization policy and where to act. */
  githubBlock: OrgPolicyBlock | null;
};

/**
 * One GitHub repository, shared by every user who tracks it, as RepoAccessService hands it out: the API's fields
 * (times as Dates) plus what only the server keeps.
 */
export type RepositoryRow = RepoFields<Date> & {
  githubHost: string;
  nodeId: string;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * A tracked repository as its list entry shows it: only the columns shown, the times formatted by Postgres
 * (parsing them into Dates and back was a large share of a list page's cost).
 */
export type TrackedRepoRow = RepoFields<string> & { trackedAt: string };

/** The columns RepoFields are read from, with the GitHub times as `T`. */
type RepoColumns<T> = Pick<
  Selectable<Repositories>,
  | 'id'
  | 'github_id'
  | 'owner'
  | 'name'
  | 'full_name'
  | 'description'
  | 'language'
  | 'languages'
  | 'topics'
  | 'visibility'
  | 'default_branch'
  | 'archived'
  | 'stars'
  | 'forks'
  | 'watchers'
  | 'open_issues'
  | 'size_kb'
  | 'html_url'
  | 'github_state'
  | 'github_block'
> & { pushed_at: T | null; github_updated_at: T | null };

function repoFields<T>(r: RepoColumns<T>): RepoFields<T> {
  return {
    id: r.id,
    // bigint arrives as a string; GitHub ids stay far below 2^53, so a number is exact.
    githubId: Number(r.github_id),
    owner: r.owner,
    name: r.name,
    fullName: r.full_name,
    description: r.description,
    language: r.language,
    languages: languageBytes(r.languages),
    topics: r.topics,
    visibility: visibility(r.visibility),
    defaultBranch: r.default_branch,
    archived: r.archived,
    stars: r.stars,
    forks: r.forks,
    watchers: r.watchers,
    openIssues: r.open_issues,
    sizeKb: r.size_kb,
    pushedAt: r.pushed_at,
    githubUpdatedAt: r.github_updated_at,
    htmlUrl: r.html_url,
    githubState: toGithubState(r.github_state),
    githubBlock: orgPolicyBlock(r.github_block),
  };
}

export function toRepositoryRow(r: Selectable<Repositories>): RepositoryRow {
  return Object.assign(repoFields(r), {
    githubHost: r.github_host,
    nodeId: r.node_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

export function toTrackedRepoRow(r: RepoColumns<string> & { tracked_at: string }): TrackedRepoRow {
  return Object.assign(repoFields(r), { trackedAt: r.tracked_at });
}

const VISIBILITIES: readonly RepoVisibility[] = ['public', 'private', 'internal'];
const GITHUB_STATES: readonly RepoGithubState[] = [
  'ok',
  'renamed',
  'transferred',
  'deleted',
  'access_lost',
  'needs_sso',
  'oauth_app_blocked',
];

/** Unknown text is read as the most careful value: private (re-checked), and ok. */
function visibility(value: string): RepoVisibility {
  return VISIBILITIES.find((v) => v === value) ?? 'private';
}

export function toGithubState(value: string): RepoGithubState {
  return GITHUB_STATES.find((s) => s === value) ?? 'ok';
}

function languageBytes(value: Json): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(value)) return out;
  for (const [language, bytes] of Object.entries(value)) if (typeof bytes === 'number') out[language] = bytes;
  return out;
}

function orgPolicyBlock(value: Json | null): OrgPolicyBlock | null {
  if (!isObject(value)) return null;
  const { kind, org, url } = value;
  if ((kind !== 'sso' && kind !== 'oauth_app_policy') || typeof org !== 'string') return null;
  return { kind, org, url: typeof url === 'string' ? url : null };
}

function isObject(value: Json | null | undefined): value is { [key: string]: Json | undefined } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
