// Shapes of the Trackeep HTTP API (/api/v1), shared by trackeep-api and trackeep-web.
// Plain types only: no framework, no ORM. Timestamps are ISO-8601 strings as sent over JSON.

export type IsoDateTime = string;

/** Error body of every 4xx/5xx answer. `code` is machine-readable where the client must act on it. */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string | string[];
  code?: ApiErrorCode;
}

export type ApiErrorCode =
  | 'session_missing'
  | 'session_expired'
  | 'session_revoked'
  | 'github_reauth_required'
  | 'github_token_refresh_unavailable'
  | 'repo_not_found'
  | 'repo_access_lost'
  | 'installation_not_found'
  | 'org_not_found'
  | 'team_not_found'
  | 'person_not_found'
  | 'csrf_rejected'
  | 'permission_denied'
  | 'sign_in_failed'
  | 'validation_failed'
  | 'rate_limited'
  | 'service_unavailable';

/**
 * CSRF defence: the web app sends this header (value "1") on every POST/PUT/PATCH/DELETE to /api/v1; the API
 * answers 403 `csrf_rejected` without it, and also when an Origin header names an origin it does not allow.
 */
export const CSRF_HEADER = 'X-Trackeep-CSRF';

/** Keyset-paginated list. `nextCursor` is opaque; pass it back as `?cursor=`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Me {
  id: string;
  githubHost: string;
  githubId: number;
  login: string;
  name: string | null;
  email: string | null;
  avatarUrl: string | null;
  scopes: string[];
}

export type RepoVisibility = 'public' | 'private' | 'internal';
export type RepoPermission = 'admin' | 'maintain' | 'push' | 'triage' | 'pull';

/** A repository the signed-in user can access on GitHub (GET /github/repos). */
export interface GithubRepo {
  githubId: number;
  nodeId: string;
  owner: string;
  name: string;
  fullName: string;
  description: string | null;
  language: string | null;
  visibility: RepoVisibility;
  defaultBranch: string;
  stars: number;
  forks: number;
  watchers: number;
  openIssues: number;
  pushedAt: IsoDateTime | null;
  updatedAt: IsoDateTime | null;
  permission: RepoPermission;
  tracked: boolean;
}

/** `app`: no hook of its own, but an installation of the GitHub App covers it and the App's webhook delivers. */
export type WebhookStatus =
  | 'active'
  | 'failing'
  | 'not_admin'
  | 'not_registered'
  | 'disabled'
  | 'needs_sso'
  | 'oauth_app_blocked'
  | 'app';

/**
 * An organization policy that keeps GitHub from answering for a repository, though access itself is intact:
 * SAML SSO enforcement (the token must be authorized for the organization at `url`), or OAuth App access
 * restrictions (an owner must approve the app; `url` is GitHub's page about it).
 */
export interface OrgPolicyBlock {
  kind: 'sso' | 'oauth_app_policy';
  org: string;
  url: string | null;
}

export interface WebhookHealth {
  status: WebhookStatus;
  lastDeliveryAt: IsoDateTime | null;
  lastError: string | null;
  /** Set with `needs_sso` / `oauth_app_blocked`: what blocks hook management and where to act. */
  block?: OrgPolicyBlock | null;
  /** Deliveries GitHub failed to make that Trackeep had redelivered and received, in the last 24 hours. */
  recoveredLast24h?: number;
}

/** A tracked repository with its latest stats (GET /repos, GET /repos/{owner}/{repo}). */
export interface TrackedRepo {
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
  pushedAt: IsoDateTime | null;
  updatedAt: IsoDateTime | null;
  htmlUrl: string;
  trackedAt: IsoDateTime;
  lastSyncAt: IsoDateTime | null;
  lastSyncStatus: SyncRunStatus | null;
  /**
   * Set when GitHub says the repo moved, was deleted (confirmed), or the user lost access; `needs_sso` and
   * `oauth_app_blocked` keep the stored data visible while an organization policy blocks GitHub's answers.
   */
  githubState:
    'ok' | 'renamed' | 'transferred' | 'deleted' | 'access_lost' | 'needs_sso' | 'oauth_app_blocked';
  /** With `needs_sso` / `oauth_app_blocked`: the organization and the GitHub link to act on. */
  githubBlock?: OrgPolicyBlock | null;
  webhook: WebhookHealth;
}

export interface GitActor {
  name: string | null;
  email: string | null;
  login: string | null;
  date: IsoDateTime;
}

export interface Commit {
  sha: string;
  message: string;
  author: GitActor;
  committer: GitActor;
  additions: number | null;
  deletions: number | null;
  changedFiles: number | null;
  parents: string[];
  htmlUrl: string;
  /** True when GitHub kept refusing the size figures (additions, deletions, changed files): they stay null. */
  figuresUnavailable?: boolean;
}

