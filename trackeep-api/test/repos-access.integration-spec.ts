import { Client } from 'pg';
import { RepoAccessService } from '../src/repos/repo-access.service';
import { RepoTrackingEvents } from '../src/repos/repo-tracking.events';
import {
  CSRF,
  makeOctocatRepoPrivate,
  startAuthHarness,
  withSession,
  type AuthHarness,
} from './support/auth-harness';
import { seedBranches, seedCommits, seedPulls, seedSnapshots } from './support/seed-repo-data';

describe('tracked repositories and access control (GitHub simulator)', () => {
  let h: AuthHarness;
  let db: Client;
  let alice: string; // octocat: owns the private repo
  let bob: string; // hubot: no access to it
  let aliceId: string;
  let privateName: string;
  const tracked: Array<{ userId: string; fullName: string }> = [];
  const untracked: Array<{ userId: string; fullName: string }> = [];

  beforeAll(async () => {
    h = await startAuthHarness({ sim: { sizes: { reposPerOwner: 4, commitsPerRepo: 5 } } });
    db = new Client({ connectionString: h.t.db.url });
    await db.connect();
    const w = h.sim.world;
    const hubot = w.user('hubot')!;
    privateName = await makeOctocatRepoPrivate(h.sim);
    expect(w.permissionOf(w.repo('octocat', privateName)!, hubot.id)).toBeNull();
    h.t.app.get(RepoTrackingEvents).onTracked((e) => void tracked.push(e));
    h.t.app.get(RepoTrackingEvents).onUntracked((e) => void untracked.push(e));
    ({ session: alice } = await h.signIn('octocat'));
    ({ session: bob } = await h.signIn('hubot'));
    aliceId = (await h.http().get('/api/v1/auth/me').set('Cookie', withSession(alice))).body.id;
  });
  afterAll(async () => {
    await db.end();
    await h.close();
  });

  const as = (session: string) => ({
    get: (path: string) => h.http().get(`/api/v1${path}`).set('Cookie', withSession(session)),
    post: (path: string) => h.http().post(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
    del: (path: string) => h.http().delete(`/api/v1${path}`).set('Cookie', withSession(session)).set(CSRF),
  });

  describe('tracking', () => {
    it('tracks a repository the user can read (201), records their permission, and tells listeners once', async () => {
      const res = await as(alice).post('/repos/octocat/Hello-World/track').expect(201);
      expect(res.body).toMatchObject({
        owner: 'octocat',
        name: 'Hello-World',
        fullName: 'octocat/Hello-World',
        visibility: 'public',
        githubState: 'ok',
      });
      // Filled by the sync and webhook modules through RepoStatusRegistry; present from the first answer.
      expect(res.body).toHaveProperty('lastSyncAt');
      expect([null, 'queued', 'running', 'succeeded', 'failed', 'partial']).toContain(
        res.body.lastSyncStatus,
      );
      expect(['active', 'failing', 'not_admin', 'not_registered', 'disabled']).toContain(
        res.body.webhook.status,
      );
      expect(res.body.trackedAt).toMatch(/^\d{4}-/);
      const access = await db.query(
        'SELECT permission FROM repo_access WHERE user_id = $1 AND repo_id = $2',
        [aliceId, res.body.id],
      );
      expect(access.rows).toEqual([{ permission: 'admin' }]);
      await as(alice).post('/repos/octocat/Hello-World/track').expect(200); // idempotent
      expect(
        tracked.filter((e) => e.fullName === 'octocat/Hello-World' && e.userId === aliceId),
      ).toHaveLength(1);
    });

    it('answers 404 repo_not_found for a repository GitHub does not know', async () => {
      const res = await as(alice).post('/repos/octocat/does-not-exist/track').expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: expect.any(String),
        code: 'repo_not_found',
      });
    });

    it('shares one copy of a repository between users who track it', async () => {
      const a = await as(alice).post('/repos/octocat/Hello-World/track');
      const b = await as(bob).post('/repos/octocat/Hello-World/track').expect(201);
      expect(b.body.id).toBe(a.body.id);
      expect(
        (await db.query(`SELECT count(*) FROM repositories WHERE full_name = 'octocat/Hello-World'`)).rows[0]
          .count,
      ).toBe('1');
      const access = await db.query(
        'SELECT permission FROM repo_access a JOIN users u ON u.id = a.user_id WHERE a.repo_id = $1 ORDER BY u.login',
        [a.body.id],
      );
      const w = h.sim.world;
      const hubotOnGithub = w.permissionOf(w.repo('octocat', 'Hello-World')!, w.user('hubot')!.id);
      expect(access.rows.map((r) => r.permission)).toEqual([hubotOnGithub, 'admin']); // hubot, octocat
    });

    it('lists tracked repositories with their latest stats, and reads one by name (case-insensitive)', async () => {
      const list = await as(alice).get('/repos').expect(200);
      expect(list.body.items.map((r: { fullName: string }) => r.fullName)).toContain('octocat/Hello-World');
      const one = await as(alice).get('/repos/OCTOCAT/hello-world').expect(200);
      expect(one.body.fullName).toBe('octocat/Hello-World');
      expect(typeof one.body.stars).toBe('number');
    });

    it('untracks (204), tells listeners, and answers 404 when not tracked', async () => {
      await as(bob).del('/repos/octocat/Hello-World/track').expect(204);
      expect(untracked.some((e) => e.fullName === 'octocat/Hello-World')).toBe(true);
      await as(bob).del('/repos/octocat/Hello-World/track').expect(404);
      await as(bob).get('/repos/octocat/Hello-World').expect(404);
      // Alice is unaffected.
      await as(alice).get('/repos/octocat/Hello-World').expect(200);
    });

    it('requires the CSRF header to track or untrack', async () => {
      const res = await h
        .http()
        .post('/api/v1/repos/octocat/Hello-World/track')
        .set('Cookie', withSession(alice))
        .expect(403);
      expect(res.body.code).toBe('csrf_rejected');
      await h
        .http()
        .delete('/api/v1/repos/octocat/Hello-World/track')
        .set('Cookie', withSession(alice))
        .expect(403);
    });
  });

  describe("IDOR: Bob can never see or touch Alice's private repository", () => {
    let privateId: string;
    let aliceCursor: string;

    beforeAll(async () => {
      const res = await as(alice).post(`/repos/octocat/${privateName}/track`).expect(201);
      privateId = res.body.id;
      expect(res.body.visibility).toBe('private');
      await seedCommits(
        db,
        privateId,
        Array.from({ length: 5 }, (_, i) => ({
          sha: `p${i}`,
          message: `secret ${i}`,
          authorLogin: 'octocat',
          committedAt: `2024-01-0${i + 1}T00:00:00Z`,
        })),
      );
      await seedPulls(db, privateId, [
        {
          number: 1,
          state: 'open',
          author: 'octocat',
          createdAt: '2024-01-01T00:00:00Z',
          updatedAt: '2024-01-02T00:00:00Z',
        },
      ]);
      await seedBranches(db, privateId, ['main']);
      await seedSnapshots(db, privateId, [{ capturedAt: new Date().toISOString(), stars: 3 }]);
      const page = await as(alice).get(`/repos/octocat/${privateName}/commits?limit=2`).expect(200);
      aliceCursor = page.body.nextCursor;
      expect(aliceCursor).toBeTruthy();
    });

    it('cannot track it (GitHub answers 404 to Bob, so does Trackeep)', async () => {
      const res = await as(bob).post(`/repos/octocat/${privateName}/track`).expect(404);
      expect(res.body.code).toBe('repo_not_found');
      expect(
        (await db.query('SELECT count(*) FROM tracked_repos WHERE repo_id = $1', [privateId])).rows[0].count,
      ).toBe('1');
    });

    it.each([
      '',
      '/commits',
      '/pulls',
      '/branches',
      '/stats/history',
      '/commits?author=octocat',
      '/commits?q=secret',
      '/pulls?state=open',
    ])(
      'gets 404 repo_not_found for /repos/octocat/<private>%s, exactly as for a repo that does not exist',
      async (suffix) => {
        const res = await as(bob).get(`/repos/octocat/${privateName}${suffix}`).expect(404);
        const missing = await as(bob).get(`/repos/octocat/no-such-repo-xyz${suffix}`).expect(404);
        expect(res.body.code).toBe('repo_not_found');
        expect(Object.keys(res.body).sort()).toEqual(Object.keys(missing.body).sort());
        expect(JSON.stringify(res.body)).not.toContain('secret');
      },
    );

    it('cannot read it with case or encoding variations of the name', async () => {
      await as(bob).get(`/repos/OctoCat/${privateName.toUpperCase()}/commits`).expect(404);
      await as(bob)
        .get(`/repos/octocat/${encodeURIComponent(privateName)}/commits`)
        .expect(404);
    });

    it("cannot reach it with Alice's pagination cursor", async () => {
      await as(bob).get(`/repos/octocat/${privateName}/commits?cursor=${aliceCursor}`).expect(404);
      // On a repo Bob can read, the foreign cursor is refused rather than paging someone else's list.
      await as(bob).post('/repos/octocat/Hello-World/track');
      const res = await as(bob).get(`/repos/octocat/Hello-World/commits?cursor=${aliceCursor}`).expect(400);
      expect(res.body.message).toMatch(/cursor/);
    });

    it('cannot untrack it for Alice', async () => {
      await as(bob).del(`/repos/octocat/${privateName}/track`).expect(404);
      await as(alice).get(`/repos/octocat/${privateName}`).expect(200);
    });

    it('does not see it in any list', async () => {
      const mine = await as(bob).get('/repos').expect(200);
      expect(JSON.stringify(mine.body)).not.toContain(privateName);
      const github = await as(bob).get('/github/repos').expect(200);
      expect(JSON.stringify(github.body)).not.toContain(privateName);
    });

    it('filters are plain data: SQL in them finds nothing and breaks nothing', async () => {
      const count = async () =>
        (await db.query('SELECT count(*) FROM commits WHERE repo_id = $1', [privateId])).rows[0].count;
      const before = await count();
      for (const attack of [
        "' OR '1'='1",
        "x'); DROP TABLE commits; --",
        `%' OR repo_id = '${privateId}' --`,
      ]) {
        const res = await as(bob)
          .get('/repos/octocat/Hello-World/commits')
          .query({ author: attack, q: attack, branch: attack })
          .expect(200);
        expect(res.body).toEqual({ items: [], nextCursor: null });
      }
      expect(await count()).toBe(before);
    });

    it('Alice loses visibility at once when GitHub access is lost, and regains it when GitHub grants it again', async () => {
      const access = h.t.app.get(RepoAccessService);
      await access.revokeAccess(aliceId, privateId);
      await as(alice).get(`/repos/octocat/${privateName}/commits`).expect(404);
      expect(
        (await as(alice).get('/repos').expect(200)).body.items.map((r: { id: string }) => r.id),
      ).not.toContain(privateId);
      expect(await access.readableRepoIds(aliceId)).not.toContain(privateId);
      await access.recordAccess(aliceId, privateId, 'admin');
      await as(alice).get(`/repos/octocat/${privateName}/commits`).expect(200);
    });

    it('a collaborator who is removed on GitHub can no longer track the repo', async () => {
      await h.sim.world.grantAccess({
        owner: 'octocat',
        repo: privateName,
        login: 'hubot',
        permission: 'push',
      });
      await as(bob).post(`/repos/octocat/${privateName}/track`).expect(201);
      await as(bob).get(`/repos/octocat/${privateName}/commits`).expect(200);
      await h.sim.world.revokeAccess({ owner: 'octocat', repo: privateName, login: 'hubot' });
      await as(bob).post(`/repos/octocat/${privateName}/track`).expect(404);
    });
  });

  describe('input validation', () => {
    it.each([
      ['an owner with a space', '/repos/octo%20cat/Hello-World'],
      ['an owner starting with a dash', '/repos/-octocat/Hello-World'],
      ['a repo named ..', '/repos/octocat/..%2F..'],
      ['an overlong owner', `/repos/${'a'.repeat(40)}/x`],
    ])('answers 400 naming the field for %s', async (_label, path) => {
      const res = await as(alice).get(path).expect(400);
      expect(res.body.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.message)).toMatch(/owner|repo/);
    });
  });
});
