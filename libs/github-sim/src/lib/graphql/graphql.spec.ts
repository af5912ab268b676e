import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { client, graphql } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';
import { githubSchema } from './github-schema';
import { analyzeQuery } from './query-cost';

const REPO_OVERVIEW = `
  query RepoOverview($owner: String!, $name: String!) {
    repository(owner: $owner, name: $name) {
      id databaseId nameWithOwner isPrivate isArchived isFork
      stargazerCount forkCount
      watchers { totalCount }
      openIssues: issues(states: OPEN) { totalCount }
      closedIssues: issues(states: CLOSED) { totalCount }
      labels(first: 20) { nodes { name color } }
      languages(first: 10, orderBy: { field: SIZE, direction: DESC }) { totalSize edges { size node { name color } } }
      repositoryTopics(first: 10) { nodes { topic { name } } }
      primaryLanguage { name }
      defaultBranchRef { name target { ... on Commit { oid } } }
    }
    rateLimit { cost remaining resetAt limit used }
  }`;

const HISTORY = `
  query History($owner: String!, $name: String!, $since: GitTimestamp, $until: GitTimestamp, $first: Int!, $after: String) {
    repository(owner: $owner, name: $name) {
      defaultBranchRef {
        target {
          ... on Commit {
            history(since: $since, until: $until, first: $first, after: $after) {
              totalCount
              pageInfo { hasNextPage endCursor }
              nodes {
                oid message additions deletions changedFilesIfAvailable committedDate
                author { name email date user { login databaseId } }
                committer { name email date }
                parents(first: 2) { nodes { oid } }
              }
            }
          }
        }
      }
    }
  }`;

const PULLS = `
  query Pulls($owner: String!, $name: String!, $after: String) {
    repository(owner: $owner, name: $name) {
      pullRequests(first: 50, after: $after, orderBy: { field: UPDATED_AT, direction: DESC }, states: [OPEN, CLOSED, MERGED]) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id databaseId number title state isDraft createdAt updatedAt mergedAt closedAt additions deletions
          author { login } headRefName baseRefName
          reviews(first: 20) { totalCount nodes { submittedAt state author { login } } }
          labels(first: 10) { nodes { name } }
        }
      }
    }
  }`;

type HistoryData = {
  repository: {
    defaultBranchRef: {
      target: {
        history: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          nodes: Array<{
            oid: string;
            additions: number;
            deletions: number;
            committedDate: string;
            parents: { nodes: Array<{ oid: string }> };
          }>;
        };
      };
    };
  };
};

function costOf(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return analyzeQuery(githubSchema(), op, fragments, variables);
}