export type PullState = 'open' | 'closed' | 'merged';

export interface PullRequest {
  number: number;
  title: string;
  state: PullState;
  draft: boolean;
  author: string | null;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
  closedAt: IsoDateTime | null;
  mergedAt: IsoDateTime | null;
  baseRef: string;
  headRef: string;
  additions: number | null;
  deletions: number | null;
  changedFiles: number | null;
  /** True when GitHub kept refusing the size figures (additions, deletions, changed files): they stay null. */
  figuresUnavailable?: boolean;
  commits: number | null;
  reviewCount: number;
  firstReviewAt: IsoDateTime | null;
  labels: string[];
  /** Seconds from creation to merge; null while not merged. */
  cycleTimeSeconds: number | null;
  htmlUrl: string;
}

export interface Branch {
  name: string;
  headSha: string;
  protected: boolean;
  lastCommitAt: IsoDateTime | null;
  /** Against the default branch, as of the last comparison (a sync's refs read); null until compared. */
  aheadBy: number | null;
  behindBy: number | null;
  /**
   * True when this branch or the default branch has moved since the counts were computed (a push seen by webhook):
   * they are recounted at the next sync.
   */
  comparisonStale: boolean;
}

/** Commits of one week (Monday 00:00 UTC onwards), for the commit activity chart. */
export interface WeeklyCommits {
  /** The Monday the week starts on, YYYY-MM-DD (UTC). */
  week: string;
  commits: number;
  additions: number;
  deletions: number;
}

/** Pull requests merged in one week (Monday 00:00 UTC onwards) and their median time from opening to merge. */
export interface WeeklyCycleTime {
  /** The Monday the week starts on, YYYY-MM-DD (UTC). */
  week: string;
  merged: number;
  /** Null when nothing was merged that week. */
  medianSeconds: number | null;
}

/** Cycle time per week, oldest first, and over all the weeks asked for (a median of every merge, not of weeks). */
export interface CycleTimeSummary {
  weeks: WeeklyCycleTime[];
  merged: number;
  medianSeconds: number | null;
}

/**
 * The repository's counters at one time. Before tracking began, points come from the stars and forks history
 * (one per day that gained either), and watchers and open issues are unknown (null).
 */
export interface StatsPoint {
  capturedAt: IsoDateTime;
  stars: number;
  forks: number;
  watchers: number | null;
  openIssues: number | null;
}

/** Every kind of timeline event, in the order filters list them. */
export const ACTIVITY_TYPE_NAMES = [
  'push',
  'pr_opened',
  'pr_merged',
  'pr_closed',
  'pr_reopened',
  'pr_review',
  'branch_created',
  'branch_deleted',
  'release',
  'deployment',
  'star_milestone',
  'repo_renamed',
  'repo_archived',
] as const;

export type ActivityType = (typeof ACTIVITY_TYPE_NAMES)[number];

export interface ActivityEvent {
  /** Monotonic id; also the SSE event id used for Last-Event-ID resumption. */
  id: string;
  repoId: string;
  repoFullName: string;
  type: ActivityType;
  actor: string | null;
  title: string;
  url: string | null;
  occurredAt: IsoDateTime;
  /** Event-specific detail, e.g. { commits: 3, ref: 'main' } or { number: 42 }. */
  data: Record<string, unknown>;
}

export type SyncTrigger = 'schedule' | 'manual' | 'webhook' | 'track';
export type SyncRunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'partial';

export interface SyncRunCounts {
  repository: number;
  commits: number;
  pulls: number;
  branches: number;
  snapshots: number;
  activity: number;
}

export interface SyncRun {
  id: string;
  repoId: string;
  repoFullName: string;
  trigger: SyncTrigger;
  status: SyncRunStatus;
  startedAt: IsoDateTime;
  finishedAt: IsoDateTime | null;
  items: SyncRunCounts;
  graphqlPoints: number;
  restRequests: number;
  notModified: number;
  error: string | null;
}

export interface RepoSyncStatus {
  repoId: string;
  repoFullName: string;
  lastSuccessAt: IsoDateTime | null;
  running: boolean;
  /** 0..100 while running. */
  progress: number | null;
  nextScheduledAt: IsoDateTime | null;
  lastError: string | null;
  /** Set while sync waits for a GitHub rate limit to reset (any shape: primary, secondary, GraphQL body). */
  pausedUntil?: IsoDateTime | null;
  /** Set while an organization policy (SSO, OAuth App restrictions) blocks sync: who and where to act. */
  block?: OrgPolicyBlock | null;
}

export interface RateLimitBudget {
  resource: 'core' | 'graphql';
  limit: number;
  /** The whole `limit` once `resetAt` has passed, whatever was last seen spent before it. */
  remaining: number;
  /** When GitHub restores the budget; in the past when no call has been answered since. */
  resetAt: IsoDateTime;
  /** Set for a GitHub App installation's budget (the repositories it covers sync with it); absent for your token. */
  installation?: { id: number; account: string };
}

