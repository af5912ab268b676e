import type { SyncStatus } from '@trackeep/contracts';
import { DEMO_GITHUB_APP, demoGithubAppEnv, type GithubSimHandle } from '@trackeep/github-sim';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import PgBoss from 'pg-boss';
import request from 'supertest';
import { AuthSettings } from '../src/auth/auth-settings';
import { SessionService } from '../src/auth/session.service';
import { GithubSettings } from '../src/github/github-settings';
import { InstallationsService } from '../src/installations/installations.service';
import { SyncCycleJob } from '../src/sync/jobs/sync-cycle.job';
import { ORG_READ_QUEUE } from '../src/teams/org-sync.job';
import { OrgSyncService } from '../src/teams/org-sync.service';
import { TeamsReadRepository } from '../src/teams/teams-read.repository';
import { API_TEMPLATE_DB } from './support/test-app';
import { allRunsSettled, seedTrackingUser, startSyncApp, type SyncApp } from './sync-support/sync-app';
import { firstRow, startSim } from './sync-support/sync-harness';

// Org-wide tracking through a GitHub App installation: the sync acts with the installation's token, whoever
// tracks the repository, and falls back to people's tokens when the installation goes away.
describe('syncing with a GitHub App installation', () => {
  let sim: GithubSimHandle;
  let db: TestDatabase;
  let t: SyncApp;
  let installationId: number;
  let slot = Date.UTC(2030, 0, 1);

  const acmeRepos = () =>
    [...sim.world.repos.values()]
      .filter((r) => !r.deleted && sim.world.ownerLogin(r) === 'acme-corp')
      .map((r) => sim.world.fullName(r))
      .sort();
  const storedRepoId = async (fullName: string) =>
    (
      await firstRow<{ id: string }>(
        t.ds.query(`SELECT id FROM repositories WHERE full_name = $1`, [fullName]),
        fullName,
      )
    ).id;
  /** One scheduled cycle, run here rather than by the cron; resolves once its runs finished. */
  const cycle = async () => {
    const at = new Date((slot += 60_000));
    await t.ds.query(`INSERT INTO sync_cycles (slot) VALUES ($1)`, [at]);
    const result = await t.app.get(SyncCycleJob).handle(at.toISOString());
    await allRunsSettled(t.ds);
    return { at, ...result };
  };
  const runsInCycle = async (at: Date) =>
    (await t.ds.query(
      `SELECT r.full_name, s.status, s.credential_user_id, s.error FROM sync_runs s
         JOIN repositories r ON r.id = s.repo_id WHERE s.cycle_slot = $1 ORDER BY r.full_name`,
      [at],
    )) as Array<{
      full_name: string;
      status: string;
      credential_user_id: string | null;
      error: string | null;
    }>;
  const tokensCreated = () => sim.stats().apps.installationTokensByInstallation[String(installationId)] ?? 0;

  beforeAll(async () => {
    sim = await startSim({ sizes: { reposPerOwner: 3 } });
    db = await createTestDatabase(API_TEMPLATE_DB);
    t = await startSyncApp(db.url, sim, {
      ...demoGithubAppEnv(),
      WEBHOOK_REDELIVERY_INTERVAL_MINUTES: '0',
    });
    installationId = (await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: 'acme-corp' })).id;
    await t.app.get(InstallationsService).refreshAll();
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await sim?.stop();
  });

  it("keeps an organization's repositories syncing with the installation after the person who tracked them leaves", async () => {
    const [first] = acmeRepos();
    const { userId } = await seedTrackingUser(t.app, sim, 'octocat', [first!]);
    await t.app.get(InstallationsService).setAutoTrack(installationId, true);
    // Auto-track stored every repository the installation covers, and synced each at once with it.
    for (const name of acmeRepos()) await storedRepoId(name);
    await allRunsSettled(t.ds);
    const firstSyncs = (await t.ds.query(
      `SELECT r.full_name, s.status, s.credential_user_id FROM sync_runs s JOIN repositories r ON r.id = s.repo_id
        WHERE s.trigger = 'track' ORDER BY r.full_name`,
    )) as Array<{ full_name: string; status: string; credential_user_id: string | null }>;
    expect(firstSyncs).toEqual(
      acmeRepos().map((full_name) => ({ full_name, status: 'succeeded', credential_user_id: null })),
    );
    // The sync page shows the budget those syncs spent, the installation's, beside the person's own.
    const { token } = await t.app.get(SessionService).create(userId, 'jest');
    const status = await request(t.app.getHttpServer())
      .get('/api/v1/sync/status')
      .set('Cookie', `${t.app.get(AuthSettings).sessionCookie}=${token}`)
      .expect(200);
    const installationBudgets = (status.body as SyncStatus).rateLimits.filter((b) => b.installation);
    expect(installationBudgets.map((b) => [b.resource, b.installation])).toEqual([
      ['core', { id: installationId, account: 'acme-corp' }],
      ['graphql', { id: installationId, account: 'acme-corp' }],
    ]);
    const graphql = installationBudgets.find((b) => b.resource === 'graphql')!;
    expect(graphql.remaining).toBeLessThan(graphql.limit);

    // A repository tracked both ways is synced once per cycle, with the installation.
    const both = await cycle();
    const runs = await runsInCycle(both.at);
    expect(runs.map((r) => r.full_name)).toEqual(acmeRepos());
    expect(runs.every((r) => r.status === 'succeeded' && r.credential_user_id === null)).toBe(true);
    expect(tokensCreated()).toBeGreaterThanOrEqual(1);

    // The person leaves Trackeep: the installation keeps every repository syncing.
    await t.ds.query(`DELETE FROM users WHERE id = $1`, [userId]);
    const after = await cycle();
    expect((await runsInCycle(after.at)).map((r) => [r.full_name, r.status])).toEqual(
      acmeRepos().map((name) => [name, 'succeeded']),
    );
  });

  it("reads the organization's teams with the installation, secret ones included, when nobody else could", async () => {
    // Nobody has a token any more (the previous test removed the only person).
    expect(await t.ds.query(`SELECT id FROM users WHERE github_token_enc IS NOT NULL`)).toEqual([]);
    const org = [...sim.world.orgs.values()].find((o) => o.login === 'acme-corp')!;
    if (!org.teams.some((team) => team.privacy === 'secret')) org.teams[0]!.privacy = 'secret';
    expect(await t.app.get(OrgSyncService).syncOrg('acme-corp')).toBe('synced');
    const stored = (await t.ds.query(
      `SELECT t.slug FROM teams t JOIN github_orgs o ON o.id = t.org_id WHERE o.login = 'acme-corp' ORDER BY t.slug`,
    )) as Array<{ slug: string }>;
    expect(stored.map((r) => r.slug)).toEqual(org.teams.map((team) => team.slug).sort());
  });

  it('falls back to the tracking person when the App is uninstalled mid-sync, and marks the installation removed', async () => {
    const [first] = acmeRepos();
    const { userId } = await seedTrackingUser(t.app, sim, 'octocat', [first!]);
    // The token this process holds is still valid for an hour; GitHub revokes it with the uninstall.
    await sim.world.uninstallApp({ installationId });

    const run = await cycle();
    const runs = await runsInCycle(run.at);
    expect(runs.find((r) => r.full_name === first)).toMatchObject({
      status: 'succeeded',
      credential_user_id: userId,
    });
    const [row] = (await t.ds.query(
      `SELECT removed_at, access_error FROM github_installations WHERE installation_id = $1`,
      [installationId],
    )) as Array<{ removed_at: Date | null; access_error: string | null }>;
    expect(row!.removed_at).not.toBeNull();
    expect(row!.access_error).toMatch(/uninstalled/);
    // The person was matched to every repository of the organization their own token can read (at sign-in), so
    // those fall back to them too; any other run says it failed instead of silently stopping.
    const readsIt = (fullName: string) => {
      const [owner, name] = fullName.split('/') as [string, string];
      return (
        sim.world.permissionOf(sim.world.repo(owner, name)!, sim.world.requireUser('octocat').id) !== null
      );
    };
    for (const r of runs.filter((x) => x.full_name !== first))
      expect([r.full_name, r.status, r.credential_user_id]).toEqual(
        readsIt(r.full_name) ? [r.full_name, 'succeeded', userId] : [r.full_name, 'failed', null],
      );
  });

  it('never shows a repository the installation can read to a person whose own token cannot (404)', async () => {
    const secret = acmeRepos()[0]!;
    const [owner, name] = secret.split('/') as [string, string];
    await sim.world.setVisibility({ owner, repo: name, private: true });
    // Someone outside the organization: GitHub shows them nothing of its private repositories.
    const login = sim.world.addUser({ login: 'outside-contractor' }).login;
    expect(sim.world.permissionOf(sim.world.repo(owner, name)!, sim.world.requireUser(login).id)).toBeNull();
    const outsider = await seedTrackingUser(t.app, sim, login, []);
    const { token } = await t.app.get(SessionService).create(outsider.userId, 'jest');
    const cookie = `${t.app.get(AuthSettings).sessionCookie}=${token}`;
    await storedRepoId(secret); // stored and synced through the installation above
    await request(t.app.getHttpServer())
      .get(`/api/v1/repos/${owner}/${name}`)
      .set('Cookie', cookie)
      .expect(404);
    await request(t.app.getHttpServer())
      .post(`/api/v1/repos/${owner}/${name}/track`)
      .set('Cookie', cookie)
      .set('X-Trackeep-CSRF', '1')
      .expect(404);
  });

  it("shows an auto-tracked organization's repositories to the people GitHub lets read them, new ones included", async () => {
    installationId = (await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: 'acme-corp' })).id;
    await t.app.get(InstallationsService).refreshAll();
    const member = await seedTrackingUser(t.app, sim, 'octocat', []);
    const outsider = await seedTrackingUser(t.app, sim, 'outside-contractor', []);
    const cookieOf = async (userId: string) =>
      `${t.app.get(AuthSettings).sessionCookie}=${(await t.app.get(SessionService).create(userId, 'jest')).token}`;
    const [memberCookie, outsiderCookie] = [await cookieOf(member.userId), await cookieOf(outsider.userId)];
    const status = async (cookie: string, fullName: string) =>
      (await request(t.app.getHttpServer()).get(`/api/v1/repos/${fullName}`).set('Cookie', cookie)).status;

    // Turning auto-track on reads the installation's repositories and matches them to each person's own list.
    await t.app.get(InstallationsService).setAutoTrack(installationId, true);
    const canRead = (login: string, fullName: string) => {
      const [owner, name] = fullName.split('/') as [string, string];
      return sim.world.permissionOf(sim.world.repo(owner, name)!, sim.world.requireUser(login).id) !== null;
    };
    for (const fullName of acmeRepos()) {
      expect([fullName, await status(memberCookie, fullName)]).toEqual([
        fullName,
        canRead('octocat', fullName) ? 200 : 404,
      ]);
      // Public repositories of an organization they are not in are not on their list; they may track them by hand.
      if (!canRead('outside-contractor', fullName))
        expect([fullName, await status(outsiderCookie, fullName)]).toEqual([fullName, 404]);
    }
    expect(acmeRepos().some((n) => canRead('octocat', n) && !canRead('outside-contractor', n))).toBe(true);

    // A repository created later: the installation's next read (no webhook here) brings it to the member.
    const created = await sim.world.createRepo({
      owner: 'acme-corp',
      name: 'brand-new-service',
      private: true,
    });
    const fullName = sim.world.fullName(created);
    expect(await status(memberCookie, fullName)).toBe(404);
    await t.app.get(InstallationsService).refreshRepos(installationId);
    expect(await status(memberCookie, fullName)).toBe(200);
    expect(await status(outsiderCookie, fullName)).toBe(404);
  });
  /** When Trackeep last read acme-corp's teams and members from GitHub. */
  const orgReadAt = async () =>
    (
      (await t.ds.query(`SELECT synced_at FROM github_orgs WHERE login = 'acme-corp'`)) as Array<{
        synced_at: Date;
      }>
    )[0]?.synced_at ?? null;

  it('reads the teams of an organization the App is installed on as soon as its repositories are stored, and every hour after', async () => {
    // The read of every organization queued at start must be over, or it could pass for the read this expects.
    const startRead = async () =>
      (
        (await t.ds.query(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'github-orgs-sync' AND state IN ('created', 'retry', 'active')`,
        )) as Array<{ n: number }>
      )[0]!.n;
    for (const until = Date.now() + 30_000; Date.now() < until && (await startRead()) > 0;)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await startRead()).toBe(0);
    // Nobody tracks one of its repositories by hand, and it was last read long ago (a read of it was queued and
    // done moments ago, by the test above).
    await t.ds.query(`DELETE FROM tracked_repos`);
    await t.ds.query(
      `UPDATE github_orgs SET synced_at = now() - interval '2 hours' WHERE login = 'acme-corp'`,
    );
    const before = (await orgReadAt())!;
    expect(await t.app.get(TeamsReadRepository).ownersToRead(t.app.get(GithubSettings).host)).toContain(
      'acme-corp',
    );

    // The installation (auto-track on, from the test above) stores its repositories: a read is queued and runs.
    await t.app.get(InstallationsService).refreshRepos(installationId);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await orgReadAt())!.getTime() === before.getTime())
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await orgReadAt())!.getTime()).toBeGreaterThan(before.getTime());
  });
  it('does not read an organization again for a request queued before a read of it finished', async () => {
    // Requests made while a read runs (more of its repositories tracked) wait; the read then stores it.
    const jobId = await t.app
      .get(PgBoss)
      .send(ORG_READ_QUEUE, { owner: 'acme-corp' }, { singletonKey: 'acme-corp', startAfter: 2 });
    await t.ds.query(
      `UPDATE github_orgs SET synced_at = now() + interval '1 hour' WHERE login = 'acme-corp'`,
    );
    const stored = await orgReadAt();
    const state = async () =>
      (
        (await t.ds.query(`SELECT state FROM pgboss.job WHERE id = $1`, [jobId])) as Array<{ state: string }>
      )[0]?.state;
    for (const until = Date.now() + 20_000; Date.now() < until && (await state()) !== 'completed';)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await state()).toBe('completed');
    expect(await orgReadAt()).toEqual(stored);
  });
  it('syncs a repository an auto-tracking installation newly covers at once, not at the next cycle', async () => {
    const created = await sim.world.createRepo({ owner: 'acme-corp', name: 'synced-at-once' });
    const fullName = sim.world.fullName(created);
    const runs = () =>
      t.ds.query(
        `SELECT s.trigger, s.status FROM sync_runs s JOIN repositories r ON r.id = s.repo_id WHERE r.full_name = $1`,
        [fullName],
      );
    await t.app.get(InstallationsService).refreshRepos(installationId);
    await allRunsSettled(t.ds);
    expect(await runs()).toEqual([{ trigger: 'track', status: 'succeeded' }]);

    // Stored again with the next refresh: it has synced, so nothing more is queued until the cycle.
    await t.app.get(InstallationsService).refreshRepos(installationId);
    await allRunsSettled(t.ds);
    expect(await runs()).toHaveLength(1);
  });
  it('a suspended installation covers nothing until it is unsuspended: no syncs with it, no App webhook, no auto-track', async () => {
    const service = t.app.get(InstallationsService);
    const covered = (await service.autoTrackedRepos(installationId)).map((r) => r.repoId);
    expect(covered).toHaveLength(acmeRepos().length);
    expect((await service.servedByAppWebhook(covered)).size).toBe(covered.length);

    await sim.world.suspendInstallation({ installationId });
    await service.refreshAll();
    expect(await service.autoTrackedRepos(installationId)).toEqual([]);
    expect((await service.servedByAppWebhook(covered)).size).toBe(0);
    // The people who track them (the test above) sync them with their own tokens; none with the installation's.
    const suspended = await runsInCycle((await cycle()).at);
    expect(suspended.length).toBeGreaterThan(0);
    for (const r of suspended) expect(r.credential_user_id).not.toBeNull();

    await sim.world.unsuspendInstallation({ installationId });
    await service.refreshAll();
    expect(await service.autoTrackedRepos(installationId)).toHaveLength(covered.length);
    const runs = await runsInCycle((await cycle()).at);
    expect(runs.map((r) => [r.full_name, r.status, r.credential_user_id])).toEqual(
      acmeRepos().map((name) => [name, 'succeeded', null]),
    );
  });
});
