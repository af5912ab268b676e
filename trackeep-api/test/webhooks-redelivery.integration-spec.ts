import { randomUUID } from 'node:crypto';
import { freePort } from '@trackeep/embedded-pg';
import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { WebhookRedeliveryService } from '../src/webhooks/redelivery/webhook-redelivery.service';
import { WebhookRegistrationService } from '../src/webhooks/webhook-registration.service';
import { API_TEMPLATE_DB } from './support/test-app';
import { must } from './sync-support/sync-harness';
import {
  Db,
  httpRequest,
  inboxOf,
  openSimIssue,
  seedSecondOrgAdmin,
  seedTrackedRepo,
  seedUser,
  startApi,
  waitFor,
  waitForInboxIdle,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

type SimDelivery = GithubSimHandle['world']['deliveries'][number];

describe('deliveries GitHub failed to make are redelivered', () => {
  let database: TestDatabase;
  let sim: GithubSimHandle;
  let a: RunningApi;
  let b: RunningApi;
  let db: Db;
  let port: number;
  let repo: SeededRepo;
  let hookId: number;
  let env: Record<string, string>;
  let octocat: string;

  const LIST_ROUTE = 'GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries';
  const listCalls = () => sim.stats().rest.byRoute[LIST_ROUTE] ?? 0;
  const ourLog = () => sim.world.deliveries.filter((d) => d.hookId === hookId);
  const redeliveriesOf = (guid: string) => ourLog().filter((d) => d.guid === guid && d.redelivery);
  const openIssue = (title: string) => openSimIssue(sim, repo.fullName, title);
  const inbox = (guids: string[]) => inboxOf(db, guids);
  const run = (api: RunningApi) => api.app.get(WebhookRedeliveryService).run();

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    sim = await startGithubSim({ preset: 'small', seed: 19, sizes: { reposPerOwner: 2 } });
    port = await freePort();
    // Two replicas on one database; GitHub delivers to A. The schedule is off: the tests run the job themselves.
    env = {
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      WEBHOOK_REDELIVERY_INTERVAL_MINUTES: '0',
    };
    a = await startApi(database.url, env, port);
    b = await startApi(database.url, env);
    db = await Db.connect(database.url);
    octocat = await seedUser(db, a.app, {
      login: 'octocat',
      githubId: sim.world.requireUser('octocat').id,
      token: sim.issueToken('octocat'),
    });
    const simRepo = must(
      [...sim.world.repos.values()].find(
        (r) => !r.deleted && !r.fork && sim.world.ownerLogin(r) === 'octocat',
      ),
      'an octocat repository',
    );
    repo = await seedTrackedRepo(db, a.app, octocat, {
      githubId: simRepo.id,
      fullName: sim.world.fullName(simRepo),
      permission: 'admin',
    });
    await a.app.get(WebhookRegistrationService).register(repo.id, octocat);
    const row = await waitFor('the hook to be confirmed by its ping', async () => {
      const [r] = await db.rows<{ hook_id: string; status: string }>(
        'SELECT hook_id, status FROM webhook_registrations WHERE repo_id = $1',
        [repo.id],
      );
      return r?.status === 'active' ? r : null;
    });
    hookId = Number(row.hook_id);
    await waitForInboxIdle(db);
  });
  afterAll(async () => {
    sim.setFaults({});
    await db.end();
    await b.close();
    await a.close();
    await sim.stop();
    await database.drop();
  });

  it('redelivers what failed while Trackeep was down, once across two replicas running at once, and applies it once', async () => {
    await openIssue('delivered');
    await waitForInboxIdle(db);
    // A first run reads the log (ping and the delivered issue): nothing to ask for.
    expect((await run(b)).requested).toBe(0);

    // GitHub says an attempt failed although Trackeep stored the delivery (its answer timed out, say).
    const stored = must(
      ourLog().find((d) => d.event === 'issues'),
      'the delivered issue',
    );
    sim.world.deliveries.push({
      ...stored,
      id: sim.world.nextId('delivery'),
      statusCode: 502,
      status: 'Invalid HTTP Response: 502',
      redelivery: true,
    } as SimDelivery);

    await a.close();
    await openIssue('missed one');
    await openIssue('missed two');
    const missed = ourLog()
      .filter((d) => d.statusCode === 0)
      .map((d) => d.guid);
    expect(missed).toHaveLength(2);
    expect(await inbox(missed)).toEqual([]);

    a = await startApi(database.url, env, port);
    const [ra, rb] = await Promise.all([run(a), run(b)]);
    expect(ra.requested + rb.requested).toBe(2);
    await sim.world.settled();
    await waitForInboxIdle(db);

    for (const guid of missed) expect(redeliveriesOf(guid)).toHaveLength(1);
    expect(redeliveriesOf(stored.guid)).toHaveLength(1); // only the one pushed above: never asked for
    expect(await inbox(missed)).toEqual(
      [...missed].sort().map((guid) => ({ delivery_id: guid, status: 'processed', applied_count: 1 })),
    );
    const health = await a.app.get(WebhookRegistrationService).health([repo.id]);
    expect(health.get(repo.id)?.recoveredLast24h).toBe(2);

    // Later runs ask for nothing more: the redeliveries arrived (and GitHub lists them as delivered).
    expect((await run(b)).requested).toBe(0);
    for (const guid of missed) expect(redeliveriesOf(guid)).toHaveLength(1);
  });

  it('a redelivery of a delivery already applied is not applied again', async () => {
    await openIssue('applied once');
    await waitForInboxIdle(db);
    const applied = must(ourLog().at(-1), 'the issue delivery');
    const res = await httpRequest(
      `${sim.apiUrl}/repos/${repo.fullName}/hooks/${hookId}/deliveries/${applied.id}/attempts`,
      {
        method: 'POST',
        headers: { authorization: `token ${sim.issueToken('octocat')}`, 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(res.status).toBe(202);
    await sim.world.settled();
    await waitForInboxIdle(db);
    expect(redeliveriesOf(applied.guid)).toHaveLength(1);
    expect(redeliveriesOf(applied.guid)[0]?.statusCode).toBe(202);
    expect(await inbox([applied.guid])).toEqual([
      { delivery_id: applied.guid, status: 'processed', applied_count: 1 },
    ]);
  });

  it('keeps its cursor across a restart: a run reads only the pages it has not read', async () => {
    // 150 entries older than anything read yet would be a second page; a run that re-read old pages reaches them.
    const template = must(ourLog()[0], 'a delivery');
    const older = Array.from({ length: 150 }, (_, i) => ({
      ...template,
      id: template.id - 150 + i,
      guid: randomUUID(),
      statusCode: 200,
      status: 'OK',
    }));
    sim.world.deliveries.unshift(...(older as SimDelivery[]));
    await openIssue('after the restart');
    await waitForInboxIdle(db);

    await b.close();
    b = await startApi(database.url, env);
    const before = listCalls();
    const stats = await run(b);
    expect(listCalls() - before).toBe(1);
    expect(stats).toMatchObject({ pages: 1, requested: 0, skipped: 0 });
  });

  it('a redelivery that fails too is asked for again, three times in all', async () => {
    await a.close();
    await openIssue('missed while down for long');
    const guid = must(ourLog().at(-1), 'the missed delivery').guid;
    for (let i = 1; i <= 3; i++) {
      expect((await run(b)).requested).toBe(1);
      await sim.world.settled();
      expect(redeliveriesOf(guid)).toHaveLength(i);
    }
    expect((await run(b)).requested).toBe(0);
    expect(redeliveriesOf(guid)).toHaveLength(3);
    expect(redeliveriesOf(guid).every((d) => d.statusCode === 0)).toBe(true);
    a = await startApi(database.url, env, port);
  });

  it("GitHub's refusals skip the hook for the run, crash nothing and take no access away", async () => {
    const access = () =>
      db.rows('SELECT user_id, permission FROM repo_access WHERE repo_id = $1 ORDER BY user_id', [repo.id]);
    const accessBefore = await access();

    await a.close();
    await openIssue('missed while GitHub refuses');
    const [guid] = ourLog()
      .filter((d) => d.statusCode === 0 && !d.redelivery)
      .map((d) => d.guid)
      .slice(-1);
    a = await startApi(database.url, env, port);

    // The hook's log answers 404 (hook or repository gone for this token).
    sim.setFaults({ notFound: { repos: [repo.fullName] } });
    expect(await run(b)).toMatchObject({ hooks: 1, skipped: 1, requested: 0 });
    // A secondary rate limit on the redelivery request: nothing counted as asked, due again.
    sim.setFaults({ secondaryRateLimit: { retryAfterSec: 60 }, pathPattern: '/attempts$' });
    expect(await run(b)).toMatchObject({ skipped: 1, requested: 0 });
    expect(redeliveriesOf(must(guid, 'the missed delivery'))).toHaveLength(0);
    const [row] = await db.rows<{ due: boolean; requests: number; last_error: string }>(
      'SELECT due, requests, last_error FROM webhook_redeliveries WHERE guid = $1',
      [guid],
    );
    expect(row).toMatchObject({ due: true, requests: 0 });
    expect(row?.last_error).toContain('403');

    sim.setFaults({});
    expect((await run(b)).requested).toBe(1);
    await sim.world.settled();
    await waitForInboxIdle(db);
    expect(await inbox([guid as string])).toEqual([
      { delivery_id: guid, status: 'processed', applied_count: 1 },
    ]);
    const [registration] = await db.rows<{ status: string }>(
      'SELECT status FROM webhook_registrations WHERE repo_id = $1',
      [repo.id],
    );
    expect(registration?.status).toBe('active');
    expect(await access()).toEqual(accessBefore);
  });

  it('reads the log as another admin when an organization policy refuses the token of the admin who registered the hook', async () => {
    const monalisa = await seedSecondOrgAdmin(db, a.app, sim);
    const simRepo = must(
      [...sim.world.repos.values()].find(
        (r) => !r.deleted && !r.fork && sim.world.ownerLogin(r) === 'acme-corp',
      ),
      'an acme-corp repository',
    );
    const seed = { githubId: simRepo.id, fullName: sim.world.fullName(simRepo), permission: 'admin' };
    const orgRepo = await seedTrackedRepo(db, a.app, octocat, seed);
    await seedTrackedRepo(db, a.app, monalisa, seed);
    await a.app.get(WebhookRegistrationService).register(orgRepo.id, octocat);
    const row = await waitFor('the organization hook to be confirmed by its ping', async () => {
      const [r] = await db.rows<{ hook_id: string; status: string; registered_by: string }>(
        'SELECT hook_id, status, registered_by FROM webhook_registrations WHERE repo_id = $1',
        [orgRepo.id],
      );
      return r?.status === 'active' ? r : null;
    });
    expect(row.registered_by).toBe(octocat);
    await waitForInboxIdle(db);
    await run(b);

    await a.close();
    await openSimIssue(sim, orgRepo.fullName, 'missed while SSO refuses octocat');
    const missed = sim.world.deliveries
      .filter((d) => d.hookId === Number(row.hook_id) && d.statusCode === 0 && !d.redelivery)
      .map((d) => d.guid);
    expect(missed).toHaveLength(1);
    a = await startApi(database.url, env, port);
    sim.setFaults({ sso: { org: 'acme-corp', users: ['octocat'] } });
    try {
      expect(await run(b)).toMatchObject({ skipped: 0, requested: 1 });
    } finally {
      sim.setFaults({});
    }
    await sim.world.settled();
    await waitForInboxIdle(db);
    expect(await inbox(missed)).toEqual([{ delivery_id: missed[0], status: 'processed', applied_count: 1 }]);
  });

  it("runs on pg-boss's schedule every WEBHOOK_REDELIVERY_INTERVAL_MINUTES, and not at all with 0", async () => {
    const schedule = () =>
      db.rows<{ cron: string }>(`SELECT cron FROM pgboss.schedule WHERE name = 'webhook-redelivery'`);
    expect(await schedule()).toEqual([]);
    const c = await startApi(database.url, { ...env, WEBHOOK_REDELIVERY_INTERVAL_MINUTES: '15' });
    try {
      expect(await schedule()).toEqual([{ cron: '*/15 * * * *' }]);
    } finally {
      await c.close();
    }
  });

  it('a replica starting after no run for longer than the interval (every replica was down) runs one at once', async () => {
    const lastRun = async () =>
      (await db.rows<{ at: Date }>('SELECT finished_at AS at FROM webhook_redelivery_runs'))[0]?.at ?? null;
    await run(b);
    const recent = must(await lastRun(), 'the run just finished');
    const scheduled = { ...env, WEBHOOK_REDELIVERY_INTERVAL_MINUTES: '15' };
    // A run finished a moment ago: starting waits for the schedule.
    let c = await startApi(database.url, scheduled);
    await new Promise((r) => setTimeout(r, 1500));
    await c.close();
    expect(await lastRun()).toEqual(recent);

    // No run for 20 minutes: the replica runs one as it starts.
    await db.rows(`UPDATE webhook_redelivery_runs SET finished_at = now() - interval '20 minutes'`);
    const before = listCalls();
    c = await startApi(database.url, scheduled);
    try {
      await waitFor(
        'the catch-up run',
        async () => (await lastRun())!.getTime() > Date.now() - 60_000,
        10_000,
      );
      expect(listCalls()).toBeGreaterThan(before);
    } finally {
      await c.close();
    }
  });
});