/** GET /sync/status: one page of the tracked repositories by name (`limit`, `cursor`), with totals over all. */
export interface SyncStatus {
  repos: RepoSyncStatus[];
  /** Pass back as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
  /** Repositories the user tracks, on every page. */
  tracked: number;
  /** Of those, the ones syncing now. */
  running: number;
  rateLimits: RateLimitBudget[];
}

/** POST /sync and POST /repos/{owner}/{repo}/sync: the runs now waiting (new, or already queued before). */
export interface SyncTriggerResult {
  runs: SyncRun[];
  /** Runs this request queued. */
  queued: number;
  /** Repositories that already had a sync waiting or running; their existing run is listed. */
  alreadyQueued: number;
}

/**
 * GET and PUT /repos/{owner}/{repo}/sync/history: how far back a repository's deployments, releases, tags, issues
 * and workflow runs are read. PUT takes `{ since }`: a day (YYYY-MM-DD), `"all"`, or null for the instance's
 * default (SYNC_HISTORY_DAYS).
 */
export interface SyncHistory {
  repository: string;
  /** The repository's own setting; null: the instance's default applies. */
  since: string | 'all' | null;
  /** The start in force (ISO time), null when everything is read. */
  effectiveSince: string | null;
  /** The instance's default, in days (0: everything). */
  instanceDays: number;
  /** Whether this user may change it (maintain or admin on GitHub). */
  canEdit: boolean;
}

/** `failed`: processing kept failing and the retries ran out; `parked`: stored byte-exact but cannot be applied (`lastError` says why). */
export type WebhookDeliveryStatus = 'pending' | 'processing' | 'processed' | 'ignored' | 'failed' | 'parked';

export interface WebhookDelivery {
  id: string;
  event: string;
  action: string | null;
  repoFullName: string | null;
  hookId: number | null;
  receivedAt: IsoDateTime;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** The last processing error; for a `parked` delivery, the reason it cannot be applied. */
  lastError: string | null;
  /** Why a stored delivery was not applied (e.g. "repository is not tracked by Trackeep"). */
  ignoredReason: string | null;
  processedAt: IsoDateTime | null;
}

/** Messages on GET /events/stream (SSE). The SSE `event:` field carries `type`. */
export type LiveEvent =
  | { type: 'activity'; activity: ActivityEvent }
  | {
      type: 'sync_progress';
      repoId: string;
      repoFullName: string;
      runId: string;
      progress: number;
      status: SyncRunStatus;
    }
  | { type: 'repo_changed'; repo: TrackedRepo };

/** A GitHub App installation as the Installations page shows it (GET /api/v1/installations). */
export interface GithubInstallation {
  /** GitHub's installation id. */
  id: number;
  account: { login: string; type: 'Organization' | 'User' | 'Enterprise' | string; id: number };
  repositorySelection: 'all' | 'selected';
  /** Granted permissions, e.g. `{ metadata: 'read', contents: 'read' }`. */
  permissions: Record<string, string>;
  suspended: boolean;
  suspendedAt: IsoDateTime | null;
  /** Uninstalled on GitHub (kept and shown; nothing acts with it). */
  removed: boolean;
  removedAt: IsoDateTime | null;
  /** Why GitHub last refused the installation a token, or null when it works. */
  accessError: string | null;
  /** Track every repository the installation covers, including ones added later. */
  autoTrack: boolean;
  repositoryCount: number;
  /** The installation's own budgets (REST, GraphQL) as GitHub last reported them; empty before the first answer. */
  budgets: RateLimitBudget[];
  refreshedAt: IsoDateTime | null;
}

/** GET /api/v1/installations (instance administrators only; 404 for everyone else). */
export interface GithubInstallationsPage {
  /** Whether GitHub App mode is configured (GITHUB_APP_ID and the rest). */
  appConfigured: boolean;
  appSlug: string | null;
  /** The App's install page on GitHub (github.com/apps/{slug}/installations/new or GHES's), null when not configured. */
  installUrl: string | null;
  installations: GithubInstallation[];
}

/** GET /api/v1/installations/permissions: whether the signed-in person may open the Installations page. */
export interface InstallationsPermissions {
  canManage: boolean;
}

/** PATCH /api/v1/installations/{id} body. */
export interface UpdateGithubInstallation {
  autoTrack: boolean;
}

// --- organizations, teams and people ------------------------------------------------------------------------

/** `week`: this calendar week; `4w`, `quarter`: the last 4 / 13 calendar weeks; `custom`: from/to dates (UTC). */
export type TeamsPeriodKind = 'week' | '4w' | 'quarter' | 'custom';
export const TEAMS_PERIOD_KINDS: readonly TeamsPeriodKind[] = ['week', '4w', 'quarter', 'custom'];

