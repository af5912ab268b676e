import type { OrgPolicyBlock, TrackedRepo } from '@trackeep/contracts';
import type { Selectable } from 'kysely';
import type { Json, Repositories } from '../database/db.types';

export type RepoGithubState = TrackedRepo['githubState'];
export type RepoVisibility = TrackedRepo['visibility'];

/**
 * One GitHub repository, shared by every user who tracks it, as RepoAccessService hands it out: the API's fields
 * (times as Dates) plus what only the server keeps.
 */
export type RepositoryRow = Omit<
  TrackedRepo,
  'pushedAt' | 'updatedAt' | 'trackedAt' | 'lastSyncAt' | 'lastSyncStatus' | 'githubBlock' | 'webhook'
> & {
  githubHost: string;
  nodeId: string;
  pushedAt: Date | null;
  githubUpdatedAt: Date | null;
  /** With needs_sso / oauth_app_blocked: the organization policy and where to act. */
  githubBlock: OrgPolicyBlock | null;
  createdAt: Date;
  updatedAt: Date;
};

export function toRepositoryRow(r: Selectable<Repositories>): RepositoryRow {
  return {
    id: r.id,
    githubHost: r.github_host,
    // bigint arrives as a string; GitHub ids stay far below 2^53, so a number is exact.
    githubId: Number(r.github_id),
    nodeId: r.node_id,
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
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * A tracked repository as its list entry shows it: only the columns shown, the times formatted by Postgres
 * (parsing them into Dates and back was a large share of a list page's cost).
 */
export interface TrackedRepoRow {
  id: string;
  githubId: number;
  owner: string;
  name: string;
  fullName: string;
  description: string | null;
  language: string | null;
  languages: Record<string, number>;
  topics: string[];
  visibility: RepoVisibility;
  defaultBranch: string;
  archived: boolean;
  stars: number;
  forks: number;
  watchers: number;
  openIssues: number;
  sizeKb: number;
  pushedAt: string | null;
  githubUpdatedAt: string | null;
  htmlUrl: string;
  trackedAt: string;
  githubState: RepoGithubState;
  githubBlock: OrgPolicyBlock | null;
}

export function toTrackedRepoRow(r: {
  id: string;
  github_id: string | number | bigint;
  owner: string;
  name: string;
  full_name: string;
  description: string | null;
  language: string | null;
  languages: Json;
  topics: string[];
  visibility: string;
  default_branch: string;
  archived: boolean;
  stars: number;
  forks: number;
  watchers: number;
  open_issues: number;
  size_kb: number;
  pushed_at: string | null;
  github_updated_at: string | null;
  html_url: string;
  tracked_at: string;
  github_state: string;
  github_block: Json | null;
}): TrackedRepoRow {
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
    trackedAt: r.tracked_at,
    githubState: toGithubState(r.github_state),
    githubBlock: orgPolicyBlock(r.github_block),
  };
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
