import type { components } from '@octokit/openapi-types';
import { client } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';
import type { PushResult } from '../world/capabilities/git-data';
import type { SimRepo } from '../world/world.types';

type Comparison = components['schemas']['commit-comparison'];
const REF = { owner: 'octocat', repo: 'Hello-World' };
const COMPARE = '/repos/octocat/Hello-World/compare';

describe('GET /repos/{owner}/{repo}/compare/{basehead}', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  /** The default branch's tip before the pushes below: where both sides start from. */
  let fork: string;
  let head: PushResult;
  let base: PushResult;
  let merge: string;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 11, sizes: { commitsPerRepo: 400 } });
    api = client(sim, sim.issueToken('octocat', ['repo']));
    const w = sim.world;
    fork = tipOf(repo().defaultBranch);
    head = await w.pushCommits({
      ...REF,
      branch: 'cmp-head',
      commits: [
        { files: ['src/a.ts'], additions: 4, deletions: 1 },
        { files: ['src/a.ts', 'src/b.ts'], additions: 10, deletions: 2 },
        { files: ['src/b.ts'], additions: 3, deletions: 0 },
      ],
    });
    base = await w.pushCommits({ ...REF, branch: 'cmp-base', commits: 2 });
    // A branch whose history is not a line: cmp-base with cmp-head merged into it.
    await w.createBranch({ ...REF, branch: 'cmp-merged', from: 'cmp-base' });
    const pull = await w.openPull({ ...REF, head: 'cmp-head', base: 'cmp-merged', title: 'Merge' });
    merge = (await w.mergePull({ ...REF, number: pull.number, method: 'merge' })).sha;
  });
  afterAll(() => sim.stop());

  const repo = () => sim.world.repo(REF.owner, REF.repo) as SimRepo;
  const graph = () => sim.world.graph(repo());
  function tipOf(branch: string): string {
    return sim.world.detail(repo()).branches.get(branch)?.tip as string;
  }
  const compare = (basehead: string, query = '') => api.get<Comparison>(`${COMPARE}/${basehead}${query}`);
  const shas = (c: Comparison) => c.commits.map((x) => x.sha);
  /** `git log BASE..HEAD` by the plain walk, oldest first. */
  const expectedCommits = (baseSha: string, headSha: string) =>
    graph()
      .history(headSha, { skip: 0, take: 100_000 })
      .commits.filter((c) => !graph().isAncestor(c.sha, baseSha))
      .map((c) => c.sha)
      .reverse();

  it("is ahead when BASE is HEAD's ancestor: HEAD's own commits, oldest first, and BASE as merge base", async () => {
    const res = await compare(`${fork}...cmp-head`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ahead',
      ahead_by: 3,
      behind_by: 0,
      total_commits: 3,
      base_commit: { sha: fork },
      merge_base_commit: { sha: fork },
    });
    expect(shas(res.body)).toEqual(head.shas);
  });

  it("is behind when HEAD is BASE's ancestor, with no commits", async () => {
    const res = await compare(`cmp-head...${fork}`);
    expect(res.body).toMatchObject({
      status: 'behind',
      ahead_by: 0,
      behind_by: 3,
      total_commits: 0,
      commits: [],
      files: [],
      base_commit: { sha: head.after },
      merge_base_commit: { sha: fork },
    });
  });

  it('is identical for the same commit named two ways', async () => {
    const res = await compare(`cmp-head...${head.after}`);
    expect(res.body).toMatchObject({
      status: 'identical',
      ahead_by: 0,
      behind_by: 0,
      total_commits: 0,
      commits: [],
      merge_base_commit: { sha: head.after },
    });
  });

  it("is diverged when each side has commits of its own; files are HEAD's, summed per file", async () => {
    const res = await compare('cmp-base...cmp-head');
    expect(res.body).toMatchObject({
      status: 'diverged',
      ahead_by: 3,
      behind_by: 2,
      total_commits: 3,
      base_commit: { sha: base.after },
      merge_base_commit: { sha: fork },
    });
    expect(shas(res.body)).toEqual(head.shas);
    expect(res.body.files?.map((f) => [f.filename, f.status, f.additions, f.deletions, f.changes])).toEqual([
      ['src/a.ts', 'modified', 9, 2, 11],
      ['src/b.ts', 'modified', 8, 1, 9],
    ]);
    expect(res.body.files?.[0]?.blob_url).toBe(`${sim.url}/octocat/Hello-World/blob/${head.after}/src/a.ts`);
  });

  it('names itself by basehead and its permalink by both SHAs', async () => {
    const res = await compare('cmp-base...cmp-head');
    const web = `${sim.url}/octocat/Hello-World/compare`;
    expect(res.body).toMatchObject({
      url: `${sim.apiUrl}${COMPARE}/cmp-base...cmp-head`,
      html_url: `${web}/cmp-base...cmp-head`,
      permalink_url: `${web}/octocat:${base.after}...octocat:${head.after}`,
      diff_url: `${web}/cmp-base...cmp-head.diff`,
      patch_url: `${web}/cmp-base...cmp-head.patch`,
    });
  });

  it('walks across a merge: the merged branch counts once, and the merge base is the newest shared commit', async () => {
    const res = await compare(`${fork}...cmp-merged`);
    expect(res.body).toMatchObject({ status: 'ahead', ahead_by: 6, behind_by: 0 });
    expect(shas(res.body)).toEqual(expectedCommits(fork, merge));
    expect(shas(res.body).sort()).toEqual([...head.shas, ...base.shas, merge].sort());
    expect(shas(res.body).at(-1)).toBe(merge);
    const back = await compare('cmp-merged...cmp-head');
    expect(back.body).toMatchObject({
      status: 'behind',
      ahead_by: 0,
      behind_by: 3,
      merge_base_commit: { sha: head.after },
    });
    const across = await compare('cmp-head...cmp-merged');
    expect(across.body).toMatchObject({
      status: 'ahead',
      ahead_by: 3,
      merge_base_commit: { sha: head.after },
    });
    expect(shas(across.body).sort()).toEqual([...base.shas, merge].sort());
  });

  it('lists at most the newest 250 commits without paging parameters, the newest last', async () => {
    const all = graph().history(tipOf(repo().defaultBranch), { skip: 0, take: 0, count: true })
      .total as number;
    const root = graph().history(fork, { skip: all - 1, take: 1 }).commits[0]?.sha as string;
    const res = await compare(`${root}...cmp-head`);
    expect(res.body.ahead_by).toBe(all - 1 + 3);
    expect(res.body.ahead_by).toBeGreaterThan(250);
    expect(res.body.commits).toHaveLength(250);
    expect(shas(res.body)).toEqual(expectedCommits(root, head.after).slice(-250));
    expect(shas(res.body).at(-1)).toBe(head.after);
    expect(res.headers.get('link')).toBeNull();
  });

  it('pages in chronological order: page 1 holds the oldest, the pages hold every commit once, files on page 1 only', async () => {
    for (const [baseRef, headRef] of [
      [graph().history(fork, { skip: 44, take: 1 }).commits[0]?.sha as string, 'cmp-head'],
      [fork, 'cmp-merged'],
    ] as const) {
      const expected = expectedCommits(tipOf(baseRef) ?? baseRef, tipOf(headRef));
      const perPage = headRef === 'cmp-head' ? 10 : 4;
      const pages: string[][] = [];
      for (let page = 1; page <= Math.ceil(expected.length / perPage) + 1; page++) {
        const res = await compare(`${baseRef}...${headRef}`, `?per_page=${perPage}&page=${page}`);
        expect(res.body.total_commits).toBe(expected.length);
        expect(res.body.files === undefined).toBe(page > 1);
        const link = res.headers.get('link') ?? '';
        expect(link.includes('rel="next"')).toBe(page < Math.ceil(expected.length / perPage));
        pages.push(shas(res.body));
      }
      expect(pages[0]).toEqual(expected.slice(0, perPage));
      expect(pages.at(-1)).toEqual([]);
      expect(pages.flat()).toEqual(expected);
    }
    const first = await compare(`${fork}...cmp-head`, '?per_page=2');
    expect(shas(first.body)).toEqual(head.shas.slice(0, 2));
    expect(first.headers.get('link')).toContain('rel="last"');
    expect(first.body.files).toHaveLength(2);
  });

  it('takes OWNER:ref sides of this repository, and the /repositories/{id} form', async () => {
    const res = await compare(`octocat:cmp-base...OctoCat:${head.after}`);
    expect(res.body).toMatchObject({ status: 'diverged', ahead_by: 3, behind_by: 2 });
    const byId = await api.get<Comparison>(`/repositories/${repo().id}/compare/cmp-base...cmp-head`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ status: 'diverged', ahead_by: 3, behind_by: 2 });
    expect(shas(byId.body)).toEqual(head.shas);
  });

  it.each([
    ['an unknown commit', `cmp-base...${'f'.repeat(40)}`],
    ['an unknown branch', 'no-such-branch...cmp-head'],
    ['a basehead without "..."', 'cmp-base..cmp-head'],
    ['a single ref', 'cmp-head'],
    ["another owner's ref", 'monalisa:cmp-base...cmp-head'],
  ])('answers 404 Not Found for %s', async (_what, basehead) => {
    const res = await compare(basehead);
    expect([res.status, (res.body as unknown as { message: string }).message]).toEqual([404, 'Not Found']);
  });
});