export interface TimeRange {
  from: IsoDateTime;
  /** Exclusive. */
  to: IsoDateTime;
}

/**
 * A figure for the chosen period next to the previous period's (as long, right before it; while the chosen period
 * is under way, only as far into the previous one as it has run, in steps of 15 minutes).
 */
export interface Compared<T> {
  current: T;
  previous: T;
}

export interface ActivityFigures {
  commits: number;
  linesAdded: number;
  linesDeleted: number;
  pullsOpened: number;
  pullsMerged: number;
  /** Hours from opening to merge of the pull requests merged in the period. */
  cycleTimeMedianHours: number | null;
  cycleTimeP75Hours: number | null;
  /** People with a commit or a pull request in the period, each counted once. */
  activeContributors: number;
}

/** Open pull requests without a review, at the period's end (now for the current period). */
export interface ReviewQueue {
  waiting: number;
  medianWaitingHours: number | null;
  longestWaitingHours: number | null;
}

export interface RepoActivity {
  fullName: string;
  commits: number;
  linesChanged: number;
  pullsOpened: number;
  pullsMerged: number;
}

export interface WeeklyActivity {
  weekStart: IsoDateTime;
  commits: number;
  linesChanged: number;
  pullsOpened: number;
  pullsMerged: number;
  activeContributors: number;
  cycleTimeMedianHours: number | null;
}

export interface PersonRef {
  login: string;
  name: string | null;
  avatarUrl: string | null;
  isBot: boolean;
}

export interface TeamSummary {
  slug: string;
  name: string;
  description: string | null;
  parentSlug: string | null;
  /** Members, child teams' included, each once (as GitHub counts them). */
  members: number;
}

/** What the organization and team pages share: the period, and figures over the repositories the viewer may read. */
export interface ActivityPage {
  period: { kind: TeamsPeriodKind; current: TimeRange; previous: TimeRange };
  includeBots: boolean;
  /** How many of the organization's tracked repositories the figures cover (those the viewer may read). */
  repositories: number;
  figures: Compared<ActivityFigures>;
  reviewQueue: Compared<ReviewQueue>;
  mostActiveRepositories: RepoActivity[];
  weekly: WeeklyActivity[];
}

/** GET /api/v1/orgs/{org}: members of the organization only (404 for anyone else). */
export interface OrgPage extends ActivityPage {
  org: { login: string; name: string | null; avatarUrl: string | null; syncedAt: IsoDateTime | null };
  teams: TeamSummary[];
}

/** GET /api/v1/orgs/{org}/teams/{team}: the work of the team's members (child teams' included). */
export interface TeamPage extends ActivityPage {
  org: { login: string; name: string | null };
  team: TeamSummary;
  childTeams: TeamSummary[];
  members: PersonRef[];
  /** The team's repositories on GitHub that the viewer may read and someone tracks. */
  teamRepositories: string[];
}

/** GET /api/v1/orgs: the organizations the signed-in person is a member of (the navigation's team switcher). */
export interface OrgMembership {
  login: string;
  name: string | null;
  teams: TeamSummary[];
}

/** GET /api/v1/people/{login}: their work in the repositories the viewer may read. No ranking. */
export interface PersonPage {
  person: PersonRef;
  recentCommits: Array<{
    repository: string;
    sha: string;
    message: string;
    committedAt: IsoDateTime;
    additions: number | null;
    deletions: number | null;
    htmlUrl: string;
  }>;
  pullRequests: Array<{
    repository: string;
    number: number;
    title: string;
    state: PullState;
    draft: boolean;
    createdAt: IsoDateTime;
    mergedAt: IsoDateTime | null;
    firstReviewAt: IsoDateTime | null;
    reviewCount: number;
    htmlUrl: string;
  }>;
  /** Their open pull requests waiting for a first review, and the longest wait in hours. */
  awaitingReview: { count: number; longestWaitingHours: number | null };
  /** Pull requests they reviewed, most recently reviewed first, with their latest verdict on each. */
  reviewedPullRequests: Array<{
    repository: string;
    number: number;
    title: string;
    state: PullState;
    /** GitHub's state of their latest review: APPROVED, CHANGES_REQUESTED, COMMENTED or DISMISSED. */
    reviewState: string;
    reviewedAt: IsoDateTime;
    htmlUrl: string;
  }>;
  /** Their review load: reviews submitted in the last 4 weeks, and still-open pull requests they reviewed. */
  reviewLoad: { reviewsLast4Weeks: number; openPullRequestsReviewed: number };
  /** How many repositories they worked in; `repositories` lists the 50 most recently active of them. */
  repositoryCount: number;
  repositories: Array<{
    fullName: string;
    commits: number;
    pullRequests: number;
    lastActivityAt: IsoDateTime | null;
  }>;
}
