// Every GraphQL document the sync sends. Each is validated against GitHub's official schema in
// sync-graphql.queries.spec.ts, and sync-graphql-cost.util.ts mirrors GitHub's cost rule for them
// (every connection under every parent is one request; cost = max(1, round(requests / 100))).

const RATE_LIMIT = 'rateLimit { cost limit remaining resetAt used }';

/** Connections nested under each pull request in SYNC_PULL_FIELDS (commits, reviews, labels). */
export const PULL_NESTED_CONNECTIONS = 3;
/** Connections nested under each commit in SYNC_COMMIT_FIELDS (parents). */
export const COMMIT_NESTED_CONNECTIONS = 1;
/** Connections nested under each repository in SYNC_DETECT_QUERY (latest-updated pull request). */
export const DETECT_NESTED_CONNECTIONS = 1;

export const SYNC_COMMIT_FIELDS = `
fragment SyncCommit on Commit {
  oid
  message
  committedDate
  additions
  deletions
  changedFilesIfAvailable
  url
  author { name email date user { login } }
  committer { name email date user { login } }
  parents(first: 8) { nodes { oid } }
}`;

const SYNC_REVIEW_FIELDS = `
fragment SyncReview on PullRequestReview {
  databaseId
  state
  submittedAt
  createdAt
  author { __typename login }
}`;

export const SYNC_PULL_FIELDS = `
fragment SyncPull on PullRequest {
  id
  number
  title
  state
  isDraft
  url
  createdAt
  updatedAt
  closedAt
  mergedAt
  author { login }
  baseRefName
  headRefName
  additions
  deletions
  changedFiles
  totalCommentsCount
  commits(first: 1) { totalCount nodes { commit { authoredDate } } }
  reviews(first: 25) { totalCount pageInfo { hasNextPage endCursor } nodes { ...SyncReview } }
  labels(first: 20) { nodes { name } }
}
${SYNC_REVIEW_FIELDS}`;

/** Reviews a pull request's page left out (its first 25 came with it), a page at a time from `after`. */
export const SYNC_PULL_REVIEWS_QUERY = `
query SyncPullReviews($id: ID!, $after: String) {
  ${RATE_LIMIT}
  node(id: $id) {
    ... on PullRequest {
      reviews(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ...SyncReview } }
    }
  }
}
${SYNC_REVIEW_FIELDS}`;

/**
 * Change detection for up to 100 repositories in one query: counters, push time, default-branch head and
 * the latest pull request update. A repository where none of these moved needs nothing more.
 */
export const SYNC_DETECT_QUERY = `
query SyncDetect($ids: [ID!]!) {
  ${RATE_LIMIT}
  nodes(ids: $ids) {
    __typename
    ... on Repository {
      id
      databaseId
      nameWithOwner
      isArchived
      visibility
      pushedAt
      updatedAt
      stargazerCount
      forkCount
      viewerPermission
      defaultBranchRef { name target { oid } }
      pullRequests(first: 1, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { updatedAt } }
    }
  }
}`;

/**
 * The same fields without the size figures: asked again for a page GitHub answered partially (a commit or
 * pull request nulled because "The additions count … is unavailable"), so the page is kept without them.
 */
const FIGURES_RE = /^\s*(additions|deletions|changedFilesIfAvailable|changedFiles)\n/gm;
export const SYNC_COMMIT_FIELDS_LEAN = SYNC_COMMIT_FIELDS.replace(FIGURES_RE, '');
export const SYNC_PULL_FIELDS_LEAN = SYNC_PULL_FIELDS.replace(FIGURES_RE, '');

/** One page of each stream a round carries; streams left out are simply not in the document. */
export interface RepoPageStreams {
  refs?: boolean;
  /** Commit walks in this round (aliases w0, w1, ...), each from its own head. */
  walks?: number;
  pulls?: boolean;
  /** Stargazers, newest star first (the backfill of the stars history, and what is new since). */
  stars?: boolean;
  /** Forks, newest first. */
  forks?: boolean;
  /** Leave the size figures out (see SYNC_COMMIT_FIELDS_LEAN). */
  lean?: boolean;
}