describe('GraphQL API', () => {
  let sim: GithubSimHandle;
  let token: string;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', sizes: { commitsPerRepo: 250, pullsPerRepo: 12 } });
    token = sim.issueToken('octocat');
  });
  afterAll(() => sim.stop());

  describe('schema fidelity', () => {
    it('executes the repository overview query Trackeep uses', async () => {
      const res = await graphql<{ repository: Record<string, unknown>; rateLimit: Record<string, unknown> }>(
        sim,
        token,
        REPO_OVERVIEW,
        { owner: 'octocat', name: 'Hello-World' },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.repository).toMatchObject({
        nameWithOwner: 'octocat/Hello-World',
        databaseId: expect.any(Number),
        watchers: { totalCount: expect.any(Number) },
      });
      expect(res.data?.rateLimit).toMatchObject({
        cost: 1,
        limit: 5000,
        remaining: expect.any(Number),
        resetAt: expect.stringMatching(/Z$/),
      });
    });

    it('lists deployments newest first with their statuses; ids and states agree with REST', async () => {
      const w = sim.world;
      const repo = w.requireRepo({ owner: 'octocat', repo: 'Hello-World' });
      const failed = await w.deploy({
        owner: 'octocat',
        repo: 'Hello-World',
        ref: repo.defaultBranch,
        state: 'failure',
      });
      const ok = await w.deploy({
        owner: 'octocat',
        repo: 'Hello-World',
        ref: repo.defaultBranch,
        environment: 'staging',
      });
      type Status = { id: string; state: string; createdAt: string };
      const res = await graphql<{
        repository: {
          deployments: {
            totalCount: number;
            nodes: Array<{
              databaseId: number;
              environment: string;
              state: string;
              commitOid: string;
              latestStatus: Status | null;
              statuses: { nodes: Status[] };
            }>;
          };
        };
        rateLimit: { cost: number; nodeCount: number };
      }>(
        sim,
        token,
        `
          query ($owner: String!, $name: String!) {
            rateLimit {
              cost
              nodeCount
            }
            repository(owner: $owner, name: $name) {
              deployments(first: 5, orderBy: { field: CREATED_AT, direction: DESC }) {
                totalCount
                nodes {
                  databaseId
                  environment
                  state
                  commitOid
                  latestStatus {
                    id
                    state
                    createdAt
                  }
                  statuses(first: 10) {
                    nodes {
                      id
                      state
                      createdAt
                    }
                  }
                }
              }
            }
          }
        `,
        { owner: 'octocat', name: 'Hello-World' },
      );
      expect(res.errors).toBeUndefined();
      const [newest, second] = res.data?.repository.deployments.nodes ?? [];
      expect(newest).toMatchObject({
        databaseId: ok.id,
        environment: 'staging',
        state: 'ACTIVE',
        commitOid: ok.sha,
      });
      expect(newest?.statuses.nodes.map((x) => x.state)).toEqual(['SUCCESS', 'IN_PROGRESS', 'QUEUED']);
      expect(second).toMatchObject({
        databaseId: failed.id,
        state: 'FAILURE',
        latestStatus: { state: 'FAILURE' },
      });
      // A status's GraphQL id is the node_id REST and webhooks give it.
      const rest = await fetch(`${sim.apiUrl}/repos/octocat/Hello-World/deployments/${failed.id}/statuses`, {
        headers: { authorization: `token ${token}` },
      });
      const restStatuses = (await rest.json()) as Array<{ node_id: string }>;
      expect(second?.statuses.nodes.map((x) => x.id)).toEqual(restStatuses.map((x) => x.node_id));
      // One request for the deployments, one for the statuses under each of the 5: 6 requests, 1 point; 55 nodes.
      expect(res.data?.rateLimit).toEqual({ cost: 1, nodeCount: 55 });
      expect(
        costOf(
          `query { repository(owner: "a", name: "b") { deployments(first: 99) { nodes { statuses(first: 10) { nodes { state } } } } } }`,
        ).requests,
      ).toBe(100);
    });

    it('lists releases newest first with the tagged commit', async () => {
      const made = await sim.world.createRelease({ owner: 'octocat', repo: 'Hello-World', tag: 'v7.0.0' });
      const res = await graphql<{
        repository: {
          releases: {
            nodes: Array<{
              databaseId: number;
              tagName: string;
              isPrerelease: boolean;
              tagCommit: { oid: string };
            }>;
          };
        };
      }>(
        sim,
        token,
        `
          query ($owner: String!, $name: String!) {
            repository(owner: $owner, name: $name) {
              releases(first: 3, orderBy: { field: CREATED_AT, direction: DESC }) {
                nodes {
                  databaseId
                  tagName
                  isPrerelease
                  tagCommit {
                    oid
                  }
                }
              }
            }
          }
        `,
        { owner: 'octocat', name: 'Hello-World' },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.repository.releases.nodes[0]).toEqual({
        databaseId: made.id,
        tagName: 'v7.0.0',
        isPrerelease: false,
        tagCommit: { oid: made.sha },
      });
    });

    it("compares a ref with another (Ref.compare): ahead and behind counts, status, the head's own commits", async () => {
      const ref = { owner: 'octocat', repo: 'Hello-World' };
      const base = await sim.world.pushCommits({ ...ref, branch: 'cmp-base', commits: 3 });
      const head = await sim.world.pushCommits({ ...ref, branch: 'cmp-head', commits: 2 });
      const repo = sim.world.requireRepo(ref);
      const defaultTip = sim.world.detail(repo).branches.get(repo.defaultBranch)?.tip;
      type Cmp = {
        aheadBy: number;
        behindBy: number;
        status: string;
        baseTarget: { oid: string };
        headTarget: { oid: string };
        commits: { totalCount: number; nodes: Array<{ oid: string }> };
      } | null;
      const res = await graphql<{
        repository: {
          defaultBranchRef: { toBase: Cmp };
          ref: { toHead: Cmp; toSelf: Cmp; toNothing: Cmp; toTag: Cmp };
        };
      }>(
        sim,
        token,
        `
          fragment C on Comparison {
            aheadBy
            behindBy
            status
            baseTarget {
              oid
            }
            headTarget {
              oid
            }
            commits(first: 10) {
              totalCount
              nodes {
                oid
              }
            }
          }
          query ($owner: String!, $name: String!) {
            repository(owner: $owner, name: $name) {
              defaultBranchRef {
                toBase: compare(headRef: "cmp-base") {
                  ...C
                }
              }
              ref(qualifiedName: "refs/heads/cmp-base") {
                toHead: compare(headRef: "refs/heads/cmp-head") {
                  ...C
                }
                toSelf: compare(headRef: "cmp-base") {
                  ...C
                }
                toNothing: compare(headRef: "no-such-branch") {
                  ...C
                }
                toTag: compare(headRef: "refs/tags/no-such-tag") {
                  ...C
                }
              }
            }
          }
        `,
        { owner: 'octocat', name: 'Hello-World' },
      );
      expect(res.errors).toBeUndefined();
      const r = res.data?.repository;
      expect(r?.defaultBranchRef.toBase).toEqual({
        aheadBy: 3,
        behindBy: 0,
        status: 'AHEAD',
        baseTarget: { oid: defaultTip },
        headTarget: { oid: base.after },
        commits: { totalCount: 3, nodes: base.shas.map((oid) => ({ oid })) },
      });
      expect(r?.ref.toHead).toEqual({
        aheadBy: 2,
        behindBy: 3,
        status: 'DIVERGED',
        baseTarget: { oid: base.after },
        headTarget: { oid: head.after },
        commits: { totalCount: 2, nodes: head.shas.map((oid) => ({ oid })) },
      });
      expect(r?.ref.toSelf).toMatchObject({
        aheadBy: 0,
        behindBy: 0,
        status: 'IDENTICAL',
        commits: { totalCount: 0 },
      });
      // "If the comparison can be made": a head ref that does not exist gives null, and no error.
      expect(r?.ref.toNothing).toBeNull();
      expect(r?.ref.toTag).toBeNull();
    });

    it('fails a wrong field name with GitHub’s undefinedField error (and executes nothing)', async () => {
      const res = await graphql(sim, token, '{ viewer { login stargazerCount } }');
      expect(res.status).toBe(200);
      expect(res.data).toBeUndefined();
      expect(res.errors).toEqual([
        {
          path: ['query', 'viewer', 'stargazerCount'],
          extensions: { code: 'undefinedField', typeName: 'User', fieldName: 'stargazerCount' },
          locations: [{ line: 1, column: 18 }],
          message: "Field 'stargazerCount' doesn't exist on type 'User'",
        },
      ]);
    });

    it('reports unknown arguments and missing required arguments like GitHub', async () => {
      const bad = await graphql(
        sim,
        token,
        '{ repository(owner: "octocat", name: "Hello-World", foo: 1) { id } }',
      );
      expect(bad.errors?.[0]).toMatchObject({
        message: "Field 'repository' doesn't accept argument 'foo'",
        extensions: { code: 'argumentNotAccepted' },
      });
      const missing = await graphql(sim, token, '{ repository(owner: "octocat") { id } }');
      expect(missing.errors?.[0]).toMatchObject({
        message: "Field 'repository' is missing required arguments: name",
        extensions: { code: 'missingRequiredArguments' },
      });
    });

    it('answers a syntax error with a Parse error and its location', async () => {
      const res = await graphql(sim, token, '{ viewer { login }}}');
      expect(res.errors?.[0]).toEqual({
        message: 'Parse error on "}" (RCURLY) at [1, 20]',
        locations: [{ line: 1, column: 20 }],
      });
    });

    it('requires a token (401) and rejects a bad one', async () => {
      const anon = await fetch(sim.graphqlUrl, {
        method: 'POST',
        body: JSON.stringify({ query: '{ viewer { login } }' }),
      });
      expect(anon.status).toBe(401);
      expect(((await anon.json()) as { message: string }).message).toBe(
        'This endpoint requires you to be authenticated.',
      );
      const bad = await graphql(sim, 'gho_bad', '{ viewer { login } }');
      expect(bad.status).toBe(401);
    });

    it('is also served at /api/graphql (GHES)', async () => {
      const res = await fetch(`${sim.url}/api/graphql`, {
        method: 'POST',
        headers: { authorization: `bearer ${token}` },
        body: JSON.stringify({ query: '{ viewer { login } }' }),
      });
      expect(((await res.json()) as { data: { viewer: { login: string } } }).data.viewer.login).toBe(
        'octocat',
      );
    });

    it('answers a missing repository with NOT_FOUND and a null field', async () => {
      const res = await graphql(sim, token, '{ repository(owner: "octocat", name: "nope") { id } }');
      expect(res.data).toEqual({ repository: null });
      expect(res.errors?.[0]).toMatchObject({
        type: 'NOT_FOUND',
        path: ['repository'],
        message: "Could not resolve to a Repository with the name 'octocat/nope'.",
      });
    });

    it('resolves nodes(ids) with Repository node ids, null plus NOT_FOUND for bad ones', async () => {
      const rest = await client(sim, token).get<{ node_id: string }>('/repos/octocat/Hello-World');
      const res = await graphql<{ nodes: Array<{ nameWithOwner: string } | null> }>(
        sim,
        token,
        'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Repository { nameWithOwner } } }',
        { ids: [rest.body.node_id, 'MDQ6VXNlcjA='] },
      );
      expect(res.data?.nodes).toEqual([
        { id: rest.body.node_id, nameWithOwner: 'octocat/Hello-World' },
        null,
      ]);
      expect(res.errors?.[0]).toMatchObject({ type: 'NOT_FOUND', path: ['nodes', 1] });
    });
  });

  describe('pagination rules', () => {
    it('rejects first > 100 like GitHub', async () => {
      const res = await graphql(sim, token, '{ viewer { repositories(first: 101) { nodes { id } } } }');
      expect(res.errors).toEqual([
        {
          type: 'EXCESSIVE_PAGINATION',
          path: ['query', 'viewer', 'repositories'],
          locations: [{ line: 1, column: 12 }],
          message:
            'Requesting 101 records on the `repositories` connection exceeds the `first` limit of 100 records.',
        },
      ]);
      const last = await graphql(
        sim,
        token,
        'query($n: Int) { viewer { repositories(last: $n) { nodes { id } } } }',
        { n: 500 },
      );
      expect(last.errors?.[0]?.['message']).toBe(
        'Requesting 500 records on the `repositories` connection exceeds the `last` limit of 100 records.',
      );
    });

    it('requires first or last when nodes or edges are requested, but not for totalCount alone', async () => {
      const res = await graphql(sim, token, '{ viewer { repositories { nodes { id } } } }');
      expect(res.errors?.[0]).toMatchObject({ type: 'MISSING_PAGINATION_BOUNDARIES' });
      const count = await graphql<{ viewer: { repositories: { totalCount: number } } }>(
        sim,
        token,
        '{ viewer { repositories { totalCount } } }',
      );
      expect(count.errors).toBeUndefined();
      expect(count.data?.viewer.repositories.totalCount).toBeGreaterThan(0);
    });

    it('walks the whole default-branch history with cursors, matching REST commits', async () => {
      const oids: string[] = [];
      let after: string | null = null;
      let total = 0;
      for (let page = 0; page < 10; page++) {
        const res: Awaited<ReturnType<typeof graphql<HistoryData>>> = await graphql<HistoryData>(
          sim,
          token,
          HISTORY,
          { owner: 'octocat', name: 'Hello-World', first: 100, after },
        );
        expect(res.errors).toBeUndefined();
        const h = res.data?.repository.defaultBranchRef.target
          .history as HistoryData['repository']['defaultBranchRef']['target']['history'];
        total = h.totalCount;
        oids.push(...h.nodes.map((n) => n.oid));
        if (!h.pageInfo.hasNextPage) break;
        after = h.pageInfo.endCursor;
      }
      expect(total).toBe(250);
      expect(oids).toHaveLength(250);
      expect(new Set(oids).size).toBe(250);
      const rest = await client(sim, token).get<Array<{ sha: string }>>(
        '/repos/octocat/Hello-World/commits?per_page=100&page=2',
      );
      expect(oids.slice(100, 200)).toEqual(rest.body.map((c) => c.sha));
    });

    it('filters history by since/until and rejects an invalid cursor', async () => {
      const all = await graphql<HistoryData>(sim, token, HISTORY, {
        owner: 'octocat',
        name: 'Hello-World',
        first: 100,
      });
      const nodes = all.data?.repository.defaultBranchRef.target.history.nodes ?? [];
      const res = await graphql<HistoryData>(sim, token, HISTORY, {
        owner: 'octocat',
        name: 'Hello-World',
        first: 100,
        since: nodes[60]!.committedDate,
        until: nodes[20]!.committedDate,
      });
      const h = res.data?.repository.defaultBranchRef.target.history;
      expect(h?.nodes[0]?.oid).toBe(nodes[20]!.oid);
      expect(h?.nodes.at(-1)?.oid).toBe(nodes[60]!.oid);
      expect(h?.totalCount).toBe(41);
      const bad = await graphql(sim, token, HISTORY, {
        owner: 'octocat',
        name: 'Hello-World',
        first: 10,
        after: 'nonsense',
      });
      expect(bad.errors?.[0]).toMatchObject({ type: 'INVALID_CURSOR_ARGUMENTS' });
    });

    it('pages pull requests with reviews, ordered by updatedAt desc', async () => {
      const res = await graphql<{
        repository: {
          pullRequests: {
            totalCount: number;
            nodes: Array<{
              state: string;
              updatedAt: string;
              reviews: { totalCount: number; nodes: Array<{ submittedAt: string }> };
            }>;
          };
        };
      }>(sim, token, PULLS, { owner: 'octocat', name: 'Hello-World' });
      expect(res.errors).toBeUndefined();
      const prs = res.data?.repository.pullRequests;
      expect(prs?.totalCount).toBe(12);
      const updated = prs?.nodes.map((p) => Date.parse(p.updatedAt)) ?? [];
      expect(updated).toEqual([...updated].sort((a, b) => b - a));
      expect(new Set(prs?.nodes.map((p) => p.state))).toEqual(new Set(['OPEN', 'CLOSED', 'MERGED']));
      for (const p of prs?.nodes ?? []) expect(p.reviews.nodes).toHaveLength(p.reviews.totalCount);
    });

    it("lists every pull request's own commits oldest first, merged and closed ones too, written before it was opened", async () => {
      const res = await graphql<{
        repository: {
          pullRequests: {
            nodes: Array<{
              state: string;
              createdAt: string;
              commits: { totalCount: number; nodes: Array<{ commit: { authoredDate: string } }> };
            }>;
          };
        };
      }>(
        sim,
        token,
        `
          query ($owner: String!, $name: String!) {
            repository(owner: $owner, name: $name) {
              pullRequests(first: 100) {
                nodes {
                  state
                  createdAt
                  commits(first: 100) {
                    totalCount
                    nodes {
                      commit {
                        authoredDate
                      }
                    }
                  }
                }
              }
            }
          }
        `,
        { owner: 'octocat', name: 'Hello-World' },
      );
      expect(res.errors).toBeUndefined();
      const prs = res.data?.repository.pullRequests.nodes ?? [];
      expect(new Set(prs.map((p) => p.state))).toEqual(new Set(['OPEN', 'CLOSED', 'MERGED']));
      // The generator opens a few pull requests before the repository's first commit; nothing can precede those.
      const graph = sim.world.graph(sim.world.repo('octocat', 'Hello-World')!);
      const firstCommitAt = graph.get(graph.virtualSha(0, 0))!.authoredAt;
      for (const p of prs) {
        expect(p.commits.totalCount).toBeGreaterThan(0);
        expect(p.commits.nodes).toHaveLength(p.commits.totalCount);
        const written = p.commits.nodes.map((n) => Date.parse(n.commit.authoredDate));
        expect(written).toEqual([...written].sort((a, b) => a - b));
        if (p.state !== 'OPEN' && Date.parse(p.createdAt) > firstCommitAt)
          expect(written[0]!).toBeLessThan(Date.parse(p.createdAt));
      }
    });
  });

  describe('bad input', () => {
    const post = (body: string) =>
      fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
        body,
      });

    it.each([
      ['broken JSON', '{"query": '],
      ['an array body', '[1,2]'],
      ['no query', '{}'],
      ['a numeric query', '{"query": 5}'],
      [
        'variables of the wrong type',
        JSON.stringify({
          query: 'query($n: Int!) { viewer { repositories(first: $n) { totalCount } } }',
          variables: { n: 'ten' },
        }),
      ],
      [
        'an unknown operationName',
        JSON.stringify({ query: 'query A { viewer { login } }', operationName: 'B' }),
      ],
      [
        'a mutation',
        JSON.stringify({ query: 'mutation { addStar(input: {starrableId: "x"}) { clientMutationId } }' }),
      ],
      [
        'a bad refPrefix',
        JSON.stringify({
          query:
            '{ repository(owner: "octocat", name: "Hello-World") { refs(refPrefix: "heads", first: 5) { totalCount } } }',
        }),
      ],
      [
        'a bad GitTimestamp',
        JSON.stringify({
          query:
            '{ repository(owner: "octocat", name: "Hello-World") { defaultBranchRef { target { ... on Commit { history(first: 1, since: "yesterday") { totalCount } } } } } }',
        }),
      ],
      [
        '101 node ids',
        JSON.stringify({
          query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
          variables: { ids: Array.from({ length: 101 }, () => 'x') },
        }),
      ],
      ['a huge query', JSON.stringify({ query: `{ viewer { ${'login '.repeat(30_000)} } }` })],
    ])('answers %s with a 4xx or GitHub-shaped errors, never a 500', async (_label, body) => {
      const res = await post(body);
      expect(res.status).toBeLessThan(500);
      const json = (await res.json()) as { errors?: Array<{ message: string }>; message?: string };
      expect(json.errors?.[0]?.message ?? json.message).toEqual(expect.any(String));
    });
  });

  describe('rate limit and cost', () => {
    it('computes GitHub’s documented examples', () => {
      // https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api
      const docs = `query { viewer { login repositories(first: 100) { edges { node { id issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } }`;
      const a = costOf(docs);
      expect(a.requests).toBe(1 + 100 + 100 * 50);
      expect(a.cost).toBe(51);
      expect(a.nodeCount).toBe(100 + 100 * 50 + 100 * 50 * 60);
      const second = `query { viewer { repositories(first: 50) { edges { repository: node { name pullRequests(first: 20) { edges { pullRequest: node { title comments(first: 10) { edges { comment: node { bodyHTML } } } } } } issues(first: 20) { totalCount edges { issue: node { title bodyHTML comments(first: 10) { edges { comment: node { bodyHTML } } } } } } } } } followers(first: 10) { edges { follower: node { login } } } } }`;
      const b = costOf(second);
      expect(b.requests).toBe(1 + 50 + 50 * 20 + 50 + 50 * 20 + 1);
      expect(b.cost).toBe(21);
      expect(b.nodeCount).toBe(50 + 50 * 20 + 50 * 20 * 10 + 50 * 20 + 50 * 20 * 10 + 10);
      expect(costOf('{ viewer { login } }').cost).toBe(1);
    });

    it('charges the computed cost and reports it in headers and rateLimit', async () => {
      const q =
        '{ viewer { repositories(first: 100) { nodes { pullRequests(first: 50) { nodes { reviews(first: 10) { totalCount } } } } } } rateLimit { cost used remaining } }';
      const before = await graphql<{ rateLimit: { used: number } }>(sim, token, '{ rateLimit { used } }');
      const res = await graphql<{ rateLimit: { cost: number; used: number; remaining: number } }>(
        sim,
        token,
        q,
      );
      expect(res.data?.rateLimit.cost).toBe(51);
      expect(res.data?.rateLimit.used).toBe((before.data?.rateLimit.used ?? 0) + 51);
      expect(res.headers.get('x-ratelimit-resource')).toBe('graphql');
      expect(Number(res.headers.get('x-ratelimit-used'))).toBe(res.data?.rateLimit.used);
      expect(Number(res.headers.get('x-ratelimit-remaining'))).toBe(res.data?.rateLimit.remaining);
    });

    it('answers RATE_LIMITED (HTTP 200, remaining 0) once the points are spent', async () => {
      const small = await startGithubSim({ preset: 'small', rateLimit: { graphql: 60 } });
      try {
        const t = small.issueToken('octocat');
        const heavy =
          '{ viewer { repositories(first: 100) { nodes { pullRequests(first: 50) { nodes { reviews(first: 10) { totalCount } } } } } } }';
        expect((await graphql(small, t, heavy)).errors).toBeUndefined();
        const res = await graphql(small, t, heavy);
        expect(res.status).toBe(200);
        expect(res.errors?.[0]).toMatchObject({
          type: 'RATE_LIMITED',
          message: 'API rate limit already exceeded for user ID 583231.',
        });
        expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
        expect((await graphql(small, t, '{ viewer { login } }')).errors).toBeUndefined();
      } finally {
        await small.stop();
      }
    });

    it('counts queries, points and nodes in stats', async () => {
      const before = sim.stats().graphql;
      await graphql(sim, token, '{ viewer { repositories(first: 5) { nodes { id } } } }');
      const after = sim.stats().graphql;
      expect(after.queries).toBe(before.queries + 1);
      expect(after.points).toBe(before.points + 1);
      expect(after.nodesRequested).toBe(before.nodesRequested + 5);
    });
  });
});
