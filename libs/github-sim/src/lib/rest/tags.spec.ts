import type { components } from '@octokit/openapi-types';
import { client, control, graphql, webhookReceiver } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';
import { ZERO_SHA } from '../world/git-objects';
import { SimWorld } from '../world/sim-world';

type S = components['schemas'];
const NOW = '2025-06-01T00:00:00Z';
const OPTIONS = { preset: 'small' as const, seed: 42, now: NOW, sizes: { pullsPerRepo: 40 } };
const REPO = '/repos/octocat/Hello-World';

describe('generated tags', () => {
  const w = new SimWorld({ preset: 'demo', seed: 7, now: NOW });
  const repos = [...w.repos.values()];

  it("tag every release (annotated, by the release's author, of its commit) and some merge commits as build-<n> (lightweight)", () => {
    let annotated = 0;
    let builds = 0;
    for (const r of repos) {
      const d = w.detail(r);
      const merges = d.pulls
        .filter((p) => p.mergeCommitSha !== null)
        .sort((a, b) => (a.mergedAt as number) - (b.mergedAt as number));
      for (const release of d.releases) {
        const t = d.tags.get(release.tagName);
        expect(t?.sha).toBe(release.sha);
        expect(t?.annotation?.tagger.userId).toBe(release.authorId);
        expect(t?.annotation?.taggedAt).toBeLessThan(release.createdAt);
        expect(t?.annotation?.sha).toMatch(/^[0-9a-f]{40}$/);
        expect(t?.annotation?.sha).not.toBe(release.sha);
        annotated++;
      }
      for (const t of d.tags.values()) {
        if (t.annotation) continue;
        builds++;
        const [, n] = /^build-(\d+)$/.exec(t.name) ?? [];
        expect(merges[Number(n) - 1]?.mergeCommitSha).toBe(t.sha);
        expect(t.createdAt).toBeLessThanOrEqual(Date.parse(NOW));
      }
    }
    expect(annotated).toBeGreaterThan(3);
    expect(builds).toBeGreaterThan(10);
    // Not every repository has build tags.
    expect(repos.some((r) => ![...w.detail(r).tags.values()].some((t) => !t.annotation))).toBe(true);
  });

  it('are the same for the same seed', () => {
    const again = new SimWorld({ preset: 'demo', seed: 7, now: NOW });
    const tags = (x: SimWorld) => [...x.repos.values()].map((r) => JSON.stringify([...x.detail(r).tags]));
    expect(tags(again)).toEqual(tags(w));
  });
});