/** Most commit walks one round carries (each costs a request plus one per commit). */
export const MAX_WALKS_PER_ROUND = 8;

/**
 * The per-repository page query. The repository is addressed by node id, so a rename or transfer never
 * breaks a sync in progress; commit history is walked from a fixed commit (`object(oid:)`), so the cursor
 * stays valid when the branch moves on mid-walk.
 */
export function repoPageQuery(streams: RepoPageStreams): string {
  const vars = ['$id: ID!'];
  const parts: string[] = [];
  if (streams.refs) {
    vars.push('$refsFirst: Int!', '$refsAfter: String', '$defaultBranch: String!');
    // Each branch as the base, the default branch as the head: GitHub's aheadBy is the branch's "behind".
    parts.push(`refs(refPrefix: "refs/heads/", first: $refsFirst, after: $refsAfter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          name
          target { oid ... on Commit { committedDate } }
          branchProtectionRule { id }
          compare(headRef: $defaultBranch) { aheadBy behindBy headTarget { oid } }
        }
      }`);
    // What the side query will find: its first page is sized by these, and a stream with none is not asked.
    parts.push(
      'deploymentsCount: deployments { totalCount }',
      'issuesCount: issues { totalCount }',
      'releasesCount: releases { totalCount }',
      'tagsCount: refs(refPrefix: "refs/tags/") { totalCount }',
    );
  }
  const walks = Math.min(streams.walks ?? 0, MAX_WALKS_PER_ROUND);
  for (let i = 0; i < walks; i++) {
    vars.push(`$head${i}: GitObjectID!`, `$first${i}: Int!`, `$after${i}: String`);
    parts.push(`w${i}: object(oid: $head${i}) {
        ... on Commit {
          history(first: $first${i}, after: $after${i}) {
            totalCount
            pageInfo { hasNextPage endCursor }
            nodes { ...SyncCommit }
          }
        }
      }`);
  }
  if (streams.pulls) {
    vars.push('$pullsFirst: Int!', '$pullsAfter: String');
    parts.push(`pullRequests(first: $pullsFirst, after: $pullsAfter, orderBy: { field: UPDATED_AT, direction: DESC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { ...SyncPull }
      }`);
  }
  if (streams.stars) {
    vars.push('$starsFirst: Int!', '$starsAfter: String');
    parts.push(`stargazers(first: $starsFirst, after: $starsAfter, orderBy: { field: STARRED_AT, direction: DESC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { starredAt node { databaseId login } }
      }`);
  }
  if (streams.forks) {
    vars.push('$forksFirst: Int!', '$forksAfter: String');
    parts.push(`forks(first: $forksFirst, after: $forksAfter, orderBy: { field: CREATED_AT, direction: DESC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { databaseId nameWithOwner createdAt }
      }`);
  }
  const name = `SyncRepoPage${streams.refs ? 'R' : ''}${walks ? `C${walks}` : ''}${streams.pulls ? 'P' : ''}${streams.stars ? 'S' : ''}${streams.forks ? 'F' : ''}${streams.lean ? 'Lean' : ''}`;
  return `
query ${name}(${vars.join(', ')}) {
  ${RATE_LIMIT}
  node(id: $id) {
    __typename
    ... on Repository {
      id
      nameWithOwner
      ${parts.join('\n      ')}
    }
  }
}
${walks ? (streams.lean ? SYNC_COMMIT_FIELDS_LEAN : SYNC_COMMIT_FIELDS) : ''}
${streams.pulls ? (streams.lean ? SYNC_PULL_FIELDS_LEAN : SYNC_PULL_FIELDS) : ''}`;
}

/** Most commits (and, separately, pull requests) whose figures one follow-up query asks for. */
export const MAX_FIGURES_PER_QUERY = 25;

/**
 * The size figures GitHub left out of earlier pages, asked for alone: commits by oid under the repository
 * (aliases c0, c1, ...), pull requests by node id. No connections, so it costs one point.
 */
