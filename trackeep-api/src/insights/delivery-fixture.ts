import type { CommitFact, PullFact, RepoFacts, ReviewFact } from './insights.facts';

/**
 * A hand-computed week (Monday 2026-03-02 to Monday 2026-03-09, UTC) in one repository; the expected figures
 * are worked out in delivery-analysis.spec.ts next to each assertion.
 *
 * main: c0 ← m1 (merge commit of #1, second parent f1) ← s2 (squash of #2) ← s3 (squash of #3) ← r4 (squash
 * of #4, which reverts #3) ← s5 (squash of #5).
 * production: D1 of s3 (success 03-03 10:00), D2 of r4 (failure 03-04 10:00), D3 of r4 (success 03-04 12:00);
 * staging: D4 of s5 (success 03-05 10:00), so #5 is never deployed to production.
 * Issue #10 (label "Incident") opened 03-03 11:00, closed 15:00.
 */
export const t = (iso: string): Date => new Date(iso);

const commit = (sha: string, parents: string[], at: string, message: string): CommitFact => ({
  sha,
  parents,
  committedAt: t(at),
  authoredAt: t(at),
  message,
});

export const review = (
  author: string,
  state: string,
  at: string,
  comments = 0,
  authorIsBot = false,
): ReviewFact => ({
  author,
  authorIsBot,
  state,
  submittedAt: t(at),
  comments,
});

export const pull = (over: Partial<PullFact> & Pick<PullFact, 'number'>): PullFact => ({
  title: `Change ${over.number}`,
  author: 'alice',
  baseRef: 'main',
  headRef: `feature-${over.number}`,
  createdAt: t('2026-03-02T00:00:00Z'),
  readyForReviewAt: null,
  mergedAt: null,
  mergeCommitSha: null,
  firstCommitAt: null,
  additions: null,
  deletions: null,
  reviews: [],
  url: null,
  ...over,
});

export function deliveryWeek(): RepoFacts {
  return {
    repository: 'acme/app',
    defaultBranch: 'main',
    commits: [
      commit('c0', [], '2026-02-20T00:00:00Z', 'Initial commit'),
      commit('f1', ['c0'], '2026-03-01T10:00:00Z', 'Add search'),
      commit(
        'm1',
        ['c0', 'f1'],
        '2026-03-02T10:00:00Z',
        'Merge pull request #1 from acme/search\n\nAdd search',
      ),
      commit('s2', ['m1'], '2026-03-02T12:00:00Z', 'Faster login (#2)'),
      commit('s3', ['s2'], '2026-03-03T09:00:00Z', 'Fix cache (#3)'),
      commit('r4', ['s3'], '2026-03-04T09:00:00Z', 'Revert "Fix cache" (#4)'),
      commit('s5', ['r4'], '2026-03-05T09:00:00Z', 'Docs (#5)'),
    ],
    deployments: [
      {
        id: '1',
        environment: 'production',
        sha: 's3',
        createdAt: t('2026-03-03T09:20:00Z'),
        statuses: [
          { state: 'in_progress', at: t('2026-03-03T09:30:00Z') },
          { state: 'success', at: t('2026-03-03T10:00:00Z') },
        ],
        url: null,
      },
      {
        id: '2',
        environment: 'production',
        sha: 'r4',
        createdAt: t('2026-03-04T09:30:00Z'),
        statuses: [{ state: 'failure', at: t('2026-03-04T10:00:00Z') }],
        url: null,
      },
      {
        id: '3',
        environment: 'Production',
        sha: 'r4',
        createdAt: t('2026-03-04T11:30:00Z'),
        statuses: [{ state: 'success', at: t('2026-03-04T12:00:00Z') }],
        url: null,
      },
      {
        id: '4',
        environment: 'staging',
        sha: 's5',
        createdAt: t('2026-03-05T09:30:00Z'),
        statuses: [{ state: 'success', at: t('2026-03-05T10:00:00Z') }],
        url: null,
      },
    ],
    releases: [],
    tags: [],
    workflowRuns: [],
    issues: [
      {
        number: 10,
        title: 'Checkout down',
        labels: ['Incident', 'p1'],
        createdAt: t('2026-03-03T11:00:00Z'),
        closedAt: t('2026-03-03T15:00:00Z'),
        url: null,
      },
      {
        number: 11,
        title: 'Typo',
        labels: ['bug'],
        createdAt: t('2026-03-03T11:00:00Z'),
        closedAt: null,
        url: null,
      },
    ],
    pulls: [
      pull({
        number: 1,
        title: 'Add search',
        firstCommitAt: t('2026-03-01T10:00:00Z'),
        createdAt: t('2026-03-01T12:00:00Z'),
        mergedAt: t('2026-03-02T10:00:00Z'),
        mergeCommitSha: 'm1',
        additions: 30,
        deletions: 10,
        reviews: [
          review('bob', 'COMMENTED', '2026-03-01T14:00:00Z', 2),
          review('bob', 'CHANGES_REQUESTED', '2026-03-01T16:00:00Z', 1),
          review('carol', 'APPROVED', '2026-03-02T08:00:00Z'),
        ],
      }),
      pull({
        number: 2,
        title: 'Faster login',
        author: 'dave',
        firstCommitAt: t('2026-03-01T22:00:00Z'),
        createdAt: t('2026-03-02T00:00:00Z'),
        readyForReviewAt: t('2026-03-02T06:00:00Z'),
        mergedAt: t('2026-03-02T12:00:00Z'),
        mergeCommitSha: 's2',
        additions: 300,
        deletions: 0,
        reviews: [
          review('Dave', 'COMMENTED', '2026-03-02T06:30:00Z', 4),
          review('dependabot[bot]', 'COMMENTED', '2026-03-02T07:00:00Z', 1, true),
          review('alice', 'APPROVED', '2026-03-02T09:00:00Z'),
        ],
      }),
      pull({
        number: 3,
        title: 'Fix cache',
        firstCommitAt: t('2026-03-02T19:00:00Z'),
        createdAt: t('2026-03-02T20:00:00Z'),
        mergedAt: t('2026-03-03T09:00:00Z'),
        mergeCommitSha: 's3',
        additions: 5,
        deletions: 0,
      }),
      pull({
        number: 4,
        title: 'Revert "Fix cache"',
        headRef: 'revert-3-fix-cache',
        firstCommitAt: t('2026-03-04T07:55:00Z'),
        createdAt: t('2026-03-04T08:00:00Z'),
        mergedAt: t('2026-03-04T09:00:00Z'),
        mergeCommitSha: 'r4',
        additions: 0,
        deletions: 5,
        reviews: [review('carol', 'APPROVED', '2026-03-04T08:30:00Z')],
      }),
      pull({
        number: 5,
        title: 'Docs',
        createdAt: t('2026-03-05T08:00:00Z'),
        mergedAt: t('2026-03-05T09:00:00Z'),
        mergeCommitSha: 's5',
      }),
      // Closed without merging: never counted.
      pull({ number: 6, title: 'Abandoned', createdAt: t('2026-03-03T08:00:00Z') }),
    ],
  };
}

export const WEEK = { from: t('2026-03-02T00:00:00Z'), to: t('2026-03-09T00:00:00Z') };