describe('tags through GraphQL, REST and the git refs API', () => {
  let sim: GithubSimHandle;
  let token: string;
  let api: ReturnType<typeof client>;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

  beforeAll(async () => {
    sim = await startGithubSim(OPTIONS);
    token = sim.issueToken('octocat', ['repo', 'admin:repo_hook']);
    api = client(sim, token);
    receiver = await webhookReceiver();
    await api.post(`${REPO}/hooks`, {
      config: { url: receiver.url, content_type: 'json' },
      events: ['create', 'delete', 'push', 'release'],
    });
    await sim.world.settled();
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  const detail = () => sim.world.detail(sim.world.repo('octocat', 'Hello-World') as NonNullable<never>);
  const commitDate = (sha: string) =>
    sim.world.graph(sim.world.repo('octocat', 'Hello-World') as NonNullable<never>).get(sha)?.committedAt ??
    0;

  type RefNode = {
    name: string;
    prefix: string;
    target: {
      __typename: string;
      oid: string;
      committedDate?: string;
      tagger?: { date: string; name: string };
      target?: { oid: string; committedDate?: string };
    };
  };
  type RefsData = {
    repository: {
      refs: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: RefNode[];
      };
    };
  };
  const refsQuery = `query($after: String, $query: String) {
    repository(owner: "octocat", name: "Hello-World") {
      refs(refPrefix: "refs/tags/", first: 5, after: $after, query: $query, orderBy: { field: TAG_COMMIT_DATE, direction: DESC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          name prefix
          target {
            __typename oid
            ... on Commit { committedDate }
            ... on Tag { tagger { date name } target { oid ... on Commit { committedDate } } }
          }
        }
      }
    }
  }`;

  it('lists tag refs newest tagged commit first, page by page, annotated ones targeting a Tag', async () => {
    const tags = [...detail().tags.values()];
    expect(tags.length).toBeGreaterThan(10);
    const seen: RefNode[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: Awaited<ReturnType<typeof graphql<RefsData>>> = await graphql<RefsData>(
        sim,
        token,
        refsQuery,
        {
          after,
        },
      );
      expect(res.errors).toBeUndefined();
      const refs: RefsData['repository']['refs'] = (res.data as RefsData).repository.refs;
      expect(refs.totalCount).toBe(tags.length);
      seen.push(...refs.nodes);
      if (!refs.pageInfo.hasNextPage) break;
      after = refs.pageInfo.endCursor;
    }
    expect(seen.map((n) => n.name).sort()).toEqual(tags.map((t) => t.name).sort());
    const dates = seen.map((n) => commitDate(detail().tags.get(n.name)?.sha as string));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    for (const n of seen) {
      const t = detail().tags.get(n.name);
      expect(n.prefix).toBe('refs/tags/');
      if (t?.annotation) {
        expect(n.target).toMatchObject({
          __typename: 'Tag',
          oid: t.annotation.sha,
          tagger: { date: new Date(t.annotation.taggedAt).toISOString().replace('.000Z', 'Z') },
          target: { oid: t.sha, committedDate: expect.any(String) },
        });
      } else {
        expect(n.target).toEqual({
          __typename: 'Commit',
          oid: t?.sha,
          committedDate: new Date(commitDate(t?.sha as string)).toISOString().replace('.000Z', 'Z'),
        });
      }
    }
    expect(seen.some((n) => n.target.__typename === 'Tag')).toBe(true);
    const builds = await graphql<RefsData>(sim, token, refsQuery, { query: 'build-' });
    const names = builds.data?.repository.refs.nodes.map((n) => n.name) ?? [];
    expect(names.length).toBe(5);
    expect(names.every((n) => n.startsWith('build-'))).toBe(true);
  });

  it('finds one tag by its qualified or short name, and branches before tags', async () => {
    const q = `query($a: String!, $b: String!, $c: String!) { repository(owner: "octocat", name: "Hello-World") {
      a: ref(qualifiedName: $a) { name prefix target { oid } }
      b: ref(qualifiedName: $b) { name prefix }
      c: ref(qualifiedName: $c) { name }
      release(tagName: "v1.0.0") { tag { name target { __typename } } }
    } }`;
    const v1 = detail().tags.get('v1.0.0');
    const res = await graphql<Record<string, Record<string, unknown>>>(sim, token, q, {
      a: 'refs/tags/v1.0.0',
      b: 'v1.0.0',
      c: 'refs/tags/no-such-tag',
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.['repository']).toEqual({
      a: { name: 'v1.0.0', prefix: 'refs/tags/', target: { oid: v1?.annotation?.sha } },
      b: { name: 'v1.0.0', prefix: 'refs/tags/' },
      c: null,
      release: { tag: { name: 'v1.0.0', target: { __typename: 'Tag' } } },
    });
  });

  it('lists tags in REST by name, newest versions first, with Link pagination; reads refs and tag objects', async () => {
    const all: S['tag'][] = [];
    for (let page = 1; page < 10; page++) {
      const res = await api.get<S['tag'][]>(`${REPO}/tags?per_page=7&page=${page}`);
      expect(res.status).toBe(200);
      all.push(...res.body);
      if (!res.headers.get('link')?.includes('rel="next"')) break;
    }
    const names = all.map((t) => t.name);
    expect(names.length).toBe(detail().tags.size);
    expect(names).toEqual([...names].sort((a, b) => b.localeCompare(a, 'en', { numeric: true })));
    expect(names.indexOf('build-11')).toBeLessThan(names.indexOf('build-9'));
    const v1 = all.find((t) => t.name === 'v1.0.0');
    expect(v1?.commit.sha).toBe(detail().tags.get('v1.0.0')?.sha);

    const matching = await api.get<S['git-ref'][]>(`${REPO}/git/matching-refs/tags/v1`);
    expect(matching.body.map((r) => r.ref)).toEqual(
      [...detail().tags.keys()]
        .filter((n) => n.startsWith('v1'))
        .map((n) => `refs/tags/${n}`)
        .sort(),
    );
    const one = await api.get<S['git-ref']>(`${REPO}/git/ref/tags/v1.0.0`);
    expect(one.body.object.type).toBe('tag');
    const object = await api.get<S['git-tag']>(`${REPO}/git/tags/${one.body.object.sha}`);
    expect(object.body).toMatchObject({ tag: 'v1.0.0', object: { type: 'commit', sha: v1?.commit.sha } });
    const build = await api.get<S['git-ref']>(`${REPO}/git/ref/tags/build-1`);
    expect(build.body.object).toMatchObject({ type: 'commit', sha: detail().tags.get('build-1')?.sha });
    expect((await api.get(`${REPO}/git/ref/tags/no-such-tag`)).status).toBe(404);
    // The older git/refs form: a prefix lists, an exact name answers one ref.
    const legacy = await api.get<S['git-ref'][]>(`${REPO}/git/refs/tags`);
    expect(legacy.body.map((r) => r.ref).sort()).toEqual(
      [...detail().tags.keys()].map((n) => `refs/tags/${n}`).sort(),
    );
    expect((await api.get<S['git-ref']>(`${REPO}/git/refs/tags/v1.0.0`)).body.ref).toBe('refs/tags/v1.0.0');
    expect((await api.get(`${REPO}/git/refs/tags/v1.0`)).status).toBe(404);
    expect((await api.get(`${REPO}/git/tags/${'0'.repeat(40)}`)).status).toBe(404);
    // A commit as a tag ref's target resolves like a branch: REST commits accept tag names.
    const commits = await api.get<Array<{ sha: string }>>(`${REPO}/commits?sha=v1.0.0&per_page=1`);
    expect(commits.body[0]?.sha).toBe(v1?.commit.sha);
  });

  it('creates and deletes a tag through the git refs API, with create, push and delete webhooks like GitHub', async () => {
    const sha = detail().branches.get('main')?.tip as string;
    const before = receiver.received.length;
    const made = await api.post<S['git-ref']>(`${REPO}/git/refs`, { ref: 'refs/tags/deploy-1', sha });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ ref: 'refs/tags/deploy-1', object: { type: 'commit', sha } });
    expect(made.headers.get('location')).toBe(made.body.url);
    const gone = await api.delete(`${REPO}/git/refs/tags/deploy-1`);
    expect(gone.status).toBe(204);
    await sim.world.settled();
    const got = receiver.received.slice(before).map((d) => ({
      event: d.headers['x-github-event'],
      payload: JSON.parse(d.body) as Record<string, unknown>,
    }));
    expect(got.map((d) => d.event)).toEqual(['create', 'push', 'delete', 'push']);
    expect(got[0]?.payload).toMatchObject({ ref: 'deploy-1', ref_type: 'tag', master_branch: 'main' });
    expect(got[1]?.payload).toMatchObject({
      ref: 'refs/tags/deploy-1',
      before: ZERO_SHA,
      after: sha,
      created: true,
      deleted: false,
      commits: [],
      base_ref: 'refs/heads/main',
      compare: `${sim.url}/octocat/Hello-World/compare/deploy-1`,
      head_commit: { id: sha },
    });
    expect(got[2]?.payload).toMatchObject({ ref: 'deploy-1', ref_type: 'tag' });
    expect(got[3]?.payload).toMatchObject({
      ref: 'refs/tags/deploy-1',
      before: sha,
      after: ZERO_SHA,
      created: false,
      deleted: true,
      head_commit: null,
    });
  });

  it('answers bad ref writes with GitHub 4xx, never a 500', async () => {
    const sha = detail().branches.get('main')?.tip as string;
    const cases: Array<[string, unknown, number]> = [
      ['POST', { ref: 'refs/tags/v1.0.0', sha }, 422],
      ['POST', { ref: 'refs/tags/bad..name', sha }, 422],
      ['POST', { ref: 'refs/tags/x', sha: 'f'.repeat(40) }, 422],
      ['POST', { ref: 'refs/tags/x' }, 422],
      ['POST', { ref: 'tags/x', sha }, 422],
      ['POST', { ref: 'refs/notes/x', sha }, 422],
      ['POST', 'not json', 400],
      ['DELETE', `${REPO}/git/refs/tags/no-such-tag`, 422],
    ];
    for (const [method, body, want] of cases) {
      const res =
        method === 'DELETE'
          ? await api.delete(body as string)
          : await api.post(`${REPO}/git/refs`, body, { 'content-type': 'application/json' });
      expect([method, body, res.status]).toEqual([method, body, want]);
    }
    sim.world.addUser({ login: 'tag-reader' });
    const reader = client(sim, sim.issueToken('tag-reader', ['repo']));
    expect((await reader.post(`${REPO}/git/refs`, { ref: 'refs/tags/nope', sha })).status).toBe(403);
    expect((await client(sim).post(`${REPO}/git/refs`, { ref: 'refs/tags/nope', sha })).status).toBe(401);
    expect(detail().tags.has('nope')).toBe(false);
  });

  it('the control action makes lightweight or annotated tags (422 for a taken or bad name, 404 for an unknown commit)', async () => {
    const ctl = control(sim);
    const light = await ctl.post<{ name: string; sha: string; annotated: boolean }>(`${REPO}/tags`, {
      name: 'build-999',
    });
    expect([light.status, light.body.annotated, light.body.sha]).toEqual([
      201,
      false,
      detail().branches.get('main')?.tip,
    ]);
    const old = detail().tags.get('v1.0.0')?.sha as string;
    const annotated = await ctl.post<{ annotated: boolean; object_sha: string; sha: string }>(
      `${REPO}/tags`,
      {
        name: 'v0.9.0',
        sha: old,
        message: 'The last one before 1.0',
      },
    );
    expect([annotated.status, annotated.body.annotated, annotated.body.sha]).toEqual([201, true, old]);
    expect(annotated.body.object_sha).not.toBe(old);
    expect((await ctl.post(`${REPO}/tags`, { name: 'v0.9.0' })).status).toBe(422);
    expect((await ctl.post(`${REPO}/tags`, { name: 'a b' })).status).toBe(422);
    expect((await ctl.post(`${REPO}/tags`, {})).status).toBe(422);
    expect((await ctl.post(`${REPO}/tags`, { name: 'x', sha: 'f'.repeat(40) })).status).toBe(404);
    expect((await ctl.delete(`${REPO}/tags/v0.9.0`)).status).toBe(200);
    expect((await ctl.delete(`${REPO}/tags/v0.9.0`)).status).toBe(422);
  });

  it('publishing a release on a new tag creates the tag (create sent); on an existing tag it releases that commit', async () => {
    const ctl = control(sim);
    const before = receiver.received.length;
    const made = await ctl.post<{ sha: string }>(`${REPO}/releases`, { tag: 'v2.0.0' });
    expect(made.status).toBe(201);
    expect(detail().tags.get('v2.0.0')).toMatchObject({ sha: made.body.sha, annotation: null });
    await sim.world.settled();
    const events = receiver.received
      .slice(before)
      .map(
        (d) =>
          `${String(d.headers['x-github-event'])}.${(JSON.parse(d.body) as { action?: string }).action ?? ''}`,
      );
    expect(events).toEqual(['create.', 'release.created', 'release.published', 'release.released']);
    const build = detail().tags.get('build-1');
    const onBuild = await ctl.post<{ sha: string }>(`${REPO}/releases`, { tag: 'build-1' });
    expect(onBuild.body.sha).toBe(build?.sha);
  });

  it('deleting a release sends release.deleted with the release as it was; its tag stays; 404 for an unknown one', async () => {
    const ctl = control(sim);
    const made = await ctl.post<{ id: number; sha: string }>(`${REPO}/releases`, { tag: 'v2.1.0' });
    const before = receiver.received.length;
    const gone = await ctl.delete(`${REPO}/releases/${made.body.id}`);
    expect(gone.status).toBeLessThan(300);
    await sim.world.settled();
    const sent = receiver.received.slice(before).map((d) => JSON.parse(d.body) as Record<string, unknown>);
    expect(sent.map((p) => p['action'])).toEqual(['deleted']);
    expect(sent[0]?.['release']).toMatchObject({ id: made.body.id, tag_name: 'v2.1.0' });
    expect(detail().tags.get('v2.1.0')?.sha).toBe(made.body.sha);
    expect((await api.get(`${REPO}/releases/${made.body.id}`)).status).toBe(404);
    const lookup = await api.post<{ data: { repository: { release: unknown } } }>('/graphql', {
      query: '{ repository(owner: "octocat", name: "Hello-World") { release(tagName: "v2.1.0") { id } } }',
    });
    expect(lookup.body.data.repository.release).toBeNull();
    expect((await ctl.delete(`${REPO}/releases/${made.body.id}`)).status).toBe(404);
    expect((await ctl.delete(`${REPO}/releases/x`)).status).toBe(422);
  });
});
