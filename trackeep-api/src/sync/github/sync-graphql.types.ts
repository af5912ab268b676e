// Shapes of the answers to the documents in sync-graphql.queries.ts (only the fields asked for).

export interface GqlRateLimit {
  cost: number;
  limit: number;
  remaining: number;
  resetAt: string;
  used: number;
}

export interface GqlPageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface GqlGitActor {
  name: string | null;
  email: string | null;
  date: string | null;
  user: { login: string } | null;
}

export interface GqlCommit {
  oid: string;
  message: string;
  committedDate: string;
  additions: number | null;
  deletions: number | null;
  changedFilesIfAvailable: number | null;
  url: string;
  author: GqlGitActor | null;
  committer: GqlGitActor | null;
  parents: { nodes: Array<{ oid: string }> };
}

export interface GqlPull {
  id: string;
  number: number;
  title: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft: boolean;
  url: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  author: { login: string } | null;
  baseRefName: string;
  headRefName: string;
  additions: number | null;
  deletions: number | null;
  changedFiles: number | null;
  /** Conversation and review comments (absent in a lean page). */
  totalCommentsCount?: number | null;
  /** Its first commit (GitHub lists a pull request's commits oldest first). */
  commits: { totalCount: number; nodes?: Array<{ commit: { authoredDate: string } | null } | null> };
  reviews: GqlReviews | null;
  labels: { nodes: Array<{ name: string }> } | null;
}

/** A page of a pull request's reviews, oldest first. */
export interface GqlReviews {
  totalCount: number;
  /** Only when the document asks for it. */
  pageInfo?: { hasNextPage: boolean; endCursor: string | null };
  nodes: Array<{
    databaseId?: number | null;
    state?: string;
    submittedAt: string | null;
    createdAt: string;
    author?: { __typename?: string; login: string } | null;
  }>;
}

export interface GqlRef {
  name: string;
  target: { oid: string; committedDate?: string } | null;
  branchProtectionRule: { id: string } | null;
  /** Against the default branch (the head); null when GitHub could not compare them. */
  compare?: { aheadBy: number; behindBy: number; headTarget: { oid: string } | null } | null;
}

/** A stargazer with GitHub's time of the star (StargazerEdge). */
export interface GqlStargazerEdge {
  starredAt: string;
  node: { databaseId: number | null; login: string } | null;
}

export interface GqlFork {
  databaseId: number | null;
  nameWithOwner: string;
  createdAt: string;
}

export interface GqlDeploymentStatus {
  id: string;
  state: string;
  description: string | null;
  environmentUrl: string | null;
  logUrl: string | null;
  createdAt: string;
  creator: { login: string } | null;
}

export interface GqlDeployment {
  id: string;
  databaseId: number | null;
  environment: string | null;
  commitOid: string;
  ref: { name: string } | null;
  task: string | null;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  creator: { login: string } | null;
  latestStatus: GqlDeploymentStatus | null;
  statuses: { nodes: Array<GqlDeploymentStatus | null> } | null;
}

export interface GqlIssue {
  id: string;
  databaseId: number | null;
  number: number;
  title: string;
  state: string;
  stateReason: string | null;
  url: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  author: { login: string } | null;
  labels: { nodes: Array<{ name: string } | null> } | null;
  assignees: { nodes: Array<{ login: string } | null> } | null;
  closedByPullRequestsReferences: { nodes: Array<{ number: number; merged: boolean } | null> } | null;
}

export interface GqlTagRef {
  name: string;
  target:
    | { __typename: 'Commit'; oid: string; committedDate: string }
    | {
        __typename: 'Tag';
        oid: string;
        tagger: { date: string | null } | null;
        target: { __typename: string; oid: string; committedDate?: string } | null;
      }
    | { __typename: 'Blob' | 'Tree'; oid: string }
    | null;
}

export interface GqlRelease {
  id: string;
  databaseId: number | null;
  tagName: string;
  name: string | null;
  isDraft: boolean;
  isPrerelease: boolean;
  url: string;
  createdAt: string;
  publishedAt: string | null;
  updatedAt: string;
  author: { login: string } | null;
  tagCommit: { oid: string } | null;
}

export interface SidePageData {
  node: {
    __typename: string;
    id: string;
    deployments?: GqlConnection<GqlDeployment | null>;
    issues?: GqlConnection<GqlIssue | null>;
    releases?: GqlConnection<GqlRelease | null>;
    tags?: GqlConnection<GqlTagRef | null>;
  } | null;
}

export interface GqlEdgeConnection<T> {
  totalCount: number;
  pageInfo: GqlPageInfo;
  edges: T[];
}

export interface GqlConnection<T> {
  totalCount: number;
  pageInfo: GqlPageInfo;
  nodes: T[];
}

export interface RepoPageData {
  rateLimit: GqlRateLimit | null;
  node: {
    __typename: string;
    id?: string;
    nameWithOwner?: string;
    refs?: GqlConnection<GqlRef>;
    /** Asked with the refs: what the side query will find. */
    deploymentsCount?: { totalCount: number } | null;
    issuesCount?: { totalCount: number } | null;
    releasesCount?: { totalCount: number } | null;
    tagsCount?: { totalCount: number } | null;
    /** Commit walks, aliased w0, w1, ... */
    [walk: `w${number}`]: { history?: GqlConnection<GqlCommit> } | null | undefined;
    pullRequests?: GqlConnection<GqlPull>;
    stargazers?: GqlEdgeConnection<GqlStargazerEdge>;
    forks?: GqlConnection<GqlFork | null>;
  } | null;
}

export interface DetectedRepoNode {
  __typename: 'Repository';
  id: string;
  databaseId: number;
  nameWithOwner: string;
  isArchived: boolean;
  visibility: 'PUBLIC' | 'PRIVATE' | 'INTERNAL';
  pushedAt: string | null;
  updatedAt: string;
  stargazerCount: number;
  forkCount: number;
  viewerPermission: 'ADMIN' | 'MAINTAIN' | 'WRITE' | 'TRIAGE' | 'READ' | null;
  defaultBranchRef: { name: string; target: { oid: string } | null } | null;
  pullRequests: { nodes: Array<{ updatedAt: string }> };
}

export interface DetectData {
  rateLimit: GqlRateLimit | null;
  nodes: Array<DetectedRepoNode | { __typename: string } | null>;
}

export interface GqlError {
  type?: string;
  message: string;
  path?: Array<string | number>;
}
