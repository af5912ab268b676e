import { hash32, Rng } from '../world/random.util';
import type { SimWorld } from '../world/sim-world';
import { PERMISSION_RANK } from '../world/world-store';
import { PR_TITLES } from '../world/names.constant';
import type { SimRepo } from '../world/world.types';

/** Salts of the actors' random streams, one per kind of act. */
const ACTS = { push: 557, merge: 558 } as const;
/** Salt of the stream that decides whether a pull request's branch is rebased before its merge. */
const REBASE = 559;

/**
 * Demo "live" mode: every interval something happens somewhere (push, PR opened/merged, star, unstar, fork, issue,
 * someone joining or leaving a team).
 */
export class LiveMode {
  private timer: NodeJS.Timeout | null = null;
  /** Steps taken so far; each step's randomness derives from it, so a restored world carries it on (world file). */
  tick = 0;
  private busy = false;
  intervalMs = 5000;

  constructor(private readonly world: SimWorld) {}

  get enabled(): boolean {
    return this.timer !== null;
  }

  start(intervalMs = this.intervalMs): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 100)
      throw new Error('live interval must be at least 100 ms');
    this.stop();
    this.intervalMs = intervalMs;
    // One failed step (e.g. a name that now collides) must not end live mode, nor the process hosting it.
    this.timer = setInterval(
      () =>
        void this.step().catch((err: Error) =>
          process.stderr.write(`[github-sim] live step failed: ${err.message}\n`),
        ),
      intervalMs,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One random event; returns a short description (also used by tests). */
  async step(): Promise<string> {
    if (this.busy) return 'busy';
    this.busy = true;
    try {
      const rng = new Rng(hash32(this.world.seed, 555, this.tick++));
      const repos = [...this.world.repos.values()].filter((r) => !r.deleted && !r.archived);
      if (!repos.length) return 'no repos';
      const repo = rng.pick(repos);
      const ref = { owner: this.world.ownerLogin(repo), repo: repo.name };
      const roll = rng.next();
      if (roll < 0.5) {
        const res = await this.world.pushCommits({
          ...ref,
          commits: rng.int(1, 3),
          sender: this.actor(repo, ACTS.push),
        });
        const ci = await this.runCi(repo, rng);
        return `push ${ref.owner}/${ref.repo} ${res.shas.length}${ci}`;
      }
      if (roll < 0.65) return await this.openPull(repo, rng);
      if (roll < 0.8) {
        const open = this.world
          .detail(repo)
          .pulls.filter(
            (p) => p.state === 'open' && !p.draft && this.world.detail(repo).branches.has(p.baseRef),
          );
        if (open.length) {
          const p = rng.pick(open);
          const rebased = await this.rebase(repo, p.headRef, p.commits);
          await this.world.mergePull({
            ...ref,
            number: p.number,
            method: rng.pick(['merge', 'squash'] as const),
            sender: this.actor(repo, ACTS.merge, p.authorId),
          });
          const ci = await this.runCi(repo, rng);
          // Half the merges go to production right away (a deployment with its statuses); one in ten fails.
          const cd = new Rng(hash32(this.world.seed, 556, this.tick));
          if (cd.chance(0.5)) {
            const state = cd.chance(0.1) ? 'failure' : 'success';
            const d = await this.world.deploy({
              ...ref,
              ref: repo.defaultBranch,
              environment: 'production',
              state,
            });
            if (ci)
              await this.world.runWorkflow({
                ...ref,
                name: 'Deploy',
                conclusion: state === 'failure' ? 'failure' : 'success',
              });
            // One good production deployment in four is published as a release (its tag and webhooks too).
            const release = state === 'success' && cd.chance(0.25) ? await this.release(repo) : '';
            return `merge ${ref.owner}/${ref.repo}#${p.number}${rebased}${ci}, deploy to production: ${state}${release}${await this.incident(repo, d.sha, state)}`;
          }
          return `merge ${ref.owner}/${ref.repo}#${p.number}${rebased}${ci}`;
        }
        return await this.openPull(repo, rng);
      }
      if (roll < 0.9) {
        const stars = new Set(this.world.detail(repo).stars.map((s) => s.userId));
        const fan = [...this.world.users.values()].find(
          (u) => !stars.has(u.id) && this.world.permissionOf(repo, u.id) !== null,
        );
        if (fan) {
          await this.world.star({ ...ref, login: fan.login });
          return `star ${ref.owner}/${ref.repo} by ${fan.login}`;
        }
      }
      if (roll < 0.92) {
        // Only someone who can still see the repository can unstar it (GitHub answers 404 to anyone else).
        const stars = this.world
          .detail(repo)
          .stars.filter((s) => this.world.permissionOf(repo, s.userId) !== null);
        const gone = stars.length ? this.world.users.get(rng.pick(stars).userId) : undefined;
        if (gone) {
          await this.world.unstar({ ...ref, login: gone.login });
          return `unstar ${ref.owner}/${ref.repo} by ${gone.login}`;
        }
      }
      if (roll < 0.93 && !repo.fork) {
        const forker = [...this.world.users.values()].find(
          (u) =>
            u.id !== repo.ownerId &&
            !this.world.repo(u.login, repo.name) &&
            this.world.permissionOf(repo, u.id) !== null,
        );
        if (forker) {
          await this.world.fork({ ...ref, login: forker.login });
          return `fork ${ref.owner}/${ref.repo} by ${forker.login}`;
        }
      }
      if (roll > 0.985) {
        const change = this.teamChange(rng);
        if (change) return change;
      }
      const issue = await this.world.openIssue({ ...ref, title: rng.pick(PR_TITLES) });
      return `issue ${ref.owner}/${ref.repo}#${issue.number}`;
    } finally {
      this.busy = false;
    }
  }

  /**
   * In a repository that uses GitHub Actions, the new tip of the default branch (or of a pull request's branch) gets
   * a CI run (its workflow_run webhooks); one in ten fails. Returns how it went, for the step's description ('' when
   * the repository has no Actions).
   */
  private async runCi(repo: SimRepo, rng: Rng, headBranch?: string): Promise<string> {
    if (!this.world.detail(repo).workflows.some((x) => x.name === 'CI')) return '';
    const conclusion = rng.chance(0.1) ? 'failure' : 'success';
    await this.world.runWorkflow({
      owner: this.world.ownerLogin(repo),
      repo: repo.name,
      headBranch,
      conclusion,
    });
    return `, CI ${conclusion}`;
  }

  /**
   * One pull request in four is brought up to date before its merge by rebasing its branch onto the default
   * branch: a force-push that replaces the branch's commits (its push webhook says `forced`). Returns how it went,
   * for the step's description ('' when it was not rebased).
   */
  private async rebase(repo: SimRepo, branch: string, commits: number): Promise<string> {
    const d = this.world.detail(repo);
    if (!d.branches.has(branch) || branch === repo.defaultBranch) return '';
    if (!new Rng(hash32(this.world.seed, REBASE, this.tick)).chance(0.25)) return '';
    await this.world.pushCommits({
      owner: this.world.ownerLogin(repo),
      repo: repo.name,
      branch,
      commits: Math.min(Math.max(commits, 1), 5),
      force: true,
      onto: repo.defaultBranch,
      sender: this.actor(repo, ACTS.push),
    });
    return ` (rebased ${branch} first)`;
  }

  /** Publishes the repository's next patch version (`v0.1.0` when it has none) from its default branch. */
  private async release(repo: SimRepo): Promise<string> {
    const versions = this.world
      .detail(repo)
      .releases.map((r) => /^v(\d+)\.(\d+)\.(\d+)$/.exec(r.tagName))
      .flatMap((m) => (m ? [[Number(m[1]), Number(m[2]), Number(m[3])] as const] : []))
      .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const last = versions[versions.length - 1];
    let tag = last ? `v${last[0]}.${last[1]}.${last[2] + 1}` : 'v0.1.0';
    while (this.world.detail(repo).tags.has(tag)) tag = `${tag}-live`;
    await this.world.createRelease({ owner: this.world.ownerLogin(repo), repo: repo.name, tag });
    return `, released ${tag}`;
  }

  /** A failed production deployment opens an `incident` issue; the next good one closes the open incidents. */
  private async incident(repo: SimRepo, sha: string, state: 'success' | 'failure'): Promise<string> {
    const ref = { owner: this.world.ownerLogin(repo), repo: repo.name };
    const d = this.world.detail(repo);
    if (state === 'failure') {
      const issue = await this.world.openIssue({
        ...ref,
        title: 'Production deployment failed',
        body: `The production deployment of ${sha.slice(0, 7)} failed.`,
        labels: ['incident'],
      });
      return `, incident #${issue.number}`;
    }
    const open = d.issues.filter((i) => i.state === 'open' && i.labels.includes('incident'));
    for (const i of open) await this.world.closeIssue({ ...ref, number: i.number });
    return open.length ? `, closed incident ${open.map((i) => `#${i.number}`).join(' ')}` : '';
  }

  /** Someone joins or leaves a team (the `membership` webhook); octocat keeps its place. */
  private teamChange(rng: Rng): string | null {
    const orgs = [...this.world.orgs.values()].filter((o) => o.teams.length);
    if (!orgs.length) return null;
    const org = rng.pick(orgs);
    const team = rng.pick(org.teams);
    const octocat = this.world.user('octocat')?.id;
    const leavers = [...team.members.keys()].filter((id) => id !== octocat);
    const joiners = [...org.members.keys()].filter((id) => !team.members.has(id));
    const leave = leavers.length > 0 && (rng.chance(0.4) || !joiners.length);
    const who = leave ? rng.pick(leavers) : joiners.length ? rng.pick(joiners) : undefined;
    const login = who === undefined ? undefined : this.world.users.get(who)?.login;
    if (!login) return null;
    this.world.setTeamMembership({ org: org.login, team: team.slug, login, role: leave ? null : 'member' });
    return `team ${org.login}/${team.slug} ${leave ? '-' : '+'}${login}`;
  }

  /**
   * Who acts in this step: someone who may push to `repo` (not `notId`, when another may), drawn from a stream of
   * its own so that the step's other draws are as before. An organization's live work then comes from its
   * people, not all from its first administrator.
   */
  private actor(repo: SimRepo, act: number, notId?: number): string | undefined {
    const able = [...this.world.users.values()].filter((u) => {
      const p = this.world.permissionOf(repo, u.id);
      return p !== null && PERMISSION_RANK[p] >= PERMISSION_RANK.push;
    });
    const others = able.filter((u) => u.id !== notId);
    const pool = others.length ? others : able;
    return pool.length ? new Rng(hash32(this.world.seed, act, this.tick)).pick(pool).login : undefined;
  }

  private async openPull(repo: SimRepo, rng: Rng): Promise<string> {
    const ref = { owner: this.world.ownerLogin(repo), repo: repo.name };
    const branch = `live/change-${this.tick}-${rng.int(1000, 9999)}`;
    const author = this.actor(repo, ACTS.push);
    await this.world.pushCommits({ ...ref, branch, commits: rng.int(1, 4), sender: author });
    const p = await this.world.openPull({ ...ref, head: branch, title: rng.pick(PR_TITLES), author });
    const ci = await this.runCi(repo, rng, branch);
    return `pull ${ref.owner}/${ref.repo}#${p.number}${ci}`;
  }
}
