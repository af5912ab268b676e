import { freePort } from '@trackeep/embedded-pg';
import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { splitFullName } from '../src/common/full-name.util';
import { WebhookRegistrationService } from '../src/webhooks/webhook-registration.service';
import { SUBSCRIBED_EVENTS } from '../src/webhooks/webhook.constants';
import { API_TEMPLATE_DB } from './support/test-app';
import { must } from './sync-support/sync-harness';
import {
  Db,
  httpRequest,
  seedSecondOrgAdmin,
  seedTrackedRepo,
  seedUser,
  sessionCookie,
  startApi,
  waitFor,
  waitForInboxIdle,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

type SimRepo = GithubSimHandle['world'] extends { repos: Map<number, infer R> } ? R : never;

describe('repository hooks follow tracking and GitHub', () => {
  let database: TestDatabase;
  let sim: GithubSimHandle;
  let a: RunningApi;
  let b: RunningApi;
  let db: Db;
  let octocat: string;
  let token: string;
  let hookUrl: string;
  let simRepos: SimRepo[];
  let nextRepo = 0;
  const orgRepoIds = new Set<number>();

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    sim = await startGithubSim({ preset: 'small', seed: 11, sizes: { reposPerOwner: 8 } });
    const port = await freePort();
    // Two replicas of one instance on one database; GitHub delivers to A.
    const github = {
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    a = await startApi(database.url, github, port);
    b = await startApi(database.url, github);
    hookUrl = `${a.url}/api/v1/webhooks/github`;
    db = await Db.connect(database.url);
    token = sim.issueToken('octocat');
    octocat = await seedUser(db, a.app, {
      login: 'octocat',
      githubId: sim.world.requireUser('octocat').id,
      token,
    });
    simRepos = [...sim.world.repos.values()].filter(
      (r) => !r.deleted && !r.fork && sim.world.ownerLogin(r) === 'octocat',
    );
  });
  afterAll(async () => {
    sim.setFaults({});
    await db.end();
    await b.close();
    await a.close();
    await sim.stop();
    await database.drop();
  });

  /** A fresh octocat repository, tracked by octocat (admin) unless `tracked` is false. */
  const freshRepo = async (tracked = true): Promise<{ repo: SeededRepo; simRepo: SimRepo }> => {
    const simRepo = simRepos[nextRepo++]!;
    const repo = await seedTrackedRepo(db, a.app, tracked ? octocat : null, {
      githubId: simRepo.id,
      fullName: sim.world.fullName(simRepo),
      permission: 'admin',
    });
    return { repo, simRepo };
  };
  const ourHooks = (simRepo: SimRepo) => simRepo.hooks.filter((h) => h.config.url === hookUrl);
  /** An acme-corp repository no earlier test used, without our hook. */
  const freeOrgRepo = (): SimRepo => {
    const simRepo = must(
      [...sim.world.repos.values()].find(
        (r) =>
          !r.deleted &&
          !r.fork &&
          sim.world.ownerLogin(r) === 'acme-corp' &&
          !ourHooks(r).length &&
          !orgRepoIds.has(r.id),
      ),
      'an acme-corp repository without our hook',
    );
    orgRepoIds.add(simRepo.id);
    return simRepo;
  };
  const registration = (repoId: string) =>
    db
      .rows<{ hook_id: string | null; status: string; last_error: string | null }>(
        'SELECT hook_id, status, last_error FROM webhook_registrations WHERE repo_id = $1',
        [repoId],
      )
      .then((r) => r[0] ?? null);
  const github = (method: string, path: string, body?: unknown) =>
    httpRequest(`${sim.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** Hook jobs on every replica done and every delivery GitHub sent processed. */
  const settled = async () => {
    await waitFor(
      'hook jobs to finish',
      async () => {
        const { n } = await db.one<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name IN ('webhook-register', 'webhook-unregister') AND state IN ('created', 'retry', 'active')`,
        );
        return n === 0;
      },
      60_000,
      100,
    );
    await waitForInboxIdle(db);
  };
  /** GitHub has exactly the hook Trackeep's state calls for: one (the registered one) when tracked, none otherwise. */
  const expectInLine = async (repo: SeededRepo, simRepo: SimRepo) => {
    const tracked = (await db.rows('SELECT 1 FROM tracked_repos WHERE repo_id = $1', [repo.id])).length > 0;
    const row = await registration(repo.id);
    if (tracked) {
      expect(ourHooks(simRepo).map((h) => String(h.id))).toEqual([row?.hook_id]);
      expect(row?.status).toBe('active');
    } else {
      expect(ourHooks(simRepo)).toEqual([]);
      expect(row?.status ?? 'disabled').toBe('disabled');
    }
  };

  it('a new hook gets exactly one ping, the one GitHub sends by itself', async () => {
    const { repo, simRepo } = await freshRepo();
    await a.app.get(WebhookRegistrationService).register(repo.id, octocat);
    await waitFor(
      'the ping to confirm the hook',
      async () => (await registration(repo.id))?.status === 'active',
    );
    await new Promise((r) => setTimeout(r, 500));
    await waitForInboxIdle(db);
    const hook = must(ourHooks(simRepo)[0], 'our hook on GitHub');
    expect(sim.world.deliveries.filter((d) => d.hookId === hook.id && d.event === 'ping')).toHaveLength(1);
    expect(
      await db.rows(`SELECT status FROM webhook_deliveries WHERE event = 'ping' AND hook_id = $1`, [hook.id]),
    ).toEqual([{ status: 'processed' }]);
  });

  it('untracking while the hook is being created deletes the hook GitHub created, and its late ping revives nothing', async () => {
    const { repo, simRepo } = await freshRepo();
    sim.setFaults({ latencyMs: 800, pathPattern: '/hooks$' });
    try {
      const creating = a.app.get(WebhookRegistrationService).register(repo.id, octocat);
      await waitFor(
        'the creation to start',
        async () => (await registration(repo.id))?.status === 'pending',
        5_000,
        10,
      );
      await db.rows('DELETE FROM tracked_repos WHERE repo_id = $1', [repo.id]);
      await b.app.get(WebhookRegistrationService).unregister(repo.id);
      await creating;
    } finally {
      sim.setFaults({});
    }
    await new Promise((r) => setTimeout(r, 300));
    await waitForInboxIdle(db);
    expect(ourHooks(simRepo)).toEqual([]);
    expect(await registration(repo.id)).toMatchObject({ status: 'disabled' });
    expect(sim.world.deliveries.filter((d) => d.repoId === simRepo.id && d.event === 'ping')).toHaveLength(1); // it did exist
  });

  it('a ping arriving after the hook was removed leaves the registration disabled', async () => {
    const { repo } = await freshRepo();
    const service = a.app.get(WebhookRegistrationService);
    await service.register(repo.id, octocat);
    await waitFor('the hook to be active', async () => (await registration(repo.id))?.status === 'active');
    const { hook_id: hookId } = (await registration(repo.id))!;
    await db.rows('DELETE FROM tracked_repos WHERE repo_id = $1', [repo.id]);
    await service.unregister(repo.id);
    // Redeliver the hook's ping as GitHub would have sent it late (signed with the hook's secret, still kept).
    const ping = sim.world.deliveries.find((d) => String(d.hookId) === hookId && d.event === 'ping')!;
    const res = await httpRequest(hookUrl, {
      method: 'POST',
      headers: { ...ping.requestHeaders, 'x-github-delivery': `late-${ping.guid}` },
      body: JSON.stringify(ping.payload),
    });
    expect(res.status).toBeLessThan(300);
    await waitForInboxIdle(db);
    expect(await registration(repo.id)).toMatchObject({ status: 'disabled' });
  });

  it('any interleaving of track and untrack on two replicas leaves exactly the hook Trackeep tracks, no orphan, none missing', async () => {
    const { repo, simRepo } = await freshRepo(false);
    const [owner, name] = splitFullName(repo.fullName);
    const cookies = { a: await sessionCookie(a.app, octocat), b: await sessionCookie(b.app, octocat) };
    const call = (replica: 'a' | 'b', method: 'POST' | 'DELETE') =>
      httpRequest(`${(replica === 'a' ? a : b).url}/api/v1/repos/${owner}/${name}/track`, {
        method,
        headers: { cookie: cookies[replica], 'x-trackeep-csrf': '1' },
      });
    // Orders fixed here so a failure repeats.
    const rounds: Array<Array<['a' | 'b', 'POST' | 'DELETE']>> = [
      [
        ['a', 'POST'],
        ['b', 'DELETE'],
      ],
      [
        ['b', 'POST'],
        ['a', 'DELETE'],
        ['b', 'POST'],
      ],
      [
        ['a', 'POST'],
        ['b', 'DELETE'],
        ['a', 'POST'],
        ['b', 'DELETE'],
      ],
      [
        ['b', 'DELETE'],
        ['a', 'POST'],
        ['a', 'DELETE'],
        ['b', 'POST'],
        ['a', 'DELETE'],
        ['b', 'POST'],
      ],
      [
        ['a', 'POST'],
        ['a', 'DELETE'],
        ['b', 'POST'],
        ['b', 'DELETE'],
      ],
    ];
    sim.setFaults({ latencyMs: { min: 100, max: 600 }, pathPattern: '/hooks' });
    try {
      for (const [i, steps] of rounds.entries()) {
        // Each change is answered before the next is sent, but nobody waits for the hook jobs they queue:
        // those race each other on both replicas while GitHub is slow to answer.
        for (const [replica, method] of steps) {
          const res = await call(replica, method);
          expect([200, 201, 204, 404]).toContain(res.status);
        }
        await settled();
        await waitFor(
          `round ${i}: GitHub's hooks to match Trackeep`,
          async () => {
            try {
              await expectInLine(repo, simRepo);
              return true;
            } catch {
              return false;
            }
          },
          10_000,
          100,
        );
        await expectInLine(repo, simRepo);
      }
    } finally {
      sim.setFaults({});
    }
  });

  it('a hook deleted on GitHub is created again by the periodic check', async () => {
    const { repo, simRepo } = await freshRepo();
    const service = b.app.get(WebhookRegistrationService);
    await service.register(repo.id, octocat);
    await waitFor('the hook to be active', async () => (await registration(repo.id))?.status === 'active');
    const before = must(ourHooks(simRepo)[0], 'our hook on GitHub');
    expect((await github('DELETE', `/repos/${repo.fullName}/hooks/${before.id}`)).status).toBe(204);
    expect(ourHooks(simRepo)).toEqual([]);

    await service.checkHooks();
    const after = must(ourHooks(simRepo)[0], 'the hook created again');
    expect(after.id).not.toBe(before.id);
    await waitFor(
      'the new hook to be active',
      async () => (await registration(repo.id))?.status === 'active',
    );
    expect((await registration(repo.id))?.hook_id).toBe(String(after.id));
  });

  it('a hook changed on GitHub is put back, and the change is recorded on its health', async () => {
    const { repo, simRepo } = await freshRepo();
    const service = a.app.get(WebhookRegistrationService);
    await service.register(repo.id, octocat);
    await waitFor('the hook to be active', async () => (await registration(repo.id))?.status === 'active');
    const hook = must(ourHooks(simRepo)[0], 'our hook on GitHub');
    expect(
      (
        await github('PATCH', `/repos/${repo.fullName}/hooks/${hook.id}`, {
          active: false,
          events: ['push'],
        })
      ).status,
    ).toBe(200);

    await service.checkHooks();
    expect(ourHooks(simRepo)).toEqual([
      expect.objectContaining({
        id: hook.id,
        active: true,
        events: expect.arrayContaining([...SUBSCRIBED_EVENTS]),
      }),
    ]);
    expect(must(ourHooks(simRepo)[0], 'our hook on GitHub').events).toHaveLength(SUBSCRIBED_EVENTS.length);
    const health = (await service.health([repo.id])).get(repo.id);
    expect(health?.lastError).toMatch(/changed on GitHub \(deactivated, events changed\)/);
  });

  it('a check GitHub rate-limits is recorded on the hook, never taken for lost permission, and cleared by the next check', async () => {
    const { repo } = await freshRepo();
    const service = a.app.get(WebhookRegistrationService);
    await service.register(repo.id, octocat);
    await waitFor('the hook to be active', async () => (await registration(repo.id))?.status === 'active');
    // A secondary limit answers 403 with Retry-After: it says nothing about admin permission.
    sim.setFaults({ secondaryRateLimit: { retryAfterSec: 3600, status: 403 }, pathPattern: '/hooks' });
    try {
      await service.checkHooks();
    } finally {
      sim.setFaults({});
    }
    expect(await registration(repo.id)).toMatchObject({
      status: 'active',
      last_error: expect.stringMatching(/^checking the webhook on GitHub failed/),
    });
    await service.checkHooks();
    expect(await registration(repo.id)).toMatchObject({ status: 'active', last_error: null });
  });

  it.each([
    ['SAML SSO enforcement', { sso: { org: 'acme-corp' } }, 'needs_sso', 'sso'],
    [
      'OAuth App access restrictions',
      { oauthAppPolicy: { org: 'acme-corp' } },
      'oauth_app_blocked',
      'oauth_app_policy',
    ],
  ] as const)(
    '%s is reported as such (with the organization and GitHub’s link), never as "not admin", and registration resumes when lifted',
    async (_name, fault, status, kind) => {
      sim.world.setOrgMembership({ org: 'acme-corp', login: 'octocat', role: 'admin' });
      const simRepo = freeOrgRepo();
      const repo = await seedTrackedRepo(db, a.app, octocat, {
        githubId: simRepo.id,
        fullName: sim.world.fullName(simRepo),
        permission: 'admin',
      });
      const service = a.app.get(WebhookRegistrationService);
      sim.setFaults(fault);
      try {
        await service.register(repo.id, octocat);
        expect(await registration(repo.id)).toMatchObject({ status });
        const health = (await service.health([repo.id])).get(repo.id);
        expect(health).toMatchObject({ status, block: { kind, org: 'acme-corp' } });
        expect(health?.block?.url).toMatch(
          kind === 'sso' ? /\/orgs\/acme-corp\/sso/ : /^https:\/\/docs\.github\.com\//,
        );
        expect(ourHooks(simRepo)).toHaveLength(0);
      } finally {
        sim.setFaults({});
      }
      // The periodic check tries again: the hook is created once GitHub lets it.
      await service.checkHooks();
      await waitFor('the hook to be active', async () => (await registration(repo.id))?.status === 'active');
      expect(ourHooks(simRepo)).toHaveLength(1);
      expect((await service.health([repo.id])).get(repo.id)?.block).toBeNull();

      // Blocked while checking an existing hook: shown the same way, and back to active when lifted.
      sim.setFaults(fault);
      try {
        await service.checkHooks();
      } finally {
        sim.setFaults({});
      }
      expect(await registration(repo.id)).toMatchObject({ status });
      await service.checkHooks();
      expect(await registration(repo.id)).toMatchObject({ status: 'active', last_error: null });
    },
  );

  it('SSO enforced on one admin’s token only: the hook is created and checked with another admin’s, and no block is shown', async () => {
    const monalisa = await seedSecondOrgAdmin(db, a.app, sim);
    const simRepo = freeOrgRepo();
    const seed = { githubId: simRepo.id, fullName: sim.world.fullName(simRepo), permission: 'admin' };
    const repo = await seedTrackedRepo(db, a.app, octocat, seed);
    await seedTrackedRepo(db, a.app, monalisa, seed);
    // Another repository of the organization, which no call below touches.
    const otherSim = freeOrgRepo();
    const otherSeed = { githubId: otherSim.id, fullName: sim.world.fullName(otherSim), permission: 'admin' };
    const other = await seedTrackedRepo(db, a.app, octocat, otherSeed);
    await seedTrackedRepo(db, a.app, monalisa, otherSeed);
    const service = a.app.get(WebhookRegistrationService);
    const registeredBy = async () =>
      (
        await db.rows<{ login: string }>(
          `SELECT u.login FROM webhook_registrations w JOIN users u ON u.id = w.registered_by WHERE w.repo_id = $1`,
          [repo.id],
        )
      )[0]?.login;
    const refused = async (repoId = repo.id) =>
      (
        await db.rows<{ login: string }>(
          `SELECT u.login FROM repo_access a JOIN users u ON u.id = a.user_id
            WHERE a.repo_id = $1 AND a.policy_refused_at IS NOT NULL ORDER BY u.login`,
          [repoId],
        )
      ).map((r) => r.login);
    sim.setFaults({ sso: { org: 'acme-corp', users: ['octocat'] } });
    try {
      // octocat asks first (they track it and are admin); GitHub refuses their token, not monalisa's.
      await service.register(repo.id, octocat);
      await waitFor('the hook to be active', async () => (await registration(repo.id))?.status === 'active');
      expect(ourHooks(simRepo)).toHaveLength(1);
      expect(await registeredBy()).toBe('monalisa');
      expect(await refused()).toEqual(['octocat']);
      // The policy is the organization's: octocat is asked last for its other repository too.
      expect(await refused(other.id)).toEqual(['octocat']);
      expect((await service.health([repo.id])).get(repo.id)?.block).toBeNull();
    } finally {
      sim.setFaults({});
    }

    // The registering admin refused in turn while the hook is checked: another admin checks it.
    sim.setFaults({ sso: { org: 'acme-corp', users: ['monalisa'] } });
    try {
      await service.checkHooks();
      expect(await registration(repo.id)).toMatchObject({ status: 'active', last_error: null });
      expect((await service.health([repo.id])).get(repo.id)?.block).toBeNull();
      // Asked last while refused, and forgotten once the token reads the repository again: on that repository
      // only (a token without SSO still reads public repositories).
      expect(await refused()).toEqual(['monalisa']);
      expect(await refused(other.id)).toEqual(['monalisa', 'octocat']);
    } finally {
      sim.setFaults({});
    }
  });

  it('a hook for a repository renamed on GitHub since Trackeep last looked is created through GitHub’s 307 (the POST stays a POST)', async () => {
    const { repo, simRepo } = await freshRepo();
    const [owner, name] = splitFullName(sim.world.fullName(simRepo));
    await sim.world.renameRepo({ owner, repo: name, name: `${name}-moved` });
    const before = sim.stats().rest.byStatus['307'] ?? 0;
    await a.app.get(WebhookRegistrationService).register(repo.id, octocat);
    await waitFor('the hook to be active', async () => (await registration(repo.id))?.status === 'active');
    expect(ourHooks(simRepo)).toHaveLength(1);
    expect(sim.stats().rest.byStatus['307']).toBeGreaterThan(before);
    // The next sync records the new name; until then every call for this repository starts with a redirect.
    await db.rows(`UPDATE repositories SET name = $2, full_name = $3 WHERE id = $1`, [
      repo.id,
      `${name}-moved`,
      `${owner}/${name}-moved`,
    ]);
  });

  it('checking an unchanged hook list is a 304 that costs no rate limit', async () => {
    const service = a.app.get(WebhookRegistrationService);
    await settled();
    await sim.world.settled(); // every delivery's response recorded on its hook (it is part of the listed hook)
    await service.checkHooks(); // brings every stored ETag up to date
    // Per route, so the sync's and the access checks' own requests on this token do not count here.
    const route = 'GET /repos/{owner}/{repo}/hooks';
    const listed = () => sim.stats().rest.byRoute[route] ?? 0;
    const unchanged = () => sim.stats().rest.notModifiedByRoute[route] ?? 0;
    const [listedBefore, unchangedBefore] = [listed(), unchanged()];
    await service.checkHooks();
    const lists = listed() - listedBefore;
    expect(lists).toBeGreaterThan(0);
    expect(unchanged() - unchangedBefore).toBe(lists); // every list answered 304: no rate limit spent
  });
});
