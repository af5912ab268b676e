/** Entities of the simulated world. Timestamps are epoch milliseconds; REST/GraphQL format them. */

export type RepoPermission = 'admin' | 'maintain' | 'push' | 'triage' | 'pull';

export interface SimUser {
  id: number;
  login: string;
  name: string;
  email: string;
  company: string | null;
  location: string | null;
  bio: string | null;
  createdAt: number;
  siteAdmin: boolean;
}

export interface SimTeam {
  id: number;
  orgId: number;
  slug: string;
  name: string;
  description: string;
  privacy: 'closed' | 'secret';
  /** The parent team (nested teams): its members inherit the parent's repository access. Null at the top. */
  parentId: number | null;
  members: Map<number, 'maintainer' | 'member'>;
  repos: Map<number, RepoPermission>;
}

export interface SimOrg {
  id: number;
  login: string;
  name: string;
  description: string;
  createdAt: number;
  members: Map<number, 'admin' | 'member'>;
  /** Members who made their membership public (visible to non-members). */
  publicMembers: Set<number>;
  teams: SimTeam[];
  /** Base permission of members on org repos (GitHub's default is "read"). */
  defaultRepoPermission: RepoPermission | 'none';
}

export interface SimCommitAuthor {
  name: string;
  email: string;
  /** Linked GitHub user (null when the email belongs to nobody: REST `author: null`). */
  userId: number | null;
}

export interface SimFileChange {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  additions: number;
  deletions: number;
}

export interface SimCommit {
  sha: string;
  treeSha: string;
  message: string;
  author: SimCommitAuthor;
  committer: SimCommitAuthor;
  authoredAt: number;
  committedAt: number;
  parents: string[];
  additions: number;
  deletions: number;
  files: SimFileChange[];
}

export interface SimBranch {
  name: string;
  tip: string;
  protected: boolean;
}

export interface SimReview {
  id: number;
  userId: number;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body: string;
  submittedAt: number;
  commitId: string;
}

export interface SimLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface SimPull {
  id: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  draft: boolean;
  locked: boolean;
  authorId: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  mergedAt: number | null;
  mergedById: number | null;
  mergeCommitSha: string | null;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  additions: number;
  deletions: number;
  changedFiles: number;
  commits: number;
  comments: number;
  labels: string[];
  reviews: SimReview[];
  requestedReviewerIds: number[];
}

/** GitHub's deployment status states (REST and webhooks spell them lowercase; GraphQL uppercase). */
export type SimDeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface SimDeploymentStatus {
  id: number;
  state: SimDeploymentState;
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  creatorId: number;
  createdAt: number;
}

export interface SimDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  /** Where it is now: a status may move it to another environment (REST `environment` of a new status). */
  environment: string;
  /** Where it was created for, when a status moved it since. */
  originalEnvironment?: string;
  /** Extra information for the deployer, as the creator gave it (absent: `{}`). */
  payload?: Record<string, unknown> | string;
  description: string | null;
  creatorId: number;
  createdAt: number;
  updatedAt: number;
  productionEnvironment: boolean;
  transientEnvironment: boolean;
  /** Oldest first. */
  statuses: SimDeploymentStatus[];
}

export interface SimRelease {
  id: number;
  tagName: string;
  name: string;
  /** The tagged commit. */
  sha: string;
  targetCommitish: string;
  draft: boolean;
  prerelease: boolean;
  authorId: number;
  createdAt: number;
  publishedAt: number | null;
  updatedAt: number;
}

/** A GitHub Actions workflow of a repository (`.github/workflows/*.yml`). */
export interface SimWorkflow {
  id: number;
  name: string;
  /** `.github/workflows/ci.yml` */
  path: string;
  state: 'active' | 'disabled_manually';
  createdAt: number;
  updatedAt: number;
}

export type SimWorkflowRunStatus = 'queued' | 'in_progress' | 'completed';
export type SimWorkflowRunConclusion = 'success' | 'failure' | 'cancelled';

