import type { GqlPull } from '../github/sync-graphql.types';
import { pullReviews, reconstructedPushes } from './sync-rows.util';

const pull = (nodes: NonNullable<GqlPull['reviews']>['nodes']): GqlPull =>
  ({ number: 7, reviews: { totalCount: nodes.length, nodes } }) as unknown as GqlPull;

describe('pullReviews', () => {
  it('keeps submitted reviews with GitHub’s id, marks bots, and leaves out pending ones', () => {
    const rows = pullReviews(
      pull([
        {
          databaseId: 1,
          state: 'APPROVED',
          submittedAt: '2026-01-02T00:00:00Z',
          createdAt: '2026-01-02T00:00:00Z',
          author: { __typename: 'User', login: 'mona' },
        },
        {
          databaseId: 2,
          state: 'COMMENTED',
          submittedAt: '2026-01-03T00:00:00Z',
          createdAt: '2026-01-03T00:00:00Z',
          author: { __typename: 'Bot', login: 'linter' },
        },
        {
          databaseId: 3,
          state: 'CHANGES_REQUESTED',
          submittedAt: '2026-01-04T00:00:00Z',
          createdAt: '2026-01-04T00:00:00Z',
          author: { login: 'renovate[bot]' },
        },
        {
          databaseId: 4,
          state: 'PENDING',
          submittedAt: null,
          createdAt: '2026-01-05T00:00:00Z',
          author: { login: 'hubot' },
        },
        // A deleted account: GitHub's ghost, no author.
        {
          databaseId: 5,
          state: 'DISMISSED',
          submittedAt: '2026-01-06T00:00:00Z',
          createdAt: '',
          author: null,
        },
      ]),
    );
    expect(rows).toEqual([
      expect.objectContaining({
        review_id: 1,
        pull_number: 7,
        reviewer_login: 'mona',
        reviewer_is_bot: false,
      }),
      expect.objectContaining({ review_id: 2, reviewer_is_bot: true, state: 'COMMENTED' }),
      expect.objectContaining({ review_id: 3, reviewer_is_bot: true, state: 'CHANGES_REQUESTED' }),
      expect.objectContaining({ review_id: 5, reviewer_login: null, state: 'DISMISSED' }),
    ]);
  });
});

describe('reconstructedPushes', () => {
  const at = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00Z`);
  const c = (sha: string, parents: string[], time: string, author: string) => ({
    sha,
    parents,
    committedAt: at(time),
    author,
    authorLogin: author,
    committer: author,
  });
  // First-parent line h → g → f → m → e → d → (c, older than the window); m merges p2 → p1 (carol's branch).
  const history = [
    c('h', ['g'], '10:50', 'alice'),
    c('g', ['f'], '10:20', 'alice'),
    c('f', ['m'], '08:00', 'alice'),
    c('m', ['e', 'p2'], '07:00', 'bob'),
    c('p2', ['p1'], '06:30', 'carol'),
    c('p1', ['d'], '06:00', 'carol'),
    c('e', ['d'], '05:00', 'dave'),
    c('d', ['c'], '04:59', 'dave'),
    c('c', ['b'], '01:00', 'dave'),
  ];

  it('makes one push per merge and per run of one author under an hour apart, within the window', () => {
    const pushes = reconstructedPushes('main', 'h', history, at('04:00'));
    expect(pushes.map((p) => [p.dedupe_key, p.title, p.actor, p.occurred_at, p.data['before']])).toEqual([
      ['push:h', 'Pushed 2 commits to main', 'alice', at('10:50').toISOString(), 'f'],
      ['push:f', 'Pushed 1 commit to main', 'alice', at('08:00').toISOString(), 'm'],
      ['push:m', 'Pushed 3 commits to main', 'bob', at('07:00').toISOString(), 'e'],
      ['push:e', 'Pushed 2 commits to main', 'dave', at('05:00').toISOString(), 'c'],
    ]);
  });

  it('reads everything without a window, and nothing from a head it does not know', () => {
    // c is four hours older than d: a push of its own.
    expect(
      reconstructedPushes('main', 'h', history, null)
        .slice(-2)
        .map((p) => p.title),
    ).toEqual(['Pushed 2 commits to main', 'Pushed 1 commit to main']);
    expect(reconstructedPushes('main', 'h', history, null).at(-1)?.data).toMatchObject({
      head: 'c',
      before: 'b',
    });
    expect(reconstructedPushes('main', 'zzz', history, null)).toEqual([]);
  });
});
