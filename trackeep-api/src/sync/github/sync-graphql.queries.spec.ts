import { buildClientSchema, parse, validate, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { costOf, planRound, roundRequests } from './sync-graphql-cost.util';
import { allSyncQueries, repoPageQuery, SYNC_DETECT_QUERY } from './sync-graphql.queries';

function officialSchema(): GraphQLSchema {
  let dir = __dirname;
  while (!existsSync(join(dir, 'node_modules/@octokit/graphql-schema/schema.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('node_modules/@octokit/graphql-schema not found');
    dir = up;
  }
  const json = JSON.parse(
    readFileSync(join(dir, 'node_modules/@octokit/graphql-schema/schema.json'), 'utf8'),
  );
  return buildClientSchema((json.data ?? json) as IntrospectionQuery);
}

describe('sync GraphQL documents', () => {
  const schema = officialSchema();

  it.each(allSyncQueries().map((q) => [q.match(/query (\w+)/)?.[1] ?? '?', q]))(
    '%s is valid against GitHub’s official schema',
    (_name, query) => {
      const errors = validate(schema, parse(query));
      expect(errors.map((e) => e.message)).toEqual([]);
    },
  );

  it('detects a typo against the schema (the validation can fail)', () => {
    const broken = SYNC_DETECT_QUERY.replace('stargazerCount', 'stargazersCount');
    expect(validate(schema, parse(broken)).length).toBeGreaterThan(0);
  });

  it('leaves streams out of the document instead of skipping them with directives', () => {
    const q = repoPageQuery({ walks: 1 });
    expect(q).toContain('history(');
    expect(q).not.toContain('pullRequests(');
    expect(q).not.toContain('refs(');
    expect(q).not.toContain('fragment SyncPull');
  });
});

describe('sync GraphQL cost planning', () => {
  it('a full commit page costs one point: the page plus one parents connection per commit', () => {
    expect(roundRequests({ refs: 0, walks: [100], pulls: 0 })).toBe(101);
    expect(costOf(101)).toBe(1);
  });

  it('fills a commit round with as many pull requests as keep the cost at one point', () => {
    const plan = planRound({ refs: 100, walks: [100], pulls: 100 });
    expect(plan.walks).toEqual([100]);
    // 5 (refs and the deployments, issues, releases and tags counts) + 101 + 3 × 14 + 1 = 149.
    expect(plan.pulls).toBe(14);
    expect(planRound({ refs: 0, walks: [100], pulls: 100 }).pulls).toBe(15);
    expect(roundRequests(plan)).toBeLessThanOrEqual(149);
    expect(costOf(roundRequests(plan))).toBe(1);
  });

  it('gives pull requests alone 49 per point', () => {
    const plan = planRound({ refs: 0, walks: [], pulls: 100 });
    expect(plan.pulls).toBe(49);
    expect(costOf(roundRequests(plan))).toBe(1);
  });

  it('never plans a query above one point whatever the adaptive sizes are', () => {
    const walkSets = [[], [1], [100], [50, 20, 20], [20, 20, 20, 20, 20, 20, 20, 20, 20, 20]];
    for (const refs of [0, 100]) {
      for (const walks of walkSets) {
        for (const pulls of [0, 1, 5, 50, 100]) {
          if (!refs && !walks.length && !pulls) continue;
          const plan = planRound({ refs, walks, pulls });
          expect(costOf(roundRequests(plan))).toBe(1);
          expect(plan.walks.length).toBeGreaterThanOrEqual(Math.min(walks.length, 1));
        }
      }
    }
  });

  it('carries a stargazers and a forks page for a request each, next to the rest, still at one point', () => {
    expect(roundRequests({ refs: 0, walks: [], pulls: 0, stars: 100, forks: 100 })).toBe(2);
    const plan = planRound({ refs: 100, walks: [100], pulls: 100, stars: 100, forks: 100 });
    expect([plan.stars, plan.forks, plan.walks]).toEqual([100, 100, [100]]);
    expect(plan.pulls).toBe(13);
    expect(costOf(roundRequests(plan))).toBe(1);
    // Pull requests give up room only when the point is full: 49 fit next to a stargazers page, 48 next to both.
    expect(planRound({ refs: 0, walks: [], pulls: 100, stars: 100 }).pulls).toBe(49);
    expect(planRound({ refs: 0, walks: [], pulls: 100, stars: 100, forks: 100 }).pulls).toBe(48);
  });

  it('asks stargazers newest first with starredAt, and forks newest first with createdAt', () => {
    const q = repoPageQuery({ stars: true, forks: true });
    expect(q).toContain(
      'stargazers(first: $starsFirst, after: $starsAfter, orderBy: { field: STARRED_AT, direction: DESC })',
    );
    expect(q).toContain('edges { starredAt node { databaseId login } }');
    expect(q).toContain(
      'forks(first: $forksFirst, after: $forksAfter, orderBy: { field: CREATED_AT, direction: DESC })',
    );
    expect(q).not.toContain('history(');
  });

  it('packs several small branch walks into one round', () => {
    const plan = planRound({ refs: 0, walks: [20, 20, 20, 20], pulls: 0 });
    expect(plan.walks).toEqual([20, 20, 20, 20]);
    expect(roundRequests(plan)).toBe(84);
  });
});
