import type { ActivityEvent, Commit, GithubRepo, Me, PullRequest, TrackedRepo } from '@trackeep/contracts';

export function aMe(overrides: Partial<Me> = {}): Me {
  return {
    id: 'u1',
    githubHost: 'github.com',
    githubId: 1,
    login: 'octocat',
    name: 'The Octocat',
    email: 'octocat@example.com',
    avatarUrl: null,
    scopes: ['repo', 'read:org'],
    ...overrides,
  };
}

export function aGithubRepo(overrides: Partial<GithubRepo> = {}): GithubRepo {
  const owner = overrides.owner ?? 'acme';
  const name = overrides.name ?? 'widgets';
  return {
    githubId: 100,
    nodeId: 'R_1',
    owner,
    name,
    fullName: `${owner}/${name}`,
    description: 'Widgets for everyone',
    language: 'TypeScript',
    visibility: 'public',
    defaultBranch: 'main',
    stars: 10,
    forks: 2,
    watchers: 3,
    openIssues: 1,
    pushedAt: '2026-03-01T10:00:00Z',
    updatedAt: '2026-03-01T10:00:00Z',
    permission: 'admin',
    tracked: false,
    ...overrides,
  };
}

export function aTrackedRepo(overrides: Partial<TrackedRepo> = {}): TrackedRepo {
  const owner = overrides.owner ?? 'acme';
  const name = overrides.name ?? 'widgets';
  return {
    id: 'r1',
    githubId: 100,
    owner,
    name,
    fullName: `${owner}/${name}`,
    description: 'Widgets for everyone',
    language: 'TypeScript',
    languages: { TypeScript: 1000 },
    topics: [],
    visibility: 'public',
    defaultBranch: 'main',
    archived: false,
    stars: 10,
    forks: 2,
    watchers: 3,
    openIssues: 1,
    sizeKb: 120,
    pushedAt: '2026-03-01T10:00:00Z',
    updatedAt: '2026-03-01T10:00:00Z',
    htmlUrl: `https://github.com/${owner}/${name}`,
    trackedAt: '2026-02-01T10:00:00Z',
    lastSyncAt: '2026-03-01T11:00:00Z',
    lastSyncStatus: 'succeeded',
    githubState: 'ok',
    webhook: { status: 'active', lastDeliveryAt: null, lastError: null },
    ...overrides,
  };
}

export function anActivity(overrides: Partial<ActivityEvent> = {}): ActivityEvent {
  return {
    id: '1',
    repoId: 'r1',
    repoFullName: 'acme/widgets',
    type: 'push',
    actor: 'octocat',
    title: 'octocat pushed 2 commits to main',
    url: null,
    occurredAt: '2026-03-01T10:00:00Z',
    data: { commits: 2, ref: 'main' },
    ...overrides,
  };
}

export function aCommit(overrides: Partial<Commit> = {}): Commit {
  const actor = { name: 'Octo Cat', email: 'o@example.com', login: 'octocat', date: '2026-03-01T10:00:00Z' };
  return {
    sha: 'a'.repeat(40),
    message: 'Fix the widget\n\nLonger explanation.',
    author: actor,
    committer: actor,
    additions: 10,
    deletions: 2,
    changedFiles: 1,
    parents: ['b'.repeat(40)],
    htmlUrl: 'https://github.com/acme/widgets/commit/aaaa',
    ...overrides,
  };
}

export function aPull(overrides: Partial<PullRequest> = {}): PullRequest {
  return {
    number: 1,
    title: 'Add gears',
    state: 'open',
    draft: false,
    author: 'octocat',
    createdAt: '2026-03-01T10:00:00Z',
    updatedAt: '2026-03-01T10:00:00Z',
    closedAt: null,
    mergedAt: null,
    baseRef: 'main',
    headRef: 'gears',
    additions: 5,
    deletions: 1,
    changedFiles: 1,
    commits: 1,
    reviewCount: 0,
    firstReviewAt: null,
    labels: [],
    cycleTimeSeconds: null,
    htmlUrl: 'https://github.com/acme/widgets/pull/1',
    ...overrides,
  };
}