export function figuresQuery(commits: number, pulls: boolean): string {
  const n = Math.min(commits, MAX_FIGURES_PER_QUERY);
  const vars = [
    '$id: ID!',
    ...Array.from({ length: n }, (_, i) => `$oid${i}: GitObjectID!`),
    ...(pulls ? ['$pulls: [ID!]!'] : []),
  ];
  const objects = Array.from(
    { length: n },
    (_, i) =>
      `c${i}: object(oid: $oid${i}) { ... on Commit { oid additions deletions changedFilesIfAvailable } }`,
  );
  return `
query SyncFigures${n ? `C${n}` : ''}${pulls ? 'P' : ''}(${vars.join(', ')}) {
  ${RATE_LIMIT}
  node(id: $id) {
    __typename
    ... on Repository {
      id
      ${objects.join('\n      ')}
    }
  }
  ${pulls ? 'nodes(ids: $pulls) { ... on PullRequest { id additions deletions changedFiles } }' : ''}
}`;
}

/** Statuses read with each deployment (queued, in progress, the outcome; later ones come by `latestStatus`). */
const DEPLOYMENT_STATUSES_PAGE = 10;

/** The side streams of one query: a repository's deployments, issues and releases, each on its own cursor. */
export interface SideStreams {
  deployments?: boolean;
  issues?: boolean;
  releases?: boolean;
  tags?: boolean;
}

const SYNC_DEPLOYMENT_FIELDS = `
fragment SyncDeployment on Deployment {
  id
  databaseId
  environment
  commitOid
  ref { name }
  task
  description
  createdAt
  updatedAt
  creator { login }
  latestStatus { ...SyncDeploymentStatus }
  statuses(first: ${DEPLOYMENT_STATUSES_PAGE}) { nodes { ...SyncDeploymentStatus } }
}
fragment SyncDeploymentStatus on DeploymentStatus {
  id
  state
  description
  environmentUrl
  logUrl
  createdAt
  creator { login }
}`;

const SYNC_ISSUE_FIELDS = `
fragment SyncIssue on Issue {
  id
  databaseId
  number
  title
  state
  stateReason
  url
  createdAt
  updatedAt
  closedAt
  author { login }
  labels(first: 20) { nodes { name } }
  assignees(first: 10) { nodes { login } }
  closedByPullRequestsReferences(first: 5, includeClosedPrs: true) { nodes { number merged } }
}`;

const SYNC_RELEASE_FIELDS = `
fragment SyncRelease on Release {
  id
  databaseId
  tagName
  name
  isDraft
  isPrerelease
  url
  createdAt
  publishedAt
  updatedAt
  author { login }
  tagCommit { oid }
}`;

/** A tag ref: a lightweight tag targets its commit, an annotated one a tag object that names the commit. */
const SYNC_TAG_FIELDS = `
fragment SyncTag on Ref {
  name
  target {
    __typename
    oid
    ... on Commit { committedDate }
    ... on Tag { tagger { date } target { __typename oid ... on Commit { committedDate } } }
  }
}`;

/** One page of a connection under the repository, its nodes spelled by a fragment. */
function connectionPage(field: string, args: string, fragment: string): string {
  return `${field}(${args}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { ...${fragment} }
      }`;
}

/**
 * A page of a repository's deployments (newest first, each with its first statuses and its latest one), of its
 * issues updated since a time (oldest update first), of its releases and of its tags (newest first), in one query. A status has
 * no database id in GraphQL; its node id is the key every source shares.
 */
