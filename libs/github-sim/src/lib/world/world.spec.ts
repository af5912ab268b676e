import { LiveMode } from '../live/live-mode';
import { CommitGraph, type HistoryQuery } from './commit-graph';
import { SimWorld } from './sim-world';
import type { SimCommit, SimRepo } from './world.types';

/** Reference git-log walk without the arithmetic shortcuts: frontier by date, child before parent. */
function naiveHistory(g: CommitGraph, tip: string, q: HistoryQuery): string[] {
  const out: string[] = [];
  const frontier: SimCommit[] = [g.get(tip) as SimCommit];
  const seen = new Set<string>();
  while (frontier.length) {
    let best = 0;
    for (let k = 1; k < frontier.length; k++)
      if (frontier[k]!.committedAt > frontier[best]!.committedAt) best = k;
    const c = frontier.splice(best, 1)[0]!;
    if (seen.has(c.sha)) continue;
    seen.add(c.sha);
    if (
      (q.since === undefined || c.committedAt >= q.since) &&
      (q.until === undefined || c.committedAt <= q.until)
    )
      out.push(c.sha);
    for (const p of c.parents) if (!seen.has(p)) frontier.push(g.get(p) as SimCommit);
  }
  return out.slice(q.skip, q.skip + q.take);
}

describe(SimWorld.name, () => {
  it('generates the same world from the same seed, and a different one from another seed', () => {
    const now = '2025-06-01T00:00:00Z';
    const a = new SimWorld({ seed: 11, now });
    const b = new SimWorld({ seed: 11, now });
    const c = new SimWorld({ seed: 12, now });
    const summary = (w: SimWorld) =>
      [...w.repos.values()].map((r) => {
        const d = w.detail(r);
        return [
          w.fullName(r),
          d.branches.get(r.defaultBranch)?.tip,
          d.pulls.map((p) => `${p.id}#${p.number}:${p.state}`).join(','),
          d.stars.length,
        ].join('|');
      });
    expect(summary(a)).toEqual(summary(b));
    expect(summary(a)).not.toEqual(summary(c));
  });

  it('keeps ids independent of the order in which repos are first looked at', () => {
    const now = Date.UTC(2025, 0, 1);
    const a = new SimWorld({ seed: 5, now });
    const b = new SimWorld({ seed: 5, now });
    const ra = [...a.repos.values()];
    const rb = [...b.repos.values()].reverse();
    for (const r of rb) b.detail(r);
    for (const r of ra) a.detail(r);
    for (const r of ra)
      expect(a.detail(r).pulls.map((p) => p.id)).toEqual(
        b.detail(b.repos.get(r.id) as typeof r).pulls.map((p) => p.id),
      );
  });

  it('deploys most repositories: groups of merges to production, some via staging, failures redeployed', () => {
    const opts = { seed: 9, now: '2025-06-01T00:00:00Z', sizes: { pullsPerRepo: 80 } };
    const w = new SimWorld(opts);
    const repos = [...w.repos.values()].filter((r) => !r.fork);
    const withDeployments = repos.filter((r) => w.detail(r).deployments.length > 0);
    expect(withDeployments.length / repos.length).toBeGreaterThan(0.5);
    expect(withDeployments.length).toBeLessThan(repos.length + 1);
    let failures = 0;
    for (const r of withDeployments) {
      const d = w.detail(r);
      const merges = new Map(
        d.pulls.flatMap((p) => (p.mergeCommitSha ? [[p.mergeCommitSha, p] as const] : [])),
      );
      const prod = d.deployments.filter((x) => x.environment === 'production');
      expect(prod.length).toBeGreaterThan(0);
      for (const [i, x] of d.deployments.entries()) {
        // Each deploys a merge commit after its merge, and ends queued → in_progress → success | failure.
        const pull = merges.get(x.sha);
        expect(pull?.mergedAt).toBeLessThan(x.createdAt);
        expect(x.statuses.map((s) => s.state).slice(0, 2)).toEqual(['queued', 'in_progress']);
        expect(['success', 'failure']).toContain(x.statuses[2]?.state);
        if (i > 0) expect(x.createdAt).toBeGreaterThanOrEqual(d.deployments[i - 1]?.createdAt ?? 0);
        if (x.statuses[2]?.state === 'failure') {
          failures++;
          expect(
            d.deployments.some(
              (y) => y.sha === x.sha && y.createdAt > x.createdAt && y.statuses[2]?.state === 'success',
            ),
          ).toBe(true);
        }
      }
      // Several merges share a deployment: fewer production deployments than merges.
      expect(prod.length).toBeLessThanOrEqual(merges.size + failures);
    }
    expect(failures).toBeGreaterThan(0);
    // Every third successful production deployment of about half of them is released, of the deployed commit.
    const released = withDeployments.filter((r) => w.detail(r).releases.length > 0);
    expect(released.length).toBeGreaterThan(0);
    expect(released.length).toBeLessThan(withDeployments.length);
    for (const r of released) {
      const d = w.detail(r);
      const shipped = new Set(d.deployments.map((x) => x.sha));
      expect(d.releases.map((x) => x.tagName)).toEqual(d.releases.map((_, i) => `v1.${i}.0`));
      for (const x of d.releases) expect(shipped.has(x.sha)).toBe(true);
    }
    // Ids stay the same whoever looks first (a fixed block per repository).
    const again = new SimWorld(opts);
    for (const r of withDeployments)
      expect(again.detail(again.repos.get(r.id) as typeof r).deployments.map((x) => x.id)).toEqual(
        w.detail(r).deployments.map((x) => x.id),
      );
  });

  it('approves a merged pull request with its last review, after comments and change requests', () => {
    const w = new SimWorld({ seed: 9, now: '2025-06-01T00:00:00Z', sizes: { pullsPerRepo: 80 } });
    const merged = [...w.repos.values()].flatMap((r) =>
      w.detail(r).pulls.filter((p) => p.mergedAt !== null && p.reviews.length > 0),
    );
    expect(merged.length).toBeGreaterThan(50);
    for (const p of merged) {
      expect(p.reviews.map((r) => r.state === 'APPROVED')).toEqual(
        p.reviews.map((_, i, all) => i === all.length - 1),
      );
      expect(p.reviews.at(-1)!.submittedAt).toBeLessThanOrEqual(p.mergedAt!);
    }
    // So the review stage (first review to approval) is not zero for most of them.
    const reviewedFirst = merged.filter((p) => p.reviews[0]!.submittedAt < p.reviews.at(-1)!.submittedAt);
    expect(reviewedFirst.length / merged.length).toBeGreaterThan(0.5);
  });

  it('opens a generated pull request only after its first commit of its own, as GitHub requires', () => {
    const w = new SimWorld({ seed: 9, now: '2025-06-01T00:00:00Z', sizes: { pullsPerRepo: 40 } });
    let open = 0;
    for (const r of [...w.repos.values()].filter((x) => !x.fork)) {
      const g = w.graph(r);
      for (const p of w.detail(r).pulls.filter((x) => x.state === 'open')) {
        open++;
        const first = g.ownCommits(p.headSha, p.baseSha)[0];
        expect([p.number, first!.committedAt < p.createdAt]).toEqual([p.number, true]);
      }
    }
    expect(open).toBeGreaterThan(20);
  });

  it("gives a closed pull request commits of its own between the history's start and its close, before it opened", () => {
    // The demo's closed pull requests include ones drawn as opened before their repository's first commit.
    const w = new SimWorld({ preset: 'demo' });
    let closed = 0;
    for (const r of [...w.repos.values()].filter((x) => !x.fork)) {
      const g = w.graph(r);
      for (const p of w.detail(r).pulls.filter((x) => x.state === 'closed')) {
        const own = g.ownCommits(p.headSha, p.baseSha);
        if (own.length === 0) continue;
        closed++;
        const closedAt = p.closedAt ?? 0;
        const reviewed = p.reviews.map((x) => x.submittedAt);
        expect([p.number, own[0]!.committedAt < p.createdAt, own.at(-1)!.committedAt <= closedAt]).toEqual([
          p.number,
          true,
          true,
        ]);
        expect([p.number, reviewed.every((t) => t >= p.createdAt && t <= closedAt)]).toEqual([
          p.number,
          true,
        ]);
        expect(own.length).toBe(p.commits);
      }
    }
    expect(closed).toBeGreaterThan(300);
  });

  it('always has octocat owning repos and belonging to an org with a team', () => {
    const w = new SimWorld({ preset: 'demo' });
    const octocat = w.user('octocat');
    expect(octocat?.id).toBe(583231);
    expect([...w.repos.values()].filter((r) => r.ownerId === 583231).map((r) => r.name)).toEqual(
      expect.arrayContaining(['Hello-World', 'Spoon-Knife']),
    );
    const orgs = w.orgsOf(583231);
    expect(orgs.length).toBe(2);
    expect(orgs.every((o) => o.teams.some((t) => t.members.has(583231)))).toBe(true);
    expect(w.repos.size).toBe(21);
  });

  it('gives every virtual commit a SHA that resolves back to it, and none from another repo', () => {
    const w = new SimWorld({ seed: 9, sizes: { commitsPerRepo: 500 } });
    const [r1, r2] = [...w.repos.values()];
    const g1 = w.graph(r1!);
    const g2 = w.graph(r2!);
    const shas = g1.history(g1.lineTip(0), { skip: 0, take: 500 }).commits.map((c) => c.sha);
    expect(new Set(shas).size).toBe(500);
    for (const sha of shas.slice(0, 50)) {
      expect(g1.get(sha)?.sha).toBe(sha);
      expect(g2.get(sha)).toBeUndefined();
    }
    expect(g1.get('f'.repeat(40))).toBeUndefined();
    expect(g1.get('not a sha')).toBeUndefined();
  });

  it('walks history like git log, including explicit pushes and merges, for any window', async () => {
    const w = new SimWorld({
      seed: 21,
      sizes: { commitsPerRepo: 120, branchesPerRepo: 4, pullsPerRepo: 3 },
      now: Date.UTC(2025, 0, 1),
    });
    const repo = w.repo('octocat', 'Hello-World');
    if (!repo) throw new Error('no repo');
    const ref = { owner: 'octocat', repo: 'Hello-World' };
    await w.pushCommits({ ...ref, commits: 3 });
    await w.pushCommits({ ...ref, branch: 'side', commits: 4 });
    const pr = await w.openPull({ ...ref, head: 'side', title: 'Side' });
    await w.mergePull({ ...ref, number: pr.number, method: 'merge' });
    const openLine = w
      .detail(repo)
      .pulls.find((p) => p.state === 'open' && w.detail(repo).branches.has(p.headRef));
    if (openLine) await w.mergePull({ ...ref, number: openLine.number, method: 'merge' });
    await w.pushCommits({ ...ref, commits: 2 });
    const g = w.graph(repo);
    const tip = w.detail(repo).branches.get(repo.defaultBranch)?.tip as string;
    const all = naiveHistory(g, tip, { skip: 0, take: 10_000 });
    expect(all.length).toBeGreaterThan(128);
    const dates = all.map((sha) => (g.get(sha) as SimCommit).committedAt);
    const windows: HistoryQuery[] = [
      { skip: 0, take: 10_000 },
      { skip: 0, take: 7 },
      { skip: 5, take: 20 },
      { skip: 100, take: 100 },
      { skip: 0, take: 50, since: dates[80] },
      { skip: 3, take: 50, until: dates[10], since: dates[90] },
      { skip: 0, take: 10, until: dates[all.length - 1]! - 1 },
    ];
    for (const q of windows) {
      expect(g.history(tip, q).commits.map((c) => c.sha)).toEqual(naiveHistory(g, tip, q));
      expect(g.history(tip, { ...q, skip: 0, take: 0, count: true }).total).toBe(
        naiveHistory(g, tip, { ...q, skip: 0, take: 10_000 }).length,
      );
    }
  });

  it("lists a pull request's own commits as the full walk does, merges included, closed ones' too", async () => {
    const w = new SimWorld({
      seed: 21,
      sizes: { commitsPerRepo: 120, branchesPerRepo: 4, pullsPerRepo: 12 },
      now: Date.UTC(2025, 0, 1),
    });
    const ref = { owner: 'octocat', repo: 'Hello-World' };
    const repo = w.repo(ref.owner, ref.repo)!;
    // A branch with a merge of the default branch into it, so its history is not a line.
    await w.pushCommits({ ...ref, branch: 'side', commits: 2 });
    await w.pushCommits({ ...ref, commits: 2 });
    const merged = await w.openPull({ ...ref, head: 'side', title: 'Side' });
    await w.pushCommits({ ...ref, branch: 'other', commits: 3 });
    const open = await w.openPull({ ...ref, head: 'other', title: 'Other' });
    await w.pushCommits({ ...ref, branch: 'behind', commits: 1 });
    await w.mergePull({ ...ref, number: merged.number, method: 'merge' });
    // The default branch, now holding that merge commit, proposed into a branch left behind before it.
    const acrossMerge = await w.openPull({ ...ref, head: repo.defaultBranch, base: 'behind', title: 'Back' });
    const g = w.graph(repo);
    expect(g.get(g.ownCommits(acrossMerge.headSha, acrossMerge.baseSha).at(-1)!.sha)!.parents).toHaveLength(
      2,
    );
    const pulls = w.detail(repo).pulls;
    expect(pulls.filter((p) => p.state === 'closed').length).toBeGreaterThan(5);
    expect(pulls.map((p) => p.number)).toEqual(expect.arrayContaining([merged.number, open.number]));
    for (const p of pulls) {
      const full = g
        .history(p.headSha, { skip: 0, take: 250 })
        .commits.filter((c) => !g.isAncestor(c.sha, p.baseSha))
        .reverse()
        .map((c) => c.sha);
      expect([p.number, g.ownCommits(p.headSha, p.baseSha).map((c) => c.sha)]).toEqual([p.number, full]);
    }
  });

  it('counts the commits one tip has and another lacks as git rev-list does, across lines, pushes and merges', async () => {
    const w = new SimWorld({
      seed: 33,
      sizes: { commitsPerRepo: 150, branchesPerRepo: 5, pullsPerRepo: 8 },
      now: Date.UTC(2025, 0, 1),
    });
    const ref = { owner: 'octocat', repo: 'Hello-World' };
    const repo = w.repo(ref.owner, ref.repo)!;
    await w.pushCommits({ ...ref, branch: 'side', commits: 3 });
    await w.pushCommits({ ...ref, commits: 2 });
    const side = await w.openPull({ ...ref, head: 'side', title: 'Side' });
    await w.pushCommits({ ...ref, branch: 'stale', commits: 1 });
    await w.mergePull({ ...ref, number: side.number, method: 'merge' });
    await w.pushCommits({ ...ref, commits: 1 });
    const g = w.graph(repo);
    const reach = (tip: string) => new Set(naiveHistory(g, tip, { skip: 0, take: 100_000 }));
    const tips = [...w.detail(repo).branches.values()].map((b) => b.tip);
    expect(tips.length).toBeGreaterThanOrEqual(5);
    let diverged = 0;
    for (const a of tips) {
      const fromA = reach(a);
      for (const b of tips) {
        const fromB = reach(b);
        const expected = [...fromA].filter((sha) => !fromB.has(sha)).length;
        expect([a, b, g.countNotIn(a, b)]).toEqual([a, b, expected]);
        if (expected > 0 && [...fromB].some((sha) => !fromA.has(sha))) diverged++;
      }
    }
    // Not only prefixes of each other: branches that went their own ways are among the pairs.
    expect(diverged).toBeGreaterThan(0);
  });

  it('serves a deep page of a million-commit history without materialising it', () => {
    const w = new SimWorld({
      seed: 1,
      sizes: {
        users: 2,
        orgs: 0,
        reposPerOwner: 1,
        commitsPerRepo: 1_000_000,
        pullsPerRepo: 0,
        issuesPerRepo: 0,
        branchesPerRepo: 1,
      },
    });
    const repo = [...w.repos.values()][0]!;
    const g = w.graph(repo);
    const t = performance.now();
    const page = g.history(g.lineTip(0), { skip: 999_900, take: 100, count: true });
    expect(performance.now() - t).toBeLessThan(500);
    expect(page.total).toBe(1_000_000);
    expect(page.commits).toHaveLength(100);
    expect(page.commits.at(-1)?.parents).toEqual([]);
    expect(w.commitCount()).toBe(1_000_000);
  });

  it('generates the large preset (1,000 repos, 1,000,000 commits) quickly', () => {
    const t = performance.now();
    const w = new SimWorld({ preset: 'large' });
    expect(performance.now() - t).toBeLessThan(3000);
    expect(w.repos.size).toBe(1000);
    expect(w.commitCount()).toBeGreaterThanOrEqual(1_000_000);
  });

  it('refuses a change without a sender in an org left with no members, rather than sending it as nobody', async () => {
    const w = new SimWorld({ preset: 'small', seed: 3 });
    const repo = [...w.repos.values()].find((r) => r.ownerType === 'Organization')!;
    const org = w.ownerLogin(repo);
    const members = [...w.orgs.get(repo.ownerId)!.members.keys()];
    for (const id of members) w.setOrgMembership({ org, login: w.users.get(id)!.login, role: null });
    await expect(w.renameRepo({ owner: org, repo: repo.name, name: 'renamed' })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('no members to act as'),
    });
  });

  it('rejects invalid sizes', () => {
    expect(() => new SimWorld({ sizes: { users: -1 } })).toThrow(/non-negative integer/);
    expect(() => new SimWorld({ sizes: { pullsPerRepo: 5000 } })).toThrow(/at most 999/);
    expect(() => new SimWorld({ preset: 'huge' as never })).toThrow(/Unknown preset/);
  });
});