/** One run of a workflow: queued at `createdAt`, started at `runStartedAt`, completed at `updatedAt`. */
export interface SimWorkflowRun {
  id: number;
  workflowId: number;
  /** The workflow's name when the run was made. */
  name: string;
  headBranch: string;
  headSha: string;
  event: 'push' | 'pull_request';
  status: SimWorkflowRunStatus;
  /** Null until completed. */
  conclusion: SimWorkflowRunConclusion | null;
  /** Counts the workflow's runs, 1 for the first. */
  runNumber: number;
  runAttempt: number;
  /** REST `display_title`: the head commit's first line (push) or the pull request's title. */
  displayTitle: string;
  /** The pull request of a `pull_request` run (REST `pull_requests`), by number. */
  pullNumber: number | null;
  createdAt: number;
  runStartedAt: number;
  updatedAt: number;
  actorId: number;
  triggeringActorId: number;
}

/** A git tag: lightweight (the ref names a commit) or annotated (the ref names a tag object, which names the commit). */
export interface SimTag {
  name: string;
  /** The tagged commit. */
  sha: string;
  annotation: SimTagAnnotation | null;
  createdAt: number;
}

export interface SimTagAnnotation {
  /** The tag object's SHA (what `refs/tags/<name>` points at). */
  sha: string;
  message: string;
  tagger: SimCommitAuthor;
  taggedAt: number;
}

export interface SimIssue {
  id: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  authorId: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  comments: number;
  labels: string[];
  /** Assigned users, at most 10 (world files saved before assignees existed: absent, none). */
  assigneeIds?: number[];
  /** What happened to it after it was opened, oldest first (absent in older world files: see `issueTimeline`). */
  timeline?: SimIssueEvent[];
}

/**
 * An issue's timeline entry (GraphQL `timelineItems`). A close names its closer when a merged pull request
 * ("Fixes #N") or a pushed commit closed it; a person closing it leaves both out.
 */
export type SimIssueEvent =
  | {
      type: 'closed';
      at: number;
      actorId: number;
      stateReason: 'completed' | 'not_planned';
      closerPullId?: number;
      closerCommit?: string;
    }
  | { type: 'reopened'; at: number; actorId: number }
  | { type: 'assigned' | 'unassigned'; at: number; actorId: number; assigneeId: number };

export interface SimStar {
  userId: number;
  starredAt: number;
}

export interface SimHook {
  id: number;
  name: 'web';
  active: boolean;
  events: string[];
  config: { url: string; content_type: 'json' | 'form'; secret?: string; insecure_ssl: '0' | '1' };
  createdAt: number;
  updatedAt: number;
  lastResponse: { code: number | null; status: string; message: string | null };
}

export interface SimDelivery {
  id: number;
  guid: string;
  hookId: number;
  repoId: number;
  event: string;
  action: string | null;
  deliveredAt: number;
  durationMs: number;
  statusCode: number;
  status: string;
  redelivery: boolean;
  requestHeaders: Record<string, string>;
  payload: unknown;
  responseBody: string;
}

/** Repo-level activity feed as returned by GET /repos/{o}/{r}/events. */
export interface SimRepoEvent {
  id: string;
  type: string;
  actorId: number;
  createdAt: number;
  payload: Record<string, unknown>;
}

export interface SimRepo {
  id: number;
  ownerId: number;
  ownerType: 'User' | 'Organization';
  name: string;
  description: string | null;
  homepage: string | null;
  private: boolean;
  visibility: 'public' | 'private' | 'internal';
  fork: boolean;
  parentId: number | null;
  archived: boolean;
  disabled: boolean;
  /** Deleted repos answer 404 everywhere but keep their id for webhooks and node lookups. */
  deleted: boolean;
  defaultBranch: string;
  createdAt: number;
  updatedAt: number;
  pushedAt: number;
  language: string | null;
  languages: Record<string, number>;
  topics: string[];
  license: { key: string; name: string; spdx_id: string } | null;
  forksCount: number;
  watcherIds: Set<number>;
  collaborators: Map<number, RepoPermission>;
  /** Users whose access was revoked (overrides org/team/collaborator grants). */
  revoked: Set<number>;
  hooks: SimHook[];
  /** Generation key of the commit graph (shared with forks). */
  graphKey: number;
  /** Everything below is generated on first use (see SimWorld.detail). */
  detail?: SimRepoDetail;
}

