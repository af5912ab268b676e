import type { GqlPull } from '../github/sync-graphql.types';
import { pullReviews } from './sync-rows.util';

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