describe(LiveMode.name, () => {
  it('makes something happen on every step', async () => {
    const w = new SimWorld({ preset: 'small', seed: 4 });
    const events: string[] = [];
    w.on((e) => {
      events.push(e.type);
    });
    const live = new LiveMode(w);
    const done: string[] = [];
    for (let k = 0; k < 12; k++) done.push(await live.step());
    expect(done.every((d) => /^(push|pull|merge|star|unstar|fork|issue) /.test(d))).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(12);
    expect(new Set(done.map((d) => d.split(' ')[0])).size).toBeGreaterThan(1);
  });

  it("rebases some pull requests' branches onto the default branch before merging them: forced pushes", async () => {
    const w = new SimWorld({ preset: 'small', seed: 4 });
    const forced: Array<{ repo: SimRepo; ref: string; before: string; after: string }> = [];
    w.on((e) => {
      if (e.type === 'push' && e.forced)
        forced.push({ repo: e.repo, ref: e.ref, before: e.before, after: e.after });
    });
    const live = new LiveMode(w);
    const done: string[] = [];
    for (let k = 0; k < 300; k++) done.push(await live.step());
    const rebased = done.filter((d) => / \(rebased \S+ first\)/.test(d));
    expect(rebased.length).toBeGreaterThan(0);
    expect(rebased.every((d) => d.startsWith('merge '))).toBe(true);
    expect(forced).toHaveLength(rebased.length);
    for (const f of forced) {
      const graph = w.graph(f.repo);
      // The old commits are no longer on the branch, and the pull request merged was the rebased one.
      expect(graph.isAncestor(f.before, f.after)).toBe(false);
      const pull = w
        .detail(f.repo)
        .pulls.find((p) => `refs/heads/${p.headRef}` === f.ref && p.headSha === f.after);
      expect(pull?.mergedAt).not.toBeNull();
      expect(pull).toBeDefined();
    }
  });

  it('unstars only as someone who can still see the repository (GitHub answers 404 to anyone else)', async () => {
    const w = new SimWorld({ preset: 'small', seed: 4 });
    // Made private, a public repository's stargazers from outside can no longer see it.
    for (const repo of [...w.repos.values()])
      if (!repo.private && !repo.fork && !repo.archived && !repo.deleted)
        await w.setVisibility({ owner: w.ownerLogin(repo), repo: repo.name, private: true });
    const outsiders = [...w.repos.values()].flatMap((r) =>
      w.detail(r).stars.filter((s) => w.permissionOf(r, s.userId) === null),
    );
    expect(outsiders.length).toBeGreaterThan(0);
    const live = new LiveMode(w);
    const done: string[] = [];
    for (let k = 0; k < 300; k++) done.push(await live.step());
    expect(done.filter((d) => d.startsWith('unstar ')).length).toBeGreaterThan(0);
  });

  it("spreads an organization's live work over its people who may push, a merge by someone other than the author where another may", async () => {
    const w = new SimWorld({ preset: 'small', seed: 4 });
    const acts: Array<{ type: string; repo: SimRepo; sender: number; author?: number }> = [];
    w.on((e) => {
      if (!('repo' in e) || !('senderId' in e)) return;
      if (
        e.type === 'push' ||
        (e.type === 'pull_request' && (e.action === 'opened' || e.action === 'closed'))
      )
        acts.push({
          type: e.type === 'push' ? 'push' : e.action,
          repo: e.repo,
          sender: e.senderId,
          author: 'pull' in e ? e.pull.authorId : undefined,
        });
    });
    const live = new LiveMode(w);
    for (let k = 0; k < 60; k++) await live.step();
    const inOrgs = acts.filter((a) => a.repo.ownerType === 'Organization');
    expect(new Set(inOrgs.filter((a) => a.type === 'push').map((a) => a.sender)).size).toBeGreaterThan(2);
    for (const a of acts) expect(['admin', 'maintain', 'push']).toContain(w.permissionOf(a.repo, a.sender));
    for (const a of acts.filter((x) => x.type === 'opened')) expect(a.sender).toBe(a.author);
    const merges = acts.filter((a) => a.type === 'closed');
    expect(merges.length).toBeGreaterThan(0);
    const pushers = (repo: SimRepo) =>
      [...w.users.values()].filter((u) =>
        ['admin', 'maintain', 'push'].includes(w.permissionOf(repo, u.id) ?? ''),
      );
    const shared = merges.filter((m) => pushers(m.repo).length > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const m of shared) expect(m.sender).not.toBe(m.author);
  });

  it('opens an incident when a production deployment fails and closes it after the next good one', async () => {
    const w = new SimWorld({ preset: 'small', seed: 42, now: '2025-06-01T00:00:00Z' });
    const live = new LiveMode(w);
    const steps: string[] = [];
    for (let k = 0; k < 70; k++) steps.push(await live.step());
    const failed = steps.find((s) => s.includes('production: failure')) as string;
    const [, repo, number] =
      /^merge (\S+)#\d+(?:, CI \w+)?, deploy to production: failure, incident #(\d+)$/.exec(failed) ?? [];
    expect(number).toBeDefined();
    const [owner, name] = (repo as string).split('/') as [string, string];
    const issue = w
      .detail(w.requireRepo({ owner, repo: name }))
      .issues.find((i) => i.number === Number(number));
    expect(issue?.labels).toEqual(['incident']);
    expect(
      steps.some((s) => s.startsWith(`merge ${repo}#`) && s.endsWith(`closed incident #${number}`)),
    ).toBe(true);
    expect([issue?.state, issue?.stateReason]).toEqual(['closed', 'completed']);
  });

  it('publishes a release with its tag now and then after a good production deployment', async () => {
    const w = new SimWorld({ preset: 'small', seed: 42, now: '2025-06-01T00:00:00Z' });
    const events: string[] = [];
    w.on((e) => {
      events.push(e.type);
    });
    const live = new LiveMode(w);
    const steps: string[] = [];
    for (let k = 0; k < 70; k++) steps.push(await live.step());
    const released = steps.find((s) => s.includes(', released v')) as string;
    const [, repo, tag] =
      /^merge (\S+)#\d+.*, deploy to production: success, released (v\S+)/.exec(released) ?? [];
    expect(tag).toBeDefined();
    const [owner, name] = (repo as string).split('/') as [string, string];
    const detail = w.detail(w.requireRepo({ owner, repo: name }));
    expect(detail.releases.find((r) => r.tagName === tag)?.publishedAt).not.toBeNull();
    expect(detail.tags.has(tag as string)).toBe(true);
    expect(events).toContain('release');
  });
});