export interface SimRepoDetail {
  branches: Map<string, SimBranch>;
  pulls: SimPull[];
  issues: SimIssue[];
  /** Oldest first. */
  deployments: SimDeployment[];
  /** Oldest first. */
  releases: SimRelease[];
  /** Git tags by name (`refs/tags/<name>`). */
  tags: Map<string, SimTag>;
  /** GitHub Actions workflows (none when the repository does not use Actions). */
  workflows: SimWorkflow[];
  /** Oldest first. */
  workflowRuns: SimWorkflowRun[];
  labels: SimLabel[];
  stars: SimStar[];
  events: SimRepoEvent[];
  nextNumber: number;
}

export interface SimToken {
  token: string;
  userId: number;
  scopes: string[];
  clientId: string | null;
  createdAt: number;
  /** Expiring user tokens (GitHub Apps with token expiration on): epoch ms after which the token answers 401. */
  expiresAt?: number | null;
  /** Set for user-to-server tokens of a GitHub App (`ghu_`): they reach only where the App is installed. */
  githubAppId?: number | null;
}

export interface SimOAuthApp {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Registered callback URL; when set, redirect_uri must be on its host/port and under its path. */
  callbackUrl: string | null;
  /** The GitHub App this client id belongs to (its user tokens are `ghu_`, maybe expiring). */
  githubAppId?: number | null;
}

/** Access levels of a GitHub App permission (`contents: 'read'`, …), as in the REST `app-permissions` schema. */
export type AppPermissionLevel = 'read' | 'write' | 'admin';
export type AppPermissions = Record<string, AppPermissionLevel>;

/** A registered GitHub App. Only the public half of its key is kept; the private key stays with its owner. */
export interface SimGithubApp {
  id: number;
  slug: string;
  name: string;
  description: string;
  ownerId: number;
  ownerType: 'User' | 'Organization';
  clientId: string;
  clientSecret: string;
  /** SPKI PEM of the App's private key: JWTs signed with that key authenticate as the App. */
  publicKeyPem: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
  /** Id of the App's webhook (X-GitHub-Hook-ID of its deliveries). */
  hookId: number;
  permissions: AppPermissions;
  events: string[];
  /** "Expire user authorization tokens": user tokens last 8 h and come with a 6-month refresh token. */
  expireUserTokens: boolean;
  /** Where GitHub sends the installer after installing (`?installation_id=…&setup_action=install`). */
  setupUrl: string | null;
  callbackUrl: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SimInstallation {
  id: number;
  appId: number;
  accountId: number;
  accountType: 'User' | 'Organization';
  repositorySelection: 'all' | 'selected';
  /** The chosen repositories when `repositorySelection` is 'selected' (ignored for 'all'). */
  repoIds: Set<number>;
  permissions: AppPermissions;
  events: string[];
  suspendedAt: number | null;
  suspendedById: number | null;
  createdAt: number;
  updatedAt: number;
}

/** An installation access token (`ghs_`), one hour, possibly narrowed to some repositories and permissions. */
export interface SimInstallationToken {
  token: string;
  installationId: number;
  permissions: AppPermissions;
  /** null: every repository of the installation (as it is when the token is used). */
  repoIds: number[] | null;
  createdAt: number;
  expiresAt: number;
}

/** A user-to-server refresh token (`ghr_`): single use, six months. */
export interface SimRefreshToken {
  token: string;
  clientId: string;
  userId: number;
  /** The access token issued with it; refreshing revokes that one too. */
  accessToken: string;
  createdAt: number;
  expiresAt: number;
}
