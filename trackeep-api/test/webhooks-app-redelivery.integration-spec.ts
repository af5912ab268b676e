import { freePort } from '@trackeep/embedded-pg';
import {
  DEMO_GITHUB_APP,
  demoGithubAppEnv,
  startGithubSim,
  type GithubSimHandle,
} from '@trackeep/github-sim';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { createAppOctokit } from '../src/installations/github-app-client';
import { InstallationsService } from '../src/installations/installations.service';
import { WebhookRedeliveryService } from '../src/webhooks/redelivery/webhook-redelivery.service';
import { WebhookRegistrationService } from '../src/webhooks/webhook-registration.service';
import { API_TEMPLATE_DB } from './support/test-app';
import { must } from './sync-support/sync-harness';
import {
  Db,
  inboxOf,
  openSimIssue,
  seedTrackedRepo,
  seedUser,
  startApi,
  waitForInboxIdle,
  type RunningApi,
} from './webhooks-support';

type SimDelivery = GithubSimHandle['world']['deliveries'][number];

/**
 * In App mode GitHub delivers every installation's events to the App's one webhook, and never retries a failed
 * delivery either. The redelivery job reads the App's log (`GET /app/hook/deliveries`, as the App) from a cursor of
 * its own and asks for what the inbox never stored (`POST /app/hook/deliveries/{id}/attempts`).
 */