export function sideStreamsQuery(streams: SideStreams): string {
  const vars = ['$id: ID!'];
  const parts: string[] = [];
  const fragments: string[] = [];
  if (streams.deployments) {
    vars.push('$deploymentsFirst: Int!', '$deploymentsAfter: String');
    parts.push(
      connectionPage(
        'deployments',
        'first: $deploymentsFirst, after: $deploymentsAfter, orderBy: { field: CREATED_AT, direction: DESC }',
        'SyncDeployment',
      ),
    );
    fragments.push(SYNC_DEPLOYMENT_FIELDS);
  }
  if (streams.issues) {
    vars.push('$issuesFirst: Int!', '$issuesAfter: String', '$issuesSince: DateTime');
    parts.push(
      connectionPage(
        'issues',
        'first: $issuesFirst, after: $issuesAfter, orderBy: { field: UPDATED_AT, direction: ASC }, filterBy: { since: $issuesSince }',
        'SyncIssue',
      ),
    );
    fragments.push(SYNC_ISSUE_FIELDS);
  }
  if (streams.releases) {
    vars.push('$releasesFirst: Int!', '$releasesAfter: String');
    parts.push(
      connectionPage(
        'releases',
        'first: $releasesFirst, after: $releasesAfter, orderBy: { field: CREATED_AT, direction: DESC }',
        'SyncRelease',
      ),
    );
    fragments.push(SYNC_RELEASE_FIELDS);
  }
  if (streams.tags) {
    vars.push('$tagsFirst: Int!', '$tagsAfter: String');
    parts.push(
      connectionPage(
        'tags: refs',
        'refPrefix: "refs/tags/", first: $tagsFirst, after: $tagsAfter, orderBy: { field: TAG_COMMIT_DATE, direction: DESC }',
        'SyncTag',
      ),
    );
    fragments.push(SYNC_TAG_FIELDS);
  }
  const name = `SyncSide${streams.deployments ? 'D' : ''}${streams.issues ? 'I' : ''}${streams.releases ? 'R' : ''}${streams.tags ? 'T' : ''}`;
  return `
query ${name}(${vars.join(', ')}) {
  ${RATE_LIMIT}
  node(id: $id) {
    __typename
    ... on Repository {
      id
      ${parts.join('\n      ')}
    }
  }
}
${fragments.join('\n')}`;
}

/** Tags or releases asked about at most in one query (each is one field of the same point). */
export const MAX_ASKED_STILL_THERE = 50;

/**
 * Whether each of `count` tags (`$x0`, `$x1`, …: qualified names, `refs/tags/…`) or releases (`$x0`, …: their tag
 * names) still exists: one that does not answers null. One point, however many are asked.
 */
export function stillThereQuery(kind: 'tags' | 'releases', count: number): string {
  const names = Array.from({ length: count }, (_, i) => i);
  const field = (i: number) =>
    kind === 'tags'
      ? `x${i}: ref(qualifiedName: $x${i}) { name }`
      : `x${i}: release(tagName: $x${i}) { databaseId }`;
  return `
query ${kind === 'tags' ? 'SyncTagsStillThere' : 'SyncReleasesStillThere'}($id: ID!, ${names.map((i) => `$x${i}: String!`).join(', ')}) {
  ${RATE_LIMIT}
  node(id: $id) {
    __typename
    ... on Repository {
      id
      ${names.map(field).join('\n      ')}
    }
  }
}`;
}

/** Every query shape the sync can send (for schema validation). */
export function allSyncQueries(): string[] {
  const out = [SYNC_DETECT_QUERY, SYNC_PULL_REVIEWS_QUERY];
  for (const refs of [false, true]) {
    for (let walks = 0; walks <= MAX_WALKS_PER_ROUND; walks++) {
      for (const pulls of [false, true]) {
        if (refs || walks || pulls) out.push(repoPageQuery({ refs, walks, pulls }));
        if (walks || pulls) out.push(repoPageQuery({ refs, walks, pulls, lean: true }));
      }
    }
  }
  for (const history of [{ stars: true }, { forks: true }, { stars: true, forks: true }]) {
    out.push(repoPageQuery(history));
    out.push(repoPageQuery({ ...history, refs: true, walks: 1, pulls: true }));
    out.push(repoPageQuery({ ...history, walks: 1, pulls: true, lean: true }));
  }
  for (const pulls of [false, true])
    out.push(figuresQuery(1, pulls), figuresQuery(MAX_FIGURES_PER_QUERY, pulls));
  out.push(figuresQuery(0, true));
  for (const deployments of [false, true])
    for (const issues of [false, true])
      for (const releases of [false, true])
        for (const tags of [false, true])
          if (deployments || issues || releases || tags)
            out.push(sideStreamsQuery({ deployments, issues, releases, tags }));
  for (const kind of ['tags', 'releases'] as const)
    out.push(stillThereQuery(kind, 1), stillThereQuery(kind, MAX_ASKED_STILL_THERE));
  return out;
}
