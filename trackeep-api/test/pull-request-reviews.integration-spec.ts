import type { GithubSimHandle } from '@trackeep/github-sim';
import { splitFullName } from '../src/common/full-name.util';
import {
  applyRecordedDeliveries,
  recordDeliveries,
  createSyncDb,
  engineRunner,
  must,
  startSim,
  type SyncDbFixture,
} from './sync-support/sync-harness';

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

/** The submitted reviews of the repository's pull requests as the simulated GitHub has them now. */
function worldReviews(sim: GithubSimHandle, fullName: string) {
  const [owner, name] = splitFullName(fullName);
  const repo = must(sim.world.repo(owner, name), 'the simulated repository');
  return sim.world
    .detail(repo)
    .pulls.flatMap((p) =>
      p.reviews
        .filter((r) => r.state !== 'PENDING')
        .map((r) => {
          const login = must(sim.world.users.get(r.userId), 'a reviewer').login;
          return {
            review_id: String(r.id),
            pull_number: p.number,
            reviewer_login: login,
            reviewer_is_bot: login.endsWith('[bot]'),
            state: r.state,
            submitted_at: iso(r.submittedAt),
          };
        }),
    )
    .sort((a, b) => a.review_id.localeCompare(b.review_id));
}

async function storedReviews(fx: SyncDbFixture, repoId: string) {
  const rows = (await fx.ds.query(
    `SELECT review_id::text, pull_number, reviewer_login, reviewer_is_bot, state, submitted_at
       FROM pull_request_reviews WHERE repo_id = $1 ORDER BY 1`,
    [repoId],
  )) as Array<{ submitted_at: Date } & Record<string, unknown>>;
  return rows.map((r) => ({ ...r, submitted_at: r.submitted_at.toISOString() }));
}

describe('pull request reviews', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;
  let repo: { id: string; fullName: string };

  beforeAll(async () => {
    sim = await startSim({
      seed: 7,
      sizes: { reposPerOwner: 1, commitsPerRepo: 20, pullsPerRepo: 8, users: 12 },
    });
    fx = await createSyncDb(sim);
    repo = must(fx.repos[0], 'the tracked repository');
  });
  afterAll(async () => {
    await fx.close();
    await sim.stop();
  });

  it('the sync stores every submitted review with its reviewer, state and time', async () => {
    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    const world = worldReviews(sim, repo.fullName);
    expect(world.length).toBeGreaterThan(0);
    expect(await storedReviews(fx, repo.id)).toEqual(world);
  });

  it('the pull_request_review webhook writes the rows a sync writes, once each however often delivered', async () => {
    const byWebhook = await createSyncDb(sim);
    try {
      const hooked = must(byWebhook.repos[0], 'the repository tracked by webhooks');
      expect((await engineRunner(sim, byWebhook).run(hooked.id)).status).toBe('succeeded');
      const delivered = await recordDeliveries(sim, repo.fullName, ['*']);

      const [owner, name] = splitFullName(repo.fullName);
      const simRepo = must(sim.world.repo(owner, name), 'the simulated repository');
      const open = must(
        sim.world.detail(simRepo).pulls.find((p) => p.state === 'open'),
        'an open pull request',
      );
      const [person, other] = [...sim.world.users.values()].filter(
        (u) => u.login !== 'octocat' && u.id !== open.authorId,
      );
      if (!person || !other) throw new Error('expected two reviewers');
      for (const login of [person.login, other.login])
        await sim.world.grantAccess({ owner, repo: name, login, permission: 'push' });
      await sim.world.reviewPull({
        owner,
        repo: name,
        number: open.number,
        reviewer: person.login,
        state: 'CHANGES_REQUESTED',
        body: 'Please add a test',
      });
      await sim.world.reviewPull({
        owner,
        repo: name,
        number: open.number,
        reviewer: other.login,
        state: 'APPROVED',
      });
      await sim.world.settled();
      const deliveries = sim.world.deliveries
        .slice(delivered)
        .filter((d) => d.event === 'pull_request_review');
      expect(deliveries.map((d) => d.action)).toEqual(['submitted', 'submitted']);

      // Each delivery twice: a redelivery must not add a row or change one.
      await applyRecordedDeliveries(byWebhook, hooked, [...deliveries, ...deliveries]);

      expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
      const synced = await storedReviews(fx, repo.id);
      expect(synced).toEqual(worldReviews(sim, repo.fullName));
      const ofPull = (rows: Array<Record<string, unknown>>) =>
        rows.filter((r) => r['pull_number'] === open.number);
      expect(ofPull(await storedReviews(byWebhook, hooked.id))).toEqual(ofPull(synced));
      expect(synced).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ reviewer_login: person.login, state: 'CHANGES_REQUESTED' }),
          expect.objectContaining({ reviewer_login: other.login, reviewer_is_bot: false }),
        ]),
      );
    } finally {
      await byWebhook.close();
    }
  });

  it('the sync reads every review of a pull request with more than its page carries, a page at a time', async () => {
    const [owner, name] = splitFullName(repo.fullName);
    const simRepo = must(sim.world.repo(owner, name), 'the simulated repository');
    const open = must(
      sim.world.detail(simRepo).pulls.find((p) => p.state === 'open'),
      'an open pull request',
    );
    const reviewers = [...sim.world.users.values()]
      .filter((u) => u.login !== 'octocat' && u.id !== open.authorId)
      .slice(0, 3);
    for (const r of reviewers)
      await sim.world.grantAccess({ owner, repo: name, login: r.login, permission: 'push' });
    // 25 come with the page; the other 105 take two more pages of 100.
    const before = open.reviews.length;
    for (let i = 0; i < 130; i++)
      await sim.world.reviewPull({
        owner,
        repo: name,
        number: open.number,
        reviewer: must(reviewers[i % reviewers.length], 'a reviewer').login,
        state: 'COMMENTED',
        body: `round ${i}`,
      });
    await sim.world.settled();
    expect(open.reviews.length).toBe(before + 130);

    expect((await engineRunner(sim, fx).run(repo.id)).status).toBe('succeeded');
    const stored = await storedReviews(fx, repo.id);
    const ofPull = (stored as Array<Record<string, unknown>>).filter((r) => r['pull_number'] === open.number);
    expect(ofPull).toHaveLength(before + 130);
    expect(stored).toEqual(worldReviews(sim, repo.fullName));
    const [row] = (await fx.ds.query(
      'SELECT review_count FROM pull_requests WHERE repo_id = $1 AND number = $2',
      [repo.id, open.number],
    )) as Array<{ review_count: number }>;
    expect(row?.review_count).toBe(before + 130);
  });
});
