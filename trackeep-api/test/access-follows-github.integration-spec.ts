import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { Kysely } from 'kysely';
import type { DB } from '../src/database/db.types';
import { ApiEnv } from '../src/config/api-env';
import { EventBus } from '../src/events/event-bus.service';
import {
  CSRF,
  makeOctocatRepoPrivate,
  startAuthHarness,
  withSession,
  type AuthHarness,
} from './support/auth-harness';
import { seedCommits } from './support/seed-repo-data';
import webhookExamples from '@octokit/webhooks-examples';
import {
  Db,
  GLOBAL_SECRET,
  SseReader,
  postWebhook,
  seedHook,
  waitFor,
  waitForInboxIdle,
} from './webhooks-support';

const WINDOW_SECONDS = 2;

/** GitHub's own example of `event`/`action` (from @octokit/webhooks-examples), to be adjusted. */
function example(event: string, action: string): Record<string, unknown> {
  const def = (
    webhookExamples as unknown as Array<{ name: string; examples: Array<Record<string, unknown>> }>
  ).find((d) => d.name === event);
  const found = def?.examples.find((e) => e['action'] === action);
  if (!found) throw new Error(`no example of ${event} ${action}`);
  return structuredClone(found);
}
const HOOK_SECRET = 'access-test-hook-secret';

/**
 * A person removed from a private repository on GitHub loses it in Trackeep: at their next use after
 * ACCESS_RECHECK_SECONDS (their own token asks GitHub again), at once when GitHub sends the `member` webhook,
 * on an open event stream too; "sync now" asks first. GitHub's failures never take access away.
 */