describe("deliveries GitHub failed to make to the App's webhook are redelivered", () => {
  let database: TestDatabase;
  let sim: GithubSimHandle;
  let a: RunningApi;
  let b: RunningApi;
  let db: Db;
  let port: number;
  let env: Record<string, string>;
  let repoFullName: string;
  let repoId: string;
  let installationId: number;

  const LIST_ROUTE = 'GET /app/hook/deliveries';
  const listCalls = () => sim.stats().rest.byRoute[LIST_ROUTE] ?? 0;
  const hookId = () => must(sim.world.githubApp(DEMO_GITHUB_APP.id), 'the demo App').hookId;
  const appLog = () => sim.world.deliveries.filter((d) => d.hookId === hookId());
  const redeliveriesOf = (guid: string) => appLog().filter((d) => d.guid === guid && d.redelivery);
  const openIssue = (title: string) => openSimIssue(sim, repoFullName, title);
  const inbox = (guids: string[]) => inboxOf(db, guids);
  const run = (api: RunningApi) => api.app.get(WebhookRedeliveryService).run();
  /** Deliveries of the App that no attempt delivered (Trackeep was down). */
  const failedGuids = () => {
    const ok = new Set(
      appLog()
        .filter((d) => d.statusCode >= 200 && d.statusCode < 300)
        .map((d) => d.guid),
    );
    return [...new Set(appLog().map((d) => d.guid))].filter((g) => !ok.has(g));
  };

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    sim = await startGithubSim({ preset: 'small', seed: 29 });
    port = await freePort();
    env = {
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...demoGithubAppEnv(),
      SYNC_ENABLED: 'false',
      // The tests run the job themselves.
      WEBHOOK_REDELIVERY_INTERVAL_MINUTES: '0',
    };
    // Two replicas on one database; GitHub delivers to A.
    a = await startApi(database.url, env, port);
    b = await startApi(database.url, env);
    db = await Db.connect(database.url);
    sim.world.setGithubAppWebhook(
      DEMO_GITHUB_APP.id,
      `${a.url}/api/v1/webhooks/github`,
      DEMO_GITHUB_APP.webhookSecret,
    );
    const installation = await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: 'acme-corp' });
    installationId = installation.id;
    const repo = must(
      [...sim.world.repos.values()].find((r) => !r.deleted && sim.world.ownerLogin(r) === 'acme-corp'),
      'a repository of acme-corp',
    );
    repoFullName = sim.world.fullName(repo);
    // Someone tracks the repository, so its issue events are applied (not ignored).
    const octocat = await seedUser(db, a.app, {
      login: 'octocat',
      githubId: sim.world.requireUser('octocat').id,
      token: sim.issueToken('octocat'),
    });
    ({ id: repoId } = await seedTrackedRepo(db, a.app, octocat, {
      githubId: repo.id,
      fullName: repoFullName,
    }));
    expect(installation.id).toBeGreaterThan(0);
    await sim.world.settled();
    await waitForInboxIdle(db);
  });
  afterAll(async () => {
    sim?.setFaults({});
    await db?.end();
    await b?.close();
    await a?.close();
    await sim?.stop();
    await database?.drop();
  });

  it('redelivers what failed while Trackeep was down, once across two replicas running at once, and applies it once', async () => {
    await openIssue('delivered');
    await waitForInboxIdle(db);
    expect(failedGuids()).toEqual([]);
    // GitHub lists the only attempt of a delivery Trackeep stored as failed (its answer came too late, say).
    const stored = must(
      appLog().findLast((d) => d.event === 'issues'),
      'the delivered issue',
    );
    const listedFailed: SimDelivery = { ...stored, statusCode: 0, status: 'timed out' };
    sim.world.deliveries.splice(sim.world.deliveries.indexOf(stored), 1, listedFailed);
    // A first run reads the App's log: nothing to ask for.
    expect((await run(b)).requested).toBe(0);

    await a.close();
    await openIssue('missed one');
    await openIssue('missed two');
    const missed = failedGuids().filter((guid) => guid !== stored.guid);
    expect(missed).toHaveLength(2);
    expect(await inbox(missed)).toEqual([]);

    a = await startApi(database.url, env, port);
    const [ra, rb] = await Promise.all([run(a), run(b)]);
    expect(ra.requested + rb.requested).toBe(2);
    await sim.world.settled();
    await waitForInboxIdle(db);
    for (const guid of missed) expect(redeliveriesOf(guid)).toHaveLength(1);
    expect(await inbox(missed)).toEqual(
      [...missed].sort().map((guid) => ({ delivery_id: guid, status: 'processed', applied_count: 1 })),
    );
    // The owner columns say whose log it came from.
    expect(
      await db.rows('SELECT repo_id, hook_id, app_id FROM webhook_redeliveries WHERE guid = ANY($1)', [
        missed,
      ]),
    ).toEqual(missed.map(() => ({ repo_id: null, hook_id: null, app_id: String(DEMO_GITHUB_APP.id) })));
    // Counted for the repository the deliveries are about, which has no hook of its own: the App's webhook
    // reports on it, and its last delivery is the newest of those.
    const health = await a.app.get(WebhookRegistrationService).health([repoId]);
    const [newest] = await db.rows<{ at: Date }>(
      `SELECT max(received_at) AS at FROM webhook_deliveries WHERE repo_id = $1 AND signed_with = 'app'`,
      [repoId],
    );
    expect(health.get(repoId)).toEqual({
      status: 'app',
      lastDeliveryAt: newest!.at.toISOString(),
      lastError: null,
      recoveredLast24h: 2,
    });
    // Later runs ask for nothing more, and never for the delivery the inbox stored.
    expect((await run(b)).requested).toBe(0);
    expect(redeliveriesOf(stored.guid)).toEqual([]);
    // The later tests read failed GUIDs from the log.
    sim.world.deliveries.splice(sim.world.deliveries.indexOf(listedFailed), 1, stored);
  });

  it('a redelivery of a delivery already applied is not applied again', async () => {
    await openIssue('applied once');
    await waitForInboxIdle(db);
    const applied = must(appLog().at(-1), 'the issue delivery') as SimDelivery;
    // Someone asks GitHub to redeliver it by hand (the App's settings page does the same).
    const app = createAppOctokit(
      { appId: DEMO_GITHUB_APP.id, privateKey: DEMO_GITHUB_APP.privateKey, webhookSecret: '', slug: '' },
      sim.apiUrl,
      10_000,
    );
    const res = await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', {
      delivery_id: applied.id,
    });
    expect(res.status).toBe(202);
    await sim.world.settled();
    await waitForInboxIdle(db);
    expect(redeliveriesOf(applied.guid)).toHaveLength(1);
    expect(await inbox([applied.guid])).toEqual([
      { delivery_id: applied.guid, status: 'processed', applied_count: 1 },
    ]);
  });

  it('keeps its cursor across a restart: a run reads only the pages it has not read', async () => {
    await openIssue('after the restart');
    await waitForInboxIdle(db);
    // 150 older entries would be a second page: a run that re-read old pages reaches them.
    const template = must(appLog()[0], 'a delivery');
    const older = Array.from({ length: 150 }, (_, i) => ({
      ...template,
      id: template.id - 150 + i,
      guid: `older-${i}`,
      statusCode: 200,
      status: 'OK',
    }));
    sim.world.deliveries.unshift(...(older as SimDelivery[]));
    await b.close();
    b = await startApi(database.url, env);
    const before = listCalls();
    expect(await run(b)).toMatchObject({ requested: 0, skipped: 0 });
    expect(listCalls() - before).toBe(1);
  });

  it("GitHub's refusals skip the App's webhook for the run and crash nothing", async () => {
    await a.close();
    await openIssue('missed while GitHub refuses');
    const [guid] = failedGuids();
    a = await startApi(database.url, env, port);
    sim.setFaults({ secondaryRateLimit: { retryAfterSec: 60 }, pathPattern: '/app/hook/deliveries$' });
    expect(await run(b)).toMatchObject({ skipped: 1, requested: 0 });
    // A secondary rate limit on the redelivery request: nothing counted as asked, due again.
    sim.setFaults({ secondaryRateLimit: { retryAfterSec: 60 }, pathPattern: '/attempts$' });
    expect(await run(b)).toMatchObject({ skipped: 1, requested: 0 });
    expect(redeliveriesOf(must(guid, 'the missed delivery'))).toEqual([]);
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
    expect(await inbox([must(guid, 'the missed delivery')])).toEqual([
      { delivery_id: guid, status: 'processed', applied_count: 1 },
    ]);
  });

  it('gives up on a delivery GitHub will no longer redeliver (422 past its 3-day window) and never asks again', async () => {
    const ATTEMPTS_ROUTE = 'POST /app/hook/deliveries/{delivery_id}/attempts';
    const attemptCalls = () => sim.stats().rest.byRoute[ATTEMPTS_ROUTE] ?? 0;
    await a.close();
    await openIssue('missed, then too old');
    const guid = must(failedGuids()[0], 'the missed delivery');
    a = await startApi(database.url, env, port);
    // The first run cannot ask (rate limited): the delivery stays due, as recorded within the window.
    sim.setFaults({ secondaryRateLimit: { retryAfterSec: 60 }, pathPattern: '/attempts$' });
    expect(await run(b)).toMatchObject({ requested: 0, skipped: 1 });
    sim.setFaults({});
    // By GitHub's clock the delivery is now past its window (a clock that differs from ours, or a long outage).
    for (const d of appLog().filter((x) => x.guid === guid)) d.deliveredAt -= 3 * 24 * 3600_000 + 60_000;
    const asked = attemptCalls();
    expect(await run(b)).toMatchObject({ requested: 0, skipped: 0 });
    expect(attemptCalls() - asked).toBe(1);
    const [row] = await db.rows<{ due: boolean; last_error: string }>(
      'SELECT due, last_error FROM webhook_redeliveries WHERE guid = $1',
      [guid],
    );
    expect(row?.due).toBe(false);
    expect(row?.last_error).toContain('422');
    expect(await run(b)).toMatchObject({ requested: 0, skipped: 0 });
    expect(attemptCalls() - asked).toBe(1);
    expect(redeliveriesOf(guid)).toEqual([]);
    expect(await inbox([guid])).toEqual([]);
  });

  it('applies the events of a repository nobody tracks once an auto-tracking installation covers it', async () => {
    const other = sim.world.fullName(
      must(
        [...sim.world.repos.values()].find(
          (r) =>
            !r.deleted && sim.world.ownerLogin(r) === 'acme-corp' && sim.world.fullName(r) !== repoFullName,
        ),
        'a second repository of acme-corp',
      ),
    );
    const latest = () =>
      must(
        appLog().findLast((d) => d.event === 'issues'),
        'the issue delivery',
      ).guid;
    const reasonOf = async (guid: string) =>
      (
        await db.rows<{ status: string; ignored_reason: string | null }>(
          'SELECT status, ignored_reason FROM webhook_deliveries WHERE delivery_id = $1',
          [guid],
        )
      )[0];
    // Nobody tracks it and auto-track is off: ignored (the sync would not read it either).
    await openSimIssue(sim, other, 'before auto-track');
    await waitForInboxIdle(db);
    expect(await reasonOf(latest())).toEqual({
      status: 'ignored',
      ignored_reason: 'repository is not tracked by Trackeep',
    });
    // Auto-track on (the installation's repositories are read and stored): its events apply at once, live.
    await a.app.get(InstallationsService).setAutoTrack(installationId, true);
    await openSimIssue(sim, other, 'after auto-track');
    await waitForInboxIdle(db);
    expect(await reasonOf(latest())).toEqual({ status: 'processed', ignored_reason: null });
    const [owner, name] = other.split('/') as [string, string];
    const issues = await db.rows<{ title: string }>(
      `SELECT i.title FROM issues i JOIN repositories r ON r.id = i.repo_id
        WHERE r.owner = $1 AND r.name = $2 AND i.title = 'after auto-track'`,
      [owner, name],
    );
    expect(issues).toEqual([{ title: 'after auto-track' }]);
  });
});
