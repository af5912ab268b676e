import { freePort } from '@trackeep/embedded-pg';
import {
  DEMO_GITHUB_APP,
  demoGithubAppEnv,
  startGithubSim,
  type GithubSimHandle,
} from '@trackeep/github-sim';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { TokenCipher } from '../src/auth/token-cipher.service';
import {
  InstallationTokenService,
  InstallationUnavailableError,
} from '../src/installations/installation-token.service';
import { InstallationsService } from '../src/installations/installations.service';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  GLOBAL_SECRET,
  httpRequest,
  postWebhook,
  seedUser,
  sessionCookie,
  startApi,
  waitFor,
  waitForInboxIdle,
  type RunningApi,
} from './webhooks-support';

const CSRF = { 'X-Trackeep-CSRF': '1' };

// GitHub App mode against the simulator's demo App: two API replicas on one database, GitHub's App webhooks
// delivered to replica A. Each test works on an installation of its own account, so they do not interfere.
describe('GitHub App installations', () => {
  let database: TestDatabase;
  let sim: GithubSimHandle;
  let a: RunningApi;
  let b: RunningApi;
  let db: Db;
  let adminCookie: string;
  let strangerCookie: string;

  const tokensOf = (api: RunningApi) => api.app.get(InstallationTokenService);
  const serviceOf = (api: RunningApi) => api.app.get(InstallationsService);
  const tokensCreated = (id: number) => sim.stats().apps.installationTokensByInstallation[String(id)] ?? 0;
  const installationRow = (id: number) =>
    db.rows<{
      installation_id: string;
      account_login: string;
      repository_selection: string;
      suspended_at: Date | null;
      removed_at: Date | null;
      access_error: string | null;
    }>('SELECT * FROM github_installations WHERE installation_id = $1', [id]);
  const repoNames = async (id: number) =>
    (
      await db.rows<{ full_name: string }>(
        'SELECT full_name FROM github_installation_repos WHERE installation_id = $1 ORDER BY full_name',
        [id],
      )
    ).map((r) => r.full_name);
  const reposOf = (owner: string) =>
    [...sim.world.repos.values()]
      .filter((r) => !r.deleted && sim.world.ownerLogin(r) === owner)
      .map((r) => r.name)
      .sort();
  const forgetEverywhere = (id: number) => [a, b].forEach((api) => tokensOf(api).forget(id));
  const deliverToApi = (on: boolean) =>
    sim.world.setGithubAppWebhook(
      DEMO_GITHUB_APP.id,
      on ? `${a.url}/api/v1/webhooks/github` : null,
      DEMO_GITHUB_APP.webhookSecret,
    );

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    sim = await startGithubSim({ preset: 'small', seed: 23 });
    const port = await freePort();
    const env = {
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...demoGithubAppEnv(),
      TRACKEEP_ADMINS: 'instance-admin',
      // The tests run the refresh themselves.
      SYNC_ENABLED: 'false',
      WEBHOOK_REDELIVERY_INTERVAL_MINUTES: '0',
    };
    a = await startApi(database.url, env, port);
    b = await startApi(database.url, env);
    db = await Db.connect(database.url);
    const admin = await seedUser(db, a.app, { login: 'instance-admin', token: sim.issueToken('hubot') });
    // Someone who administers no organization (so no installed one either).
    const admins = new Set(
      [...sim.world.orgs.values()].flatMap((o) =>
        [...o.members].filter(([, role]) => role === 'admin').map(([id]) => id),
      ),
    );
    const outsider = [...sim.world.users.values()].find((u) => !admins.has(u.id) && u.login !== 'octocat')!;
    const stranger = await seedUser(db, a.app, {
      login: outsider.login,
      githubId: outsider.id,
      token: sim.issueToken(outsider.login, ['repo', 'read:org']),
    });
    adminCookie = await sessionCookie(a.app, admin);
    strangerCookie = await sessionCookie(a.app, stranger);
  });

  afterAll(async () => {
    await db?.end();
    await b?.close();
    await a?.close();
    await sim?.stop();
    await database?.drop();
  });

  afterEach(() => deliverToApi(false));

  it('creates one installation token when two replicas ask at once, stores it encrypted, and replaces it once before it expires', async () => {
    const inst = await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: 'acme-corp' });
    const before = tokensCreated(inst.id);

    const answers = await Promise.all([a, b, a, b, b, a].map((api) => tokensOf(api).token(inst.id)));
    expect(new Set(answers.map((t) => t.token)).size).toBe(1);
    expect(tokensCreated(inst.id) - before).toBe(1);
    const [stored] = await db.rows<{ token_enc: string; expires_at: Date }>(
      'SELECT token_enc, expires_at FROM github_installation_tokens WHERE installation_id = $1',
      [inst.id],
    );
    expect(stored!.token_enc).not.toContain('ghs_');
    expect(a.app.get(TokenCipher).decrypt(stored!.token_enc, `installation:${inst.id}`)).toBe(
      answers[0]!.token,
    );

    // Within the 5-minute margin: the next callers replace it, once across both replicas.
    await db.rows(
      `UPDATE github_installation_tokens SET expires_at = now() + interval '2 minutes' WHERE installation_id = $1`,
      [inst.id],
    );
    forgetEverywhere(inst.id);
    const renewed = await Promise.all([b, a, b, a].map((api) => tokensOf(api).token(inst.id)));
    expect(new Set(renewed.map((t) => t.token)).size).toBe(1);
    expect(renewed[0]!.token).not.toBe(answers[0]!.token);
    expect(tokensCreated(inst.id) - before).toBe(2);
    expect([...a.logs, ...b.logs].join('\n')).not.toMatch(/ghs_/);
  });

  it("keeps the table current from GitHub's installation webhooks, and drops a repository removed from the installation", async () => {
    deliverToApi(true);
    const [first, second] = reposOf('octocat');
    const inst = await sim.world.installApp({
      app: DEMO_GITHUB_APP.id,
      account: 'octocat',
      repositories: [first!, second!],
    });
    await waitForInboxIdle(db);
    const [row] = await installationRow(inst.id);
    expect(row).toMatchObject({
      account_login: 'octocat',
      repository_selection: 'selected',
      removed_at: null,
    });
    expect(await repoNames(inst.id)).toEqual([`octocat/${first}`, `octocat/${second}`].sort());

    await sim.world.removeInstallationRepos({ installationId: inst.id, repositories: [first!] });
    await waitForInboxIdle(db);
    expect(await repoNames(inst.id)).toEqual([`octocat/${second}`]);

    // The scheduled re-read agrees with the webhooks, and reads the installation's budget.
    await serviceOf(b).refreshAll();
    expect(await repoNames(inst.id)).toEqual([`octocat/${second}`]);
    const budgets = await db.rows(
      `SELECT resource, remaining FROM github_installation_rate_limits WHERE installation_id = $1`,
      [inst.id],
    );
    expect(budgets).toEqual([{ resource: 'core', remaining: expect.any(Number) }]);
  });

  it('marks a suspended installation at once, by webhook and by GitHub refusing a token, and clears it when unsuspended', async () => {
    const inst = await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: 'hubot' });
    await serviceOf(a).refreshAll();
    await tokensOf(a).token(inst.id);

    // No webhook reaches Trackeep: the next token GitHub refuses (403) tells.
    await sim.world.suspendInstallation({ installationId: inst.id });
    forgetEverywhere(inst.id);
    await db.rows('DELETE FROM github_installation_tokens WHERE installation_id = $1', [inst.id]);
    const refused = await tokensOf(b)
      .token(inst.id)
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InstallationUnavailableError);
    expect((refused as InstallationUnavailableError).refusal).toBe('suspended');
    let [row] = await installationRow(inst.id);
    expect(row!.suspended_at).not.toBeNull();
    expect(row!.access_error).toMatch(/suspended/);

    const listed = await request(a.app.getHttpServer())
      .get('/api/v1/installations')
      .set('Cookie', adminCookie);
    expect(listed.status).toBe(200);
    expect(listed.body.installations).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: inst.id, suspended: true })]),
    );

    deliverToApi(true);
    await sim.world.unsuspendInstallation({ installationId: inst.id });
    await waitForInboxIdle(db);
    [row] = await installationRow(inst.id);
    expect(row).toMatchObject({ suspended_at: null, access_error: null });
    await expect(tokensOf(a).token(inst.id)).resolves.toMatchObject({ token: expect.any(String) });

    await sim.world.suspendInstallation({ installationId: inst.id });
    await waitForInboxIdle(db);
    expect((await installationRow(inst.id))[0]!.suspended_at).not.toBeNull();
  });

  it('marks an installation removed when the App is uninstalled mid-work: its token answers 401 and GitHub no longer knows it', async () => {
    const inst = await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: 'monalisa' });
    await serviceOf(a).refreshAll();
    await tokensOf(a).token(inst.id);

    await sim.world.uninstallApp({ installationId: inst.id });
    const failed = await serviceOf(a)
      .refreshRepos(inst.id)
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(InstallationUnavailableError);
    expect((failed as InstallationUnavailableError).refusal).toBe('removed');
    const [row] = await installationRow(inst.id);
    expect(row!.removed_at).not.toBeNull();
    expect(await repoNames(inst.id)).toEqual([]);
    const { n } = await db.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM github_installation_tokens WHERE installation_id = $1',
      [inst.id],
    );
    expect(n).toBe(0);
  });

  describe('the App webhook', () => {
    const payload = (installationId: number, login: string) => ({
      action: 'created',
      installation: {
        id: installationId,
        app_id: DEMO_GITHUB_APP.id,
        account: { login, id: installationId + 1, type: 'Organization' },
        repository_selection: 'selected',
        permissions: { metadata: 'read', contents: 'read' },
        events: ['push'],
        suspended_at: null,
      },
      repositories: [{ id: installationId + 2, full_name: `${login}/one`, private: true }],
      sender: { login: 'octocat', id: 583231 },
    });

    it('refuses an installation delivery signed with another secret (401) and applies nothing', async () => {
      const res = await postWebhook(a.url, {
        event: 'installation',
        payload: payload(880001, 'forged-org'),
        secret: 'not-the-app-webhook-secret',
      });
      expect(res.status).toBe(401);
      expect(await installationRow(880001)).toEqual([]);
    });

    it('does not apply an installation event signed with a repository or global webhook secret', async () => {
      const id = randomUUID();
      const res = await postWebhook(a.url, {
        event: 'installation',
        payload: payload(880002, 'global-org'),
        id,
        secret: GLOBAL_SECRET,
      });
      expect(res.status).toBe(202);
      await waitForInboxIdle(db);
      expect(await installationRow(880002)).toEqual([]);
      const [delivery] = await db.rows<{ status: string }>(
        'SELECT status FROM webhook_deliveries WHERE delivery_id = $1',
        [id],
      );
      expect(delivery!.status).toBe('ignored');
    });

    it('applies a delivery sent twice with the same X-GitHub-Delivery once', async () => {
      const id = randomUUID();
      const body = payload(880003, 'replayed-org');
      const first = await postWebhook(a.url, {
        event: 'installation',
        payload: body,
        id,
        secret: DEMO_GITHUB_APP.webhookSecret,
      });
      const again = await postWebhook(b.url, {
        event: 'installation',
        payload: body,
        id,
        secret: DEMO_GITHUB_APP.webhookSecret,
      });
      expect([first.status, again.status]).toEqual([202, 202]);
      expect(again.json()).toMatchObject({ duplicate: true });
      await waitForInboxIdle(db);
      expect(await installationRow(880003)).toHaveLength(1);
      expect(await repoNames(880003)).toEqual(['replayed-org/one']);
      const { n, applied } = await db.one<{ n: number; applied: number }>(
        `SELECT count(*)::int AS n, sum(applied_count)::int AS applied FROM webhook_deliveries WHERE delivery_id = $1`,
        [id],
      );
      expect({ n, applied }).toEqual({ n: 1, applied: 1 });
    });
  });

  describe('the Installations API', () => {
    it('answers 404 to someone who is neither an instance administrator nor an owner of an installed organization', async () => {
      const http = request(a.app.getHttpServer());
      await http.get('/api/v1/installations').set('Cookie', strangerCookie).expect(404);
      await http
        .patch('/api/v1/installations/1')
        .set('Cookie', strangerCookie)
        .set(CSRF)
        .send({ autoTrack: true })
        .expect(404);
      const perms = await http
        .get('/api/v1/installations/permissions')
        .set('Cookie', strangerCookie)
        .expect(200);
      expect(perms.body).toEqual({ canManage: false });
    });

    it("lists installations with the install link, and turns an installation's auto-track on", async () => {
      const inst = await sim.world
        .installApp({ app: DEMO_GITHUB_APP.id, account: 'acme-corp' })
        .catch(() =>
          [...sim.world.installations.values()].find((i) => i.accountId === sim.world.org('acme-corp')!.id)!,
        );
      await serviceOf(a).refreshAll();
      const http = request(a.app.getHttpServer());
      const page = await http.get('/api/v1/installations').set('Cookie', adminCookie).expect(200);
      expect(page.body).toMatchObject({
        appConfigured: true,
        appSlug: DEMO_GITHUB_APP.slug,
        installUrl: `${sim.url}/apps/${DEMO_GITHUB_APP.slug}/installations/new`,
      });
      const acme = (page.body.installations as Array<Record<string, unknown>>).find(
        (i) => i['id'] === inst.id,
      );
      expect(acme).toMatchObject({
        account: { login: 'acme-corp', type: 'Organization' },
        repositorySelection: 'all',
        permissions: expect.objectContaining({ metadata: 'read' }),
        suspended: false,
        removed: false,
        autoTrack: false,
        repositoryCount: reposOf('acme-corp').length,
        budgets: [
          {
            resource: 'core',
            limit: expect.any(Number),
            remaining: expect.any(Number),
            resetAt: expect.any(String),
          },
        ],
      });

      const updated = await http
        .patch(`/api/v1/installations/${inst.id}`)
        .set('Cookie', adminCookie)
        .set(CSRF)
        .send({ autoTrack: true })
        .expect(200);
      expect(updated.body).toMatchObject({ id: inst.id, autoTrack: true });
      await http
        .patch('/api/v1/installations/123456789')
        .set('Cookie', adminCookie)
        .set(CSRF)
        .send({ autoTrack: true })
        .expect(404);
      await http
        .patch(`/api/v1/installations/${inst.id}`)
        .set('Cookie', adminCookie)
        .set(CSRF)
        .send({ autoTrack: 'yes' })
        .expect(400);
      await http
        .patch('/api/v1/installations/abc')
        .set('Cookie', adminCookie)
        .set(CSRF)
        .send({ autoTrack: true })
        .expect(400);
    });

    it('lets an owner of an organization the App is installed on manage installations', async () => {
      const owner = await seedUser(db, a.app, {
        login: 'octocat',
        githubId: sim.world.requireUser('octocat').id,
        token: sim.issueToken('octocat', ['repo', 'read:org']),
      });
      const cookie = await sessionCookie(a.app, owner);
      const perms = await request(a.app.getHttpServer())
        .get('/api/v1/installations/permissions')
        .set('Cookie', cookie)
        .expect(200);
      expect(perms.body).toEqual({ canManage: true });
    });
  });

  it('learns of an installation made while no webhook could reach it from the next refresh', async () => {
    const login = [...sim.world.users.values()]
      .map((u) => u.login)
      .find((l) => !['octocat', 'monalisa', 'hubot'].includes(l));
    const inst = await sim.world.installApp({ app: DEMO_GITHUB_APP.id, account: login! });
    expect(await installationRow(inst.id)).toEqual([]);
    await serviceOf(b).refreshAll();
    expect(await installationRow(inst.id)).toHaveLength(1);
    expect((await repoNames(inst.id)).length).toBe(reposOf(login!).length);
  });
  it('adds a repository created in an account whose installation covers all repositories, by its webhook', async () => {
    const acme = [...sim.world.installations.values()].find(
      (i) => i.appId === DEMO_GITHUB_APP.id && i.accountId === sim.world.org('acme-corp')!.id,
    )!;
    deliverToApi(true);
    await sim.world.createRepo({ owner: 'acme-corp', name: 'brand-new-service' });
    await waitForInboxIdle(db);
    expect(await repoNames(acme.id)).toContain('acme-corp/brand-new-service');
  });

  it("shows someone who joins an organization its auto-tracked repositories, after the organization's webhook", async () => {
    const acme = [...sim.world.installations.values()].find(
      (i) => i.appId === DEMO_GITHUB_APP.id && i.accountId === sim.world.org('acme-corp')!.id,
    )!;
    deliverToApi(true);
    await serviceOf(a).setAutoTrack(acme.id, true);
    const secret = await sim.world.createRepo({ owner: 'acme-corp', name: 'members-only', private: true });
    await waitForInboxIdle(db);
    await serviceOf(a).refreshRepos(acme.id);
    const hire = sim.world.addUser({ login: 'new-hire' });
    const userId = await seedUser(db, a.app, {
      login: hire.login,
      githubId: hire.id,
      token: sim.issueToken(hire.login, ['repo', 'read:org']),
    });
    const cookie = await sessionCookie(a.app, userId);
    const detail = () =>
      httpRequest(`${a.url}/api/v1/repos/${sim.world.fullName(secret)}`, { headers: { cookie } });
    expect((await detail()).status).toBe(404);

    await sim.world.setOrgMembership({ org: 'acme-corp', login: hire.login, role: 'member' });
    await waitForInboxIdle(db);
    await waitFor(
      'the new member to see the private repository',
      async () => (await detail()).status === 200,
    );
  });
});