describe('access to private repositories follows GitHub', () => {
  let h: AuthHarness;
  let db: Client;
  let apiUrl: string;
  let privateName: string;
  let privateId: string;
  let publicId: string;
  let alice: string; // octocat, owner of the private repository
  let bob: string; // hubot, a collaborator who gets removed
  let bobId: string;
  const readers: SseReader[] = [];
  const figures: Record<string, number> = {};

  const as = (session: string) => ({
    get: (path: string) => h.http().get(`/api/v1${path}`).set('Cookie', withSession(session)),
    post: (path: string) => h.http().post(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
  });
  const commits = () => `/repos/octocat/${privateName}/commits`;
  const accessRow = async (userId: string, repoId = privateId) =>
    (
      await db.query<{ checked_at: Date; permission: string }>(
        'SELECT checked_at, permission FROM repo_access WHERE user_id = $1 AND repo_id = $2',
        [userId, repoId],
      )
    ).rows[0];
  const github = (token: string) => (method: string, path: string, body?: unknown) =>
    fetch(`${h.sim.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        accept: 'application/vnd.github+json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  /** octocat removes hubot from the repository, through GitHub's REST API. */
  const removeBobOnGithub = async () => {
    const res = await github(h.sim.issueToken('octocat'))(
      'DELETE',
      `/repos/octocat/${privateName}/collaborators/hubot`,
    );
    expect(res.status).toBe(204);
  };
  const addBobOnGithubAndTrack = async () => {
    await h.sim.world.grantAccess({
      owner: 'octocat',
      repo: privateName,
      login: 'hubot',
      permission: 'push',
    });
    await h.sim.world.settled();
    await as(bob)
      .post(`/repos/octocat/${privateName}/track`)
      .expect((res) => expect([200, 201]).toContain(res.status));
    await as(bob).get(commits()).expect(200);
  };
  /** Time from `start` until Bob's data route answers 404 (polled). */
  const until404 = async (start: number): Promise<number> => {
    await waitFor(
      'the data route to answer 404',
      async () => (await as(bob).get(commits())).status === 404,
      20_000,
      25,
    );
    return Date.now() - start;
  };

  beforeAll(async () => {
    h = await startAuthHarness({
      env: { ACCESS_RECHECK_SECONDS: String(WINDOW_SECONDS), WEBHOOK_SECRET: GLOBAL_SECRET },
      sim: { sizes: { reposPerOwner: 4, commitsPerRepo: 5 } },
    });
    await h.t.app.listen(0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(h.t.app.getHttpServer().address() as AddressInfo).port}`;
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    privateName = await makeOctocatRepoPrivate(h.sim);
    ({ session: alice } = await h.signIn('octocat'));
    ({ session: bob } = await h.signIn('hubot'));
    bobId = (await as(bob).get('/auth/me').expect(200)).body.id;
    privateId = (await as(alice).post(`/repos/octocat/${privateName}/track`).expect(201)).body.id;
    publicId = (await as(bob).post('/repos/octocat/Hello-World/track').expect(201)).body.id;
    await seedCommits(db, privateId, [
      { sha: 'c1', message: 'secret', authorLogin: 'octocat', committedAt: '2024-01-01T00:00:00Z' },
    ]);
    await addBobOnGithubAndTrack();
  });
  afterAll(async () => {
    for (const r of readers) r.close();
    jest.restoreAllMocks();
    console.log(
      `removed on GitHub -> 404 in Trackeep (ACCESS_RECHECK_SECONDS=${WINDOW_SECONDS}): ${JSON.stringify(figures)}`,
    );
    await db.end();
    await h.close();
  });

  describe('without a webhook', () => {
    it('answers 404 on the data routes once the last check is older than ACCESS_RECHECK_SECONDS', async () => {
      const start = Date.now();
      await removeBobOnGithub();
      figures['withoutWebhookMs'] = await until404(start);
      expect(await accessRow(bobId)).toBeUndefined();
      await as(bob).get(`/repos/octocat/${privateName}`).expect(404);
      expect(
        (await as(bob).get('/repos').expect(200)).body.items.map((r: { id: string }) => r.id),
      ).not.toContain(privateId);
      // The owner is unaffected.
      await as(alice).get(commits()).expect(200);
    });

    it('"sync now" asks GitHub about the requester first, whatever the age of the last answer, and answers 404', async () => {
      await addBobOnGithubAndTrack();
      await removeBobOnGithub();
      const res = await as(bob).post(`/repos/octocat/${privateName}/sync`).expect(404);
      expect(res.body.code).toBe('repo_not_found');
      expect(await accessRow(bobId)).toBeUndefined();
    });

    it('the repository list asks GitHub again about answers older than ACCESS_RECHECK_SECONDS before listing them', async () => {
      await addBobOnGithubAndTrack();
      await removeBobOnGithub();
      // The answer has aged past the window, and the list is the first thing Bob opens.
      await db.query(
        `UPDATE repo_access SET checked_at = now() - interval '1 hour' WHERE user_id = $1 AND repo_id = $2`,
        [bobId, privateId],
      );
      expect(
        (await as(bob).get('/repos').expect(200)).body.items.map((r: { id: string }) => r.id),
      ).not.toContain(privateId);
      expect(await accessRow(bobId)).toBeUndefined();
    });

    it('stops an open event stream sending the repository’s events, without a reconnect', async () => {
      await addBobOnGithubAndTrack();
      const stream = await SseReader.open(`${apiUrl}/api/v1/events/stream`, { cookie: withSession(bob) });
      readers.push(stream);
      expect(stream.status).toBe(200);
      const bus = h.t.app.get(EventBus);
      const progress = (repoId: string, fullName: string, runId: string) =>
        bus.publish(h.t.app.get<Kysely<DB>>(Kysely), {
          events: [
            { type: 'sync_progress', repoId, repoFullName: fullName, runId, progress: 50, status: 'running' },
          ],
        });
      const runsSeen = () =>
        stream.messages
          .filter((m) => m.event === 'sync_progress')
          .map((m) => (JSON.parse(m.data) as { runId: string }).runId);
      await waitFor('the stream to carry the private repository', async () => {
        await progress(privateId, `octocat/${privateName}`, 'before');
        return runsSeen().includes('before');
      });

      await removeBobOnGithub();
      // The stream re-checks on its own (no REST request from Bob in between).
      await waitFor(
        'the stream to re-check and drop the access',
        async () => (await accessRow(bobId)) === undefined,
        20_000,
        50,
      );
      await new Promise((r) => setTimeout(r, 200));
      await progress(privateId, `octocat/${privateName}`, 'after');
      await progress(publicId, 'octocat/Hello-World', 'public-after');
      await waitFor('the later public event', async () => runsSeen().includes('public-after'));
      expect(runsSeen()).not.toContain('after');
      expect(stream.ended).toBe(false);
    });
  });

  describe('GitHub failing is not evidence', () => {
    const makeStale = (userId: string) =>
      db.query(
        `UPDATE repo_access SET checked_at = now() - interval '1 hour' WHERE user_id = $1 AND repo_id = $2`,
        [userId, privateId],
      );
    let aliceId: string;
    beforeAll(async () => {
      aliceId = (await as(alice).get('/auth/me').expect(200)).body.id;
    });
    afterEach(async () => {
      h.sim.setFaults({});
      jest.restoreAllMocks();
      // After an inconclusive answer, a person's requests do not ask GitHub again for up to the window.
      await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000));
    });

    it('keeps an open stream’s events flowing while GitHub is slow to answer its re-check', async () => {
      const stream = await SseReader.open(`${apiUrl}/api/v1/events/stream`, { cookie: withSession(alice) });
      readers.push(stream);
      const bus = h.t.app.get(EventBus);
      const progress = (runId: string) =>
        bus.publish(h.t.app.get<Kysely<DB>>(Kysely), {
          events: [
            {
              type: 'sync_progress',
              repoId: privateId,
              repoFullName: `octocat/${privateName}`,
              runId,
              progress: 50,
              status: 'running',
            },
          ],
        });
      const seen = (runId: string) =>
        stream.messages.some(
          (m) => m.event === 'sync_progress' && (JSON.parse(m.data) as { runId: string }).runId === runId,
        );
      await progress('slow-before');
      await waitFor('the first event', async () => seen('slow-before'));
      // Past the stream's own re-read interval, with the answer stale: the next event finds a re-check due,
      // and GitHub takes far longer than a person would wait to answer it.
      await makeStale(aliceId);
      h.sim.setFaults({ latencyMs: 4_000, pathPattern: `^/repos/octocat/${privateName}$` });
      await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000 + 100));
      const sentAt = Date.now();
      await progress('slow-after');
      await waitFor('the event during the slow re-check', async () => seen('slow-after'), 10_000, 20);
      const waitedMs = Date.now() - sentAt;
      figures['streamEventDuringSlowRecheckMs'] = waitedMs;
      expect(waitedMs).toBeLessThan(2_000);
      stream.close();
      // The slow answer still arrives and keeps the access (no test after this one may join that check).
      await waitFor(
        'the slow re-check to finish',
        async () => ((await accessRow(aliceId))?.checked_at.getTime() ?? 0) > Date.now() - 60_000,
        10_000,
      );
    });

    it('keeps access when the re-check is rate limited (and logs it)', async () => {
      await makeStale(aliceId);
      h.sim.setFaults({ exhaustPrimary: 'rest' });
      await as(alice).get(commits()).expect(200);
      expect(await accessRow(aliceId)).toBeDefined();
      expect(h.t.logs.some((l) => l.includes('was inconclusive') && l.includes('rate limited'))).toBe(true);
    });

    it('keeps access when GitHub asks for SAML SSO authorization (403 X-GitHub-SSO)', async () => {
      await makeStale(aliceId);
      const realFetch = globalThis.fetch;
      const sso = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (url.includes(`/repos/octocat/${privateName}`)) {
          return new Response(
            JSON.stringify({
              message:
                'Resource protected by organization SAML enforcement. You must grant your OAuth token access to this organization.',
            }),
            {
              status: 403,
              headers: {
                'content-type': 'application/json',
                'x-github-sso': 'required; url=https://github.com/orgs/acme-corp/sso?authorization_request=1',
              },
            },
          );
        }
        return realFetch(input, init);
      });
      await as(alice).get(commits()).expect(200);
      expect(
        sso.mock.calls.some(([input]) =>
          String(input instanceof Request ? input.url : input).includes(`/repos/octocat/${privateName}`),
        ),
      ).toBe(true);
      expect(await accessRow(aliceId)).toBeDefined();
      expect(h.t.logs.some((l) => l.includes('X-GitHub-SSO'))).toBe(true);
    });

    it('keeps access on a 304 re-check, which costs no rate limit', async () => {
      const remaining = async () => {
        const res = await github(h.sim.issueToken('octocat'))('GET', '/rate_limit');
        return ((await res.json()) as { resources: { core: { remaining: number } } }).resources.core
          .remaining;
      };
      // "Sync now" asks GitHub whatever the age or back-off: a 200 whose ETag is stored for this answer.
      await as(alice).post(`/repos/octocat/${privateName}/sync`).expect(202);
      await makeStale(aliceId);
      const before = await remaining();
      const staleAt = (await accessRow(aliceId))!.checked_at.getTime();
      await as(alice).get(commits()).expect(200);
      const after = await accessRow(aliceId);
      expect(after!.checked_at.getTime()).toBeGreaterThan(staleAt); // GitHub was asked and confirmed
      expect(after!.permission).toBe('admin');
      expect(await remaining()).toBe(before);
    });
  });

  describe('organization, team and repository webhooks', () => {
    let repoGithubId: number;
    let bobGithubId: number;
    const checkedAt = async (userId: string) => (await accessRow(userId))?.checked_at.getTime();
    const deliver = async (event: string, payload: Record<string, unknown>) => {
      const store = await Db.connect(h.t.db.url);
      try {
        expect((await postWebhook(apiUrl, { event, payload })).status).toBe(202);
        await waitForInboxIdle(store);
      } finally {
        await store.end();
      }
    };
    let aliceId: string;
    beforeAll(async () => {
      aliceId = (await as(alice).get('/auth/me').expect(200)).body.id;
      repoGithubId = Number(
        (await db.query('SELECT github_id FROM repositories WHERE id = $1', [privateId])).rows[0].github_id,
      );
      bobGithubId = Number(
        (await db.query('SELECT github_id FROM users WHERE id = $1', [bobId])).rows[0].github_id,
      );
      await addBobOnGithubAndTrack();
    });

    it('`team` removed_from_repository: everyone’s access to it is asked again at the next use', async () => {
      const payload = example('team', 'removed_from_repository');
      (payload['repository'] as Record<string, unknown>)['id'] = repoGithubId;
      await deliver('team', payload);
      expect(await checkedAt(aliceId)).toBe(0);
      expect(await checkedAt(bobId)).toBe(0);
      await as(alice).get(commits()).expect(200); // asked again, still an owner
      expect(await checkedAt(aliceId)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('`membership` removed and `organization` member_removed: that person’s access to the owner’s repositories is asked again', async () => {
      await as(bob).get(commits()).expect(200);
      const membership = example('membership', 'removed');
      (membership['member'] as Record<string, unknown>)['id'] = bobGithubId;
      (membership['organization'] as Record<string, unknown>)['login'] = 'octocat';
      await deliver('membership', membership);
      expect(await checkedAt(bobId)).toBe(0);
      expect(await checkedAt(aliceId)).toBeGreaterThan(0);

      await as(bob).get(commits()).expect(200);
      const organization = example('organization', 'member_added'); // GitHub's examples have no member_removed
      organization['action'] = 'member_removed';
      ((organization['membership'] as Record<string, unknown>)['user'] as Record<string, unknown>)['id'] =
        bobGithubId;
      (organization['organization'] as Record<string, unknown>)['login'] = 'octocat';
      await deliver('organization', organization);
      expect(await checkedAt(bobId)).toBe(0);
    });

    it('`repository` privatized: everyone’s access is asked again; other actions leave it alone', async () => {
      await as(alice).get(commits()).expect(200);
      const edited = example('repository', 'edited');
      Object.assign(edited['repository'] as Record<string, unknown>, { id: repoGithubId, updated_at: null });
      await deliver('repository', edited);
      expect(await checkedAt(aliceId)).toBeGreaterThan(0);
      const privatized = example('repository', 'privatized');
      Object.assign(privatized['repository'] as Record<string, unknown>, {
        id: repoGithubId,
        updated_at: null,
      });
      await deliver('repository', privatized);
      expect(await checkedAt(aliceId)).toBe(0);
    });
  });

  describe('with a webhook', () => {
    beforeAll(async () => {
      // Trackeep's hook on the repository, as registration would create it (with `member` subscribed).
      const res = await github(h.sim.issueToken('octocat'))('POST', `/repos/octocat/${privateName}/hooks`, {
        name: 'web',
        config: { url: `${apiUrl}/api/v1/webhooks/github`, content_type: 'json', secret: HOOK_SECRET },
        events: ['member'],
      });
      expect(res.status).toBe(201);
      const hook = (await res.json()) as { id: number };
      const store = await Db.connect(h.t.db.url);
      await seedHook(store, h.t.app, privateId, hook.id, HOOK_SECRET);
      await store.end();
      await h.sim.world.settled();
    });

    it('answers 404 at once when GitHub sends `member` (removed), long before the re-check window', async () => {
      await addBobOnGithubAndTrack();
      // With the window out of the way, only the webhook can take the access away.
      h.t.app.get(ApiEnv).ACCESS_RECHECK_SECONDS = 3600;
      try {
        const start = Date.now();
        await removeBobOnGithub();
        figures['withWebhookMs'] = await until404(start);
      } finally {
        h.t.app.get(ApiEnv).ACCESS_RECHECK_SECONDS = WINDOW_SECONDS;
      }
      const delivery = await db.query(
        `SELECT status FROM webhook_deliveries WHERE event = 'member' AND action = 'removed'`,
      );
      expect(delivery.rows).toEqual([{ status: 'processed' }]);
      expect(await accessRow(bobId)).toBeUndefined();
      await as(bob).post(`/repos/octocat/${privateName}/sync`).expect(404);
    });
  });
});
