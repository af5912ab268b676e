import { client, control, graphql } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

type Gql = Awaited<ReturnType<typeof graphql>>;

const HISTORY_AND_PULLS = `query($o: String!, $n: String!) {
  repository(owner: $o, name: $n) {
    name
    defaultBranchRef { target { ... on Commit { history(first: 3) { nodes { oid additions } } } } }
    pullRequests(first: 2) { nodes { number additions } }
  }
}`;

const SSO_MESSAGE =
  'Resource protected by organization SAML enforcement. You must grant your OAuth token access to this organization.';

describe('GitHub failure shapes (faults)', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let token: string;
  let orgRepo: { full_name: string; name: string; id: number };
  let octocatId: number;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 5 });
    token = sim.issueToken('octocat', ['repo', 'read:org', 'admin:repo_hook']);
    api = client(sim, token);
    orgRepo = (await api.get<Array<{ full_name: string; name: string; id: number }>>('/orgs/acme-corp/repos'))
      .body[0]!;
    octocatId = (await api.get<{ id: number }>('/user')).body.id;
  });
  afterEach(() => sim.setFaults({}));
  afterAll(() => sim.stop());

  const history = (r: Gql) =>
    (r.data as { repository: { defaultBranchRef: { target: { history: { nodes: unknown[] } } } } }).repository
      .defaultBranchRef.target.history.nodes;
  const pulls = (r: Gql) =>
    (r.data as { repository: { pullRequests: { nodes: unknown[] } } }).repository.pullRequests.nodes;

  describe('graphqlPartial', () => {
    it('nulls every commit and pull request whose figure errors, with an error per node at HTTP 200', async () => {
      sim.setFaults({ graphqlPartial: { field: 'additions' } });
      const r = await graphql(sim, token, HISTORY_AND_PULLS, { o: 'octocat', n: 'Hello-World' });
      expect(r.status).toBe(200);
      expect((r.data as { repository: { name: string } }).repository.name).toBe('Hello-World');
      expect(history(r)).toEqual([null, null, null]);
      expect(pulls(r)).toEqual([null, null]);
      expect(r.errors).toHaveLength(5);
      expect(r.errors?.[0]).toEqual({
        path: ['repository', 'defaultBranchRef', 'target', 'history', 'nodes', 0, 'additions'],
        locations: [{ line: 4, column: 81 }],
        message: 'The additions count for this commit is unavailable.',
      });
      expect(r.errors).toContainEqual({
        path: ['repository', 'pullRequests', 'nodes', 1, 'additions'],
        locations: [{ line: 5, column: 45 }],
        message: 'The additions count for this pull request is unavailable.',
      });
    });

    it('hits every N-th node, only the chosen field, repositories and users; off restores the figures', async () => {
      sim.setFaults({
        graphqlPartial: { field: 'additions', everyN: 2, repos: ['OCTOCAT/hello-world'], users: ['octocat'] },
      });
      const r = await graphql(sim, token, HISTORY_AND_PULLS, { o: 'octocat', n: 'Hello-World' });
      const nodes = history(r);
      expect(nodes[0]).toBeNull();
      expect(nodes[1]).toMatchObject({ additions: expect.any(Number) });
      expect(nodes[2]).toBeNull();
      sim.setFaults({ graphqlPartial: { field: 'deletions' } });
      expect(
        (await graphql(sim, token, HISTORY_AND_PULLS, { o: 'octocat', n: 'Hello-World' })).errors,
      ).toBeUndefined();
      sim.setFaults({ graphqlPartial: { field: 'additions', users: ['hubot'] } });
      expect(
        (await graphql(sim, token, HISTORY_AND_PULLS, { o: 'octocat', n: 'Hello-World' })).errors,
      ).toBeUndefined();
      sim.setFaults({});
      const ok = await graphql(sim, token, HISTORY_AND_PULLS, { o: 'octocat', n: 'Hello-World' });
      expect(ok.errors).toBeUndefined();
      expect(history(ok).every((n) => n !== null)).toBe(true);
    });

    it('nulls at most `count` objects in all, then answers whole again', async () => {
      sim.setFaults({ graphqlPartial: { field: 'additions', count: 4 } });
      const first = await graphql(sim, token, HISTORY_AND_PULLS, { o: 'octocat', n: 'Hello-World' });
      expect(history(first)).toEqual([null, null, null]);
      expect(pulls(first)[0]).toBeNull();
      expect(pulls(first)[1]).toMatchObject({ additions: expect.any(Number) });
      const again = await graphql(sim, token, HISTORY_AND_PULLS, { o: 'octocat', n: 'Hello-World' });
      expect(again.errors).toBeUndefined();
    });

    it('words changedFiles as GitHub does', async () => {
      sim.setFaults({ graphqlPartial: { field: 'changedFiles' } });
      const r = await graphql(
        sim,
        token,
        '{ repository(owner: "octocat", name: "Hello-World") { pullRequests(first: 1) { nodes { changedFiles } } } }',
      );
      expect(r.errors?.[0]?.['message']).toBe(
        'The changed files count for this pull request is unavailable.',
      );
    });
  });

  describe('graphqlRateLimit', () => {
    it('answers the RATE_LIMITED shape at 200 with rate-limit headers, without running the query', async () => {
      sim.setFaults({ graphqlRateLimit: { shape: 'RATE_LIMITED' } });
      const r = await fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { authorization: `bearer ${token}` },
        body: JSON.stringify({ query: '{ viewer { login } }' }),
      });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(
        JSON.stringify({
          data: null,
          errors: [{ type: 'RATE_LIMITED', message: `API rate limit exceeded for user ID ${octocatId}.` }],
        }),
      );
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(r.headers.get('x-ratelimit-resource')).toBe('graphql');
      expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    });

    it('answers the RATE_LIMIT / graphql_rate_limit shape, at 403 when asked, count times, for listed users', async () => {
      sim.setFaults({ graphqlRateLimit: { shape: 'RATE_LIMIT', status: 403, count: 2, users: ['OctoCat'] } });
      const hit = await fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { authorization: `bearer ${token}` },
        body: JSON.stringify({ query: '{ viewer { login } }' }),
      });
      expect(hit.status).toBe(403);
      expect(await hit.text()).toBe(
        JSON.stringify({
          errors: [
            {
              type: 'RATE_LIMIT',
              code: 'graphql_rate_limit',
              message: `API rate limit already exceeded for user ID ${octocatId}.`,
            },
          ],
          data: null,
        }),
      );
      expect(hit.headers.get('x-ratelimit-remaining')).toBe('0');
      expect((await graphql(sim, sim.issueToken('hubot'), '{ viewer { login } }')).errors).toBeUndefined();
      expect((await graphql(sim, token, '{ viewer { login } }')).status).toBe(403);
      const after = await graphql(sim, token, '{ viewer { login } }');
      expect(after.status).toBe(200);
      expect(after.data).toEqual({ viewer: { login: 'octocat' } });
    });
  });

  describe('sso', () => {
    it('answers REST 403 with X-GitHub-SSO required for the org’s repositories and hooks', async () => {
      sim.setFaults({ sso: { org: 'ACME-corp' } });
      for (const path of [
        `/repos/${orgRepo.full_name}`,
        `/repos/${orgRepo.full_name}/hooks`,
        `/repositories/${orgRepo.id}`,
      ]) {
        const r = await api.get<Record<string, unknown>>(path);
        expect(r.status).toBe(403);
        expect(r.body).toEqual({
          message: SSO_MESSAGE,
          documentation_url:
            'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/',
          status: '403',
        });
        expect(r.headers.get('x-github-sso')).toMatch(
          new RegExp(`^required; url=${sim.url}/orgs/acme-corp/sso\\?authorization_request=[0-9a-f]{40}$`),
        );
        expect(r.headers.get('x-ratelimit-remaining')).not.toBeNull();
      }
      const post = await api.post(`/repos/${orgRepo.full_name}/hooks`, {
        config: { url: 'http://127.0.0.1:9/x' },
      });
      expect(post.status).toBe(403);
      expect(post.headers.get('x-github-sso')).toMatch(/^required; url=/);
      expect((await api.get('/repos/octocat/Hello-World')).status).toBe(200);
    });

    it('drops the org’s repositories from lists with X-GitHub-SSO partial-results', async () => {
      const orgs = (await control(sim).get<Array<{ id: number; login: string }>>('/orgs')).body;
      const acme = orgs.find((o) => o.login === 'acme-corp');
      const all = (await api.get<Array<{ full_name: string }>>('/user/repos?per_page=100')).body;
      expect(all.some((x) => x.full_name === orgRepo.full_name)).toBe(true);
      sim.setFaults({ sso: { org: 'acme-corp' } });
      const list = await api.get<Array<{ full_name: string }>>('/user/repos?per_page=100');
      expect(list.status).toBe(200);
      expect(list.headers.get('x-github-sso')).toBe(`partial-results; organizations=${acme?.id}`);
      expect(list.body.some((x) => x.full_name.startsWith('acme-corp/'))).toBe(false);
      expect(list.body.some((x) => x.full_name === 'octocat/Hello-World')).toBe(true);
      sim.setFaults({});
      const back = await api.get<Array<{ full_name: string }>>('/user/repos?per_page=100');
      expect(back.headers.get('x-github-sso')).toBeNull();
      expect(back.body.some((x) => x.full_name === orgRepo.full_name)).toBe(true);
    });

    it('answers GraphQL with a null repository and a FORBIDDEN error at 200, only for listed users', async () => {
      sim.setFaults({ sso: { org: 'acme-corp', users: ['octocat'] } });
      const q = `query { repository(owner: "acme-corp", name: "${orgRepo.name}") { name } }`;
      const r = await graphql(sim, token, q);
      expect(r.status).toBe(200);
      expect(r.data).toEqual({ repository: null });
      expect(r.errors).toEqual([
        {
          type: 'FORBIDDEN',
          path: ['repository'],
          extensions: { saml_failure: true },
          locations: [{ line: 1, column: 9 }],
          message: SSO_MESSAGE,
        },
      ]);
      const other = sim.issueToken('hubot', ['repo']);
      expect((await client(sim, other).get(`/repos/${orgRepo.full_name}`)).status).not.toBe(403);
      sim.setFaults({});
      expect((await graphql(sim, token, q)).data).toEqual({ repository: { name: orgRepo.name } });
    });
  });

  describe('repositories asked by node id (as Trackeep’s sync does)', () => {
    it('answer null + FORBIDDEN under SSO / OAuth App policy and null + NOT_FOUND under notFound, in node and nodes', async () => {
      const org = (await api.get<{ node_id: string }>(`/repos/${orgRepo.full_name}`)).body.node_id;
      const mine = (await api.get<{ node_id: string }>('/repos/octocat/Hello-World')).body.node_id;
      const q = `query($id: ID!, $ids: [ID!]!) { node(id: $id) { id } nodes(ids: $ids) { id } }`;
      sim.setFaults({ sso: { org: 'acme-corp' } });
      const sso = await graphql(sim, token, q, { id: org, ids: [mine, org] });
      expect(sso.status).toBe(200);
      expect(sso.data).toEqual({ node: null, nodes: [{ id: mine }, null] });
      expect(sso.errors).toEqual([
        {
          type: 'FORBIDDEN',
          path: ['node'],
          extensions: { saml_failure: true },
          locations: [{ line: 1, column: 33 }],
          message: SSO_MESSAGE,
        },
        {
          type: 'FORBIDDEN',
          path: ['nodes', 1],
          extensions: { saml_failure: true },
          locations: [{ line: 1, column: 54 }],
          message: SSO_MESSAGE,
        },
      ]);
      sim.setFaults({ oauthAppPolicy: { org: 'acme-corp' } });
      const oauth = await graphql(sim, token, q, { id: org, ids: [org] });
      expect(oauth.data).toEqual({ node: null, nodes: [null] });
      expect(oauth.errors?.map((e) => [e['type'], e['path']])).toEqual([
        ['FORBIDDEN', ['node']],
        ['FORBIDDEN', ['nodes', 0]],
      ]);
      sim.setFaults({ notFound: { repos: ['octocat/hello-world'] } });
      const gone = await graphql(sim, token, q, { id: mine, ids: [mine] });
      expect(gone.data).toEqual({ node: null, nodes: [null] });
      expect(gone.errors?.[0]).toEqual({
        type: 'NOT_FOUND',
        path: ['node'],
        locations: [{ line: 1, column: 33 }],
        message: `Could not resolve to a node with the global id of '${mine}'`,
      });
      sim.setFaults({});
      expect((await graphql(sim, token, q, { id: org, ids: [mine, org] })).data).toEqual({
        node: { id: org },
        nodes: [{ id: mine }, { id: org }],
      });
    });
  });

  describe('oauthAppPolicy', () => {
    const message =
      'Although you appear to have the correct authorization credentials, the `acme-corp` organization has enabled OAuth App access restrictions, meaning that data access to third-parties is limited. For more information on these restrictions, including how to enable this app, visit https://docs.github.com/articles/restricting-access-to-your-organization-s-data/';

    it('answers REST 403 naming the organization, and GraphQL null + FORBIDDEN; off restores', async () => {
      sim.setFaults({ oauthAppPolicy: { org: 'acme-corp' } });
      const r = await api.get<Record<string, unknown>>(`/repos/${orgRepo.full_name}/hooks`);
      expect(r.status).toBe(403);
      expect(r.body).toEqual({
        message,
        documentation_url: 'https://docs.github.com/articles/restricting-access-to-your-organization-s-data/',
        status: '403',
      });
      expect(r.headers.get('x-github-sso')).toBeNull();
      const list = (await api.get<Array<{ full_name: string }>>('/user/repos?per_page=100')).body;
      expect(list.some((x) => x.full_name.startsWith('acme-corp/'))).toBe(false);
      const g = await graphql(
        sim,
        token,
        `{ repository(owner: "acme-corp", name: "${orgRepo.name}") { name } }`,
      );
      expect(g.status).toBe(200);
      expect(g.data).toEqual({ repository: null });
      expect(g.errors).toEqual([
        { type: 'FORBIDDEN', path: ['repository'], locations: [{ line: 1, column: 3 }], message },
      ]);
      sim.setFaults({});
      expect((await api.get(`/repos/${orgRepo.full_name}/hooks`)).status).toBe(200);
    });
  });

  describe('graphqlTimeout', () => {
    it('answers 200 with data null and GitHub’s timeout message every N-th query, count times', async () => {
      sim.setFaults({ graphqlTimeout: { everyN: 2, count: 1 } });
      expect((await graphql(sim, token, '{ viewer { login } }')).data).toEqual({
        viewer: { login: 'octocat' },
      });
      const r = await graphql(sim, token, '{ viewer { login } }');
      expect(r.status).toBe(200);
      expect(r.data).toBeNull();
      expect(r.errors).toHaveLength(1);
      expect(Object.keys(r.errors?.[0] ?? {})).toEqual(['message']);
      expect(r.errors?.[0]?.['message']).toBe(
        `Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include \`${r.headers.get('x-github-request-id')}\` when reporting this issue.`,
      );
      expect(r.headers.get('x-ratelimit-resource')).toBe('graphql');
      expect((await graphql(sim, token, '{ viewer { login } }')).data).not.toBeNull();
      expect((await graphql(sim, token, '{ viewer { login } }')).data).not.toBeNull();
    });
  });

  describe('notFound', () => {
    it('answers 404 by name (REST with rate-limit headers, GraphQL NOT_FOUND) while the id still answers', async () => {
      sim.setFaults({ notFound: { repos: ['Octocat/Hello-World'], users: ['octocat'] } });
      const r = await api.get<Record<string, unknown>>('/repos/octocat/Hello-World');
      expect(r.status).toBe(404);
      expect(r.body).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
      expect(r.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      expect(r.headers.get('x-ratelimit-resource')).toBe('core');
      const g = await graphql(sim, token, '{ repository(owner: "octocat", name: "Hello-World") { name } }');
      expect(g.data).toEqual({ repository: null });
      expect(g.errors).toEqual([
        {
          type: 'NOT_FOUND',
          path: ['repository'],
          locations: [{ line: 1, column: 3 }],
          message: "Could not resolve to a Repository with the name 'octocat/Hello-World'.",
        },
      ]);
      const id = (
        await client(sim, sim.issueToken('hubot')).get<{ id: number }>('/repos/octocat/Hello-World')
      ).body.id;
      expect((await api.get(`/repositories/${id}`)).status).toBe(200);
      sim.setFaults({ notFound: { repos: ['octocat/Hello-World'], byId: true } });
      expect((await api.get(`/repositories/${id}`)).status).toBe(404);
      sim.setFaults({});
      expect((await api.get('/repos/octocat/Hello-World')).status).toBe(200);
    });
  });

  describe('linkStyle', () => {
    it('points Link headers at /repositories/{id}/…, and those pages answer', async () => {
      const id = (await api.get<{ id: number }>('/repos/octocat/Hello-World')).body.id;
      sim.setFaults({ linkStyle: 'repositories' });
      const first = await api.get<Array<{ sha: string }>>('/repos/octocat/Hello-World/commits?per_page=2');
      const link = first.headers.get('link') ?? '';
      const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
      expect(next).toBe(`${sim.apiUrl}/repositories/${id}/commits?per_page=2&page=2`);
      const second = await api.get<Array<{ sha: string }>>(next);
      expect(second.status).toBe(200);
      expect(second.body).toHaveLength(2);
      expect(second.body[0]?.sha).not.toBe(first.body[0]?.sha);
      expect(second.headers.get('link')).toContain(
        `/repositories/${id}/commits?per_page=2&page=3>; rel="next"`,
      );
      sim.setFaults({});
      expect((await api.get('/repos/octocat/Hello-World/commits?per_page=2')).headers.get('link')).toContain(
        '/repos/octocat/Hello-World/commits?per_page=2&page=2',
      );
    });
  });

  it('validates the new fault keys with 422s', async () => {
    const ctl = control(sim);
    const bad = [
      { graphqlPartial: { field: 'oid' } },
      { graphqlPartial: { field: 'additions', everyN: 0 } },
      { graphqlPartial: { field: 'additions', repos: 'a/b' } },
      { graphqlPartial: { field: 'additions', count: -1 } },
      { graphqlRateLimit: { shape: 'NOPE' } },
      { graphqlRateLimit: { shape: 'RATE_LIMIT', status: 500 } },
      { sso: {} },
      { sso: { org: 'acme-corp', extra: 1 } },
      { oauthAppPolicy: { org: '' } },
      { graphqlTimeout: { everyN: 0 } },
      { notFound: { repos: [] } },
      { notFound: { repos: ['no-slash'] } },
      { linkStyle: 'ids' },
    ];
    for (const b of bad) {
      const r = await ctl.put<{ message: string }>('/faults', b);
      expect([b, r.status]).toEqual([b, 422]);
      expect(r.body.message).toBeTruthy();
    }
    expect(
      (
        await ctl.put('/faults', {
          sso: { org: 'acme-corp' },
          graphqlPartial: { field: 'deletions', everyN: 3 },
          notFound: { repos: ['a/b'] },
        })
      ).status,
    ).toBe(200);
  });
});
