import { freePort } from '@trackeep/embedded-pg';
import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { Kysely } from 'kysely';
import { SessionService } from '../src/auth/session.service';
import type { DB } from '../src/database/db.types';
import { ActivityFeedRepository } from '../src/events/activity-feed.repository';
import { EventBus, type PublishedEvent } from '../src/events/event-bus.service';
import { EventStreamService } from '../src/events/event-stream.service';
import { RepoAccessService } from '../src/repos/repo-access.service';
import { ReposService } from '../src/repos/repos.service';
import { WebhookRegistrationService } from '../src/webhooks/webhook-registration.service';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  SseReader,
  httpRequest,
  postWebhook,
  pushPayload,
  seedTrackedRepo,
  seedUser,
  sessionCookie,
  startApi,
  waitFor,
  waitForInboxIdle,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

const STREAM = '/api/v1/events/stream';

describe('GET /api/v1/events/stream (SSE)', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let db: Db;
  let alice: string;
  let bob: string;
  let alicesRepo: SeededRepo;
  let bobsRepo: SeededRepo;
  const readers: SseReader[] = [];
  const open = async (userId: string, headers: Record<string, string> = {}, base = api) => {
    const reader = await SseReader.open(`${base.url}${STREAM}`, {
      cookie: await sessionCookie(base.app, userId),
      ...headers,
    });
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    api = await startApi(database.url, { SSE_HEARTBEAT_SECONDS: '1' });
    db = await Db.connect(database.url);
    alice = await seedUser(db, api.app, { login: 'alice' });
    bob = await seedUser(db, api.app, { login: 'bob' });
    alicesRepo = await seedTrackedRepo(db, api.app, alice, { githubId: 9101, fullName: 'alice/app' });
    bobsRepo = await seedTrackedRepo(db, api.app, bob, { githubId: 9102, fullName: 'bob/secret' });
    await api.app.get(EventBus).ready;
  });
  afterAll(async () => {
    for (const r of readers) r.close();
    await db.end();
    await api.close();
    await database.drop();
  });

  it('requires a session (401 without one)', async () => {
    const res = await httpRequest(`${api.url}${STREAM}`, {});
    expect(res.status).toBe(401);
  });

  it('streams text/event-stream and sends heartbeats', async () => {
    const reader = await open(alice);
    expect(reader.status).toBe(200);
    await waitFor(
      'two heartbeats',
      async () => reader.comments.filter((c) => c === 'keep-alive').length >= 2,
      5_000,
    );
    reader.close();
  });

  it('delivers a processed webhook to the users who can see the repo, and only to them', async () => {
    const aliceStream = await open(alice);
    const bobStream = await open(bob);
    const push = pushPayload(alicesRepo, { commits: 2 });
    await postWebhook(api.url, { event: 'push', payload: push });
    const [event] = await waitFor('alice to get the push', async () => {
      const got = aliceStream.activity().filter((a) => a.activity.type === 'push');
      return got.length ? got : null;
    });
    expect(event!.activity).toMatchObject({ repoId: alicesRepo.id, title: 'Pushed 2 commits to main' });
    expect(event!.id).toBe(event!.activity.id); // the SSE id is the activity id (for Last-Event-ID)

    // A push to bob's repo: bob sees it, alice never does.
    await postWebhook(api.url, { event: 'push', payload: pushPayload(bobsRepo, { commits: 1 }) });
    await waitFor('bob to get his push', async () =>
      bobStream.activity().some((a) => a.activity.repoId === bobsRepo.id),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(aliceStream.activity().every((a) => a.activity.repoId === alicesRepo.id)).toBe(true);
    expect(bobStream.activity().every((a) => a.activity.repoId === bobsRepo.id)).toBe(true);
    aliceStream.close();
    bobStream.close();
  });

  it('resumes from Last-Event-ID: a reconnecting client gets what it missed, once, in order', async () => {
    const first = await open(alice);
    await postWebhook(api.url, { event: 'push', payload: pushPayload(alicesRepo, { commits: 1 }) });
    const seen = await waitFor('the first push', async () => first.activity()[0]);
    first.close();

    const missed = [pushPayload(alicesRepo, { commits: 1 }), pushPayload(alicesRepo, { commits: 3 })];
    // One at a time: two workers may apply deliveries that wait together in either order.
    for (const payload of missed) {
      await postWebhook(api.url, { event: 'push', payload });
      await waitForInboxIdle(db);
    }
    await postWebhook(api.url, { event: 'push', payload: pushPayload(bobsRepo, { commits: 1 }) }); // not hers
    await waitForInboxIdle(db);

    const again = await open(alice, { 'last-event-id': seen.id! });
    const replayed = await waitFor('the two missed pushes', async () =>
      again.activity().length >= 2 ? again.activity() : null,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(again.activity().map((a) => a.activity.data)).toEqual([
      expect.objectContaining({ after: missed[0]!['after'] }),
      expect.objectContaining({ after: missed[1]!['after'] }),
    ]);
    expect(Number(replayed[0]!.id)).toBeGreaterThan(Number(seen.id));
  });

  it('writes activity committed while the Last-Event-ID backlog is read once, not from the backlog and live', async () => {
    const first = await open(alice);
    await postWebhook(api.url, { event: 'push', payload: pushPayload(alicesRepo, { commits: 1 }) });
    const seen = await waitFor('the first push', async () => first.activity()[0]);
    first.close();
    await waitForInboxIdle(db);

    const feed = api.app.get(ActivityFeedRepository);
    const read = feed.findAfter.bind(feed);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The backlog read waits until the next push is applied and heard live, then sees it too.
    const slow = jest.spyOn(feed, 'findAfter').mockImplementation(async (...args) => {
      await gate;
      return read(...args);
    });
    try {
      const again = await open(alice, { 'last-event-id': seen.id! });
      const during = pushPayload(alicesRepo, { commits: 2 });
      await postWebhook(api.url, { event: 'push', payload: during });
      await waitForInboxIdle(db);
      await new Promise((r) => setTimeout(r, 300)); // heard by the bus, held for the stream
      expect(slow).toHaveBeenCalled();
      release();
      const copies = () =>
        again.activity().filter((a) => (a.activity.data as { after?: string }).after === during['after']);
      await waitFor('the push', async () => copies().length > 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(copies()).toHaveLength(1);
    } finally {
      release();
      slow.mockRestore();
    }
  });

  it('ends the stream when its session ends (sign-out or revocation)', async () => {
    const cookie = await sessionCookie(api.app, alice);
    const reader = await SseReader.open(`${api.url}${STREAM}`, { cookie });
    readers.push(reader);
    const other = await open(alice); // another session of the same user stays open
    await waitFor(
      'both streams to be registered',
      async () => api.app.get(EventStreamService).openStreams >= 2,
    );
    const sessionId = (
      await db.one<{ id: string }>('SELECT id FROM sessions ORDER BY created_at DESC OFFSET 1 LIMIT 1')
    ).id;
    await db.rows('UPDATE sessions SET revoked_at = now() WHERE id = $1', [sessionId]);
    await api.app.get(EventStreamService).endStreamsOfEndedSessions();
    await waitFor('the revoked stream to end', async () => reader.ended, 5_000);
    expect(other.ended).toBe(false);
    other.close();
  });

  it('keeps a stream that opened while the session check was running', async () => {
    const sessions = api.app.get(SessionService);
    const ask = sessions.activeSessionIds.bind(sessions);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let asked = false;
    const spy = jest.spyOn(sessions, 'activeSessionIds').mockImplementation(async (ids) => {
      asked = true;
      const alive = await ask(ids);
      await held; // the answer is computed; the stream below opens before it arrives
      return alive;
    });
    try {
      const before = await open(alice);
      const check = api.app.get(EventStreamService).endStreamsOfEndedSessions();
      await waitFor('the check to ask about the sessions', async () => asked);
      const opened = api.app.get(EventStreamService).openStreams;
      const late = await open(alice); // a new session, not among those asked about
      await waitFor(
        'the late stream to be registered',
        async () => api.app.get(EventStreamService).openStreams > opened,
      );
      release();
      await check;
      await new Promise((r) => setTimeout(r, 200));
      expect(late.ended).toBe(false);
      expect(before.ended).toBe(false);
      before.close();
      late.close();
    } finally {
      release();
      spy.mockRestore();
    }
  });

  it('rejects a Last-Event-ID that is not one it sent (400)', async () => {
    const res = await httpRequest(`${api.url}${STREAM}`, {
      headers: { cookie: await sessionCookie(api.app, alice), 'last-event-id': '1; DROP TABLE users' },
    });
    expect(res.status).toBe(400);
  });

  it('carries other live events published through the EventBus, small (inline NOTIFY) and large (outbox)', async () => {
    const reader = await open(alice);
    const bus = api.app.get(EventBus);
    const db = api.app.get<Kysely<DB>>(Kysely);
    const publish = (event: PublishedEvent) => bus.publish(db, { events: [event] });
    await publish({
      type: 'sync_progress',
      repoId: alicesRepo.id,
      repoFullName: alicesRepo.fullName,
      runId: 'r1',
      progress: 40,
      status: 'running',
    });
    const big = 'x'.repeat(20_000);
    await publish({
      type: 'repo_changed',
      repoId: alicesRepo.id,
      repo: { id: alicesRepo.id, fullName: alicesRepo.fullName, description: big } as never,
    });
    await publish({
      type: 'sync_progress',
      repoId: bobsRepo.id,
      repoFullName: bobsRepo.fullName,
      runId: 'r2',
      progress: 10,
      status: 'running',
    });
    await waitFor(
      'both events',
      async () => reader.messages.filter((m) => m.event !== 'activity').length >= 2,
    );
    await new Promise((r) => setTimeout(r, 300));
    const events = reader.messages.filter((m) => m.event !== 'activity');
    expect(events.map((m) => m.event)).toEqual(['sync_progress', 'repo_changed']);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ type: 'sync_progress', runId: 'r1', progress: 40 });
    expect((JSON.parse(events[1]!.data) as { repo: { description: string } }).repo.description).toHaveLength(
      20_000,
    );
  });

  it('sends repo_changed with the repository as each user sees it when a webhook changes its counters', async () => {
    const aliceStream = await open(alice);
    const bobStream = await open(bob);
    const at = new Date().toISOString();
    const star = {
      action: 'created',
      starred_at: at,
      repository: {
        id: alicesRepo.githubId,
        full_name: alicesRepo.fullName,
        stargazers_count: 42,
        forks_count: 3,
        watchers_count: 42,
        open_issues_count: 5,
        updated_at: at,
      },
      sender: { login: 'hubot' },
    };
    // Two stars close together: one message per repository, with the latest counters.
    await postWebhook(api.url, { event: 'star', payload: star });
    await postWebhook(api.url, {
      event: 'star',
      // A newer state of the repository (later updated_at), so it wins whichever worker applies it first.
      payload: {
        ...star,
        repository: {
          ...star.repository,
          stargazers_count: 43,
          watchers_count: 43,
          updated_at: new Date(Date.parse(at) + 1000).toISOString(),
        },
      },
    });
    const changed = () =>
      aliceStream.messages
        .filter((m) => m.event === 'repo_changed')
        .map((m) => JSON.parse(m.data) as { type: string; repo: Record<string, unknown> });
    await waitFor('alice to get repo_changed with 43 stars', async () =>
      changed().some((e) => e.repo['stars'] === 43),
    );
    const last = changed().at(-1)!;
    expect(last.repo).toMatchObject({
      id: alicesRepo.id,
      fullName: alicesRepo.fullName,
      stars: 43,
      forks: 3,
      openIssues: 5,
      trackedAt: expect.any(String),
    });
    expect(last.repo['webhook']).toEqual(expect.objectContaining({ status: expect.any(String) }));
    expect(changed().length).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(bobStream.messages.filter((m) => m.event === 'repo_changed')).toEqual([]);
  });

  it('reads a changed repository once for all its viewers, each still getting their own list entry', async () => {
    const carol = await seedUser(db, api.app, { login: 'carol' });
    await seedTrackedRepo(db, api.app, carol, {
      githubId: alicesRepo.githubId,
      fullName: alicesRepo.fullName,
    });
    const trackedAt = new Date('2026-01-02T03:04:05.000Z');
    await db.rows('UPDATE tracked_repos SET tracked_at = $1 WHERE user_id = $2', [trackedAt, carol]);
    const aliceStream = await open(alice);
    const carolStream = await open(carol);
    const bobStream = await open(bob);
    const changed = (s: SseReader) =>
      s.messages
        .filter((m) => m.event === 'repo_changed')
        .map((m) => (JSON.parse(m.data) as { repo: { id: string; trackedAt: string } }).repo);
    const announce = () =>
      api.app.get(EventBus).publish(api.app.get<Kysely<DB>>(Kysely), { reposChanged: [alicesRepo.id] });
    // A stream reads its user's access as it opens; the first change is delivered once both are read.
    await announce();
    await waitFor('both streams to be live', async () =>
      [aliceStream, carolStream].every((s) => changed(s).length > 0),
    );
    const repos = api.app.get(ReposService);
    const shared = jest.spyOn(repos, 'findTrackedForUsers');
    const single = jest.spyOn(repos, 'findTracked');
    try {
      await announce();
      await waitFor('alice and carol to get the second repo_changed', async () =>
        [aliceStream, carolStream].every((s) => changed(s).length > 1),
      );
      expect(changed(carolStream)[1]).toMatchObject({
        id: alicesRepo.id,
        trackedAt: trackedAt.toISOString(),
      });
      expect(changed(aliceStream)[1]!.trackedAt).not.toBe(trackedAt.toISOString());
      expect(shared).toHaveBeenCalledTimes(1);
      expect(single).not.toHaveBeenCalled();
      await new Promise((r) => setTimeout(r, 300));
      expect(changed(bobStream)).toEqual([]);
    } finally {
      shared.mockRestore();
      single.mockRestore();
    }
  });

  it('reads what the open streams may see in one statement for all their users, and applies what it read', async () => {
    const dave = await seedUser(db, api.app, { login: 'dave' });
    const erin = await seedUser(db, api.app, { login: 'erin' });
    const daveStream = await open(dave);
    const erinStream = await open(erin);
    const access = api.app.get(RepoAccessService);
    const streams = api.app.get(EventStreamService);
    const together = jest.spyOn(access, 'lastKnownReadableRepoIdsOfUsers');
    const alone = jest.spyOn(access, 'readableRepoIds');
    const progress = (repo: SeededRepo, runId: string) =>
      api.app.get(EventBus).publish(api.app.get<Kysely<DB>>(Kysely), {
        events: [
          {
            type: 'sync_progress',
            repoId: repo.id,
            repoFullName: repo.fullName,
            runId,
            progress: 1,
            status: 'running',
          },
        ],
      });
    const runs = (s: SseReader) =>
      s.messages
        .filter((m) => m.event === 'sync_progress')
        .map((m) => (JSON.parse(m.data) as { runId: string }).runId);
    const readsWith = (from: number, ...users: string[]) =>
      together.mock.calls.slice(from).filter(([ids]) => users.every((u) => ids.includes(u)));
    try {
      // Both start tracking a repository after their streams opened: its first event reads their access together.
      const shared = await seedTrackedRepo(db, api.app, dave, { githubId: 9103, fullName: 'org/shared' });
      await seedTrackedRepo(db, api.app, erin, { githubId: 9103, fullName: 'org/shared' });
      await new Promise((r) => setTimeout(r, 1_100)); // a miss re-reads access at most once a second
      const before = together.mock.calls.length;
      await progress(shared, 'new-repo');
      await waitFor('both streams to carry the new repository', async () =>
        [daveStream, erinStream].every((s) => runs(s).includes('new-repo')),
      );
      expect(readsWith(before, dave, erin).length).toBeGreaterThan(0);
      // Each stream re-checked its user alone once, as it opened (the new repository's event waited for that).
      const checkedAlone = alone.mock.calls.length;

      // Access taken away in the database (a webhook, another replica's check): the replica-wide re-read applies it.
      await db.rows('DELETE FROM repo_access WHERE user_id = $1 AND repo_id = $2', [erin, shared.id]);
      const revokedAt = together.mock.calls.length;
      await streams.refreshAllAccess();
      await waitFor('a re-read of every stream that started after the change', async () =>
        readsWith(revokedAt, dave, erin).length > 0 ? true : (await streams.refreshAllAccess(), false),
      );
      await Promise.all(together.mock.results.slice(revokedAt).map((r) => r.value as Promise<unknown>));
      await new Promise((r) => setTimeout(r, 50));
      await progress(shared, 'after-revoke');
      await waitFor('dave to get the next event', async () => runs(daveStream).includes('after-revoke'));
      await new Promise((r) => setTimeout(r, 300));
      expect(runs(erinStream)).not.toContain('after-revoke');
      // Nobody had an answer due to be asked of GitHub again: no one was read alone since.
      expect(alone.mock.calls.slice(checkedAlone)).toEqual([]);
    } finally {
      together.mockRestore();
      alone.mockRestore();
    }
  });

  it("keeps a user's events in order while an earlier one waits for a read of their access", async () => {
    const frank = await seedUser(db, api.app, { login: 'frank' });
    const known = await seedTrackedRepo(db, api.app, frank, { githubId: 9104, fullName: 'frank/known' });
    const stream = await open(frank);
    const access = api.app.get(RepoAccessService);
    const read = access.lastKnownReadableRepoIdsOfUsers.bind(access);
    // A slow database answer: the event behind it must not overtake it.
    const slow = jest
      .spyOn(access, 'lastKnownReadableRepoIdsOfUsers')
      .mockImplementation(async (ids) => (await new Promise((r) => setTimeout(r, 300)), read(ids)));
    const progress = (repo: SeededRepo, runId: string) => ({
      type: 'sync_progress' as const,
      repoId: repo.id,
      repoFullName: repo.fullName,
      runId,
      progress: 1,
      status: 'running' as const,
    });
    try {
      await waitFor('the stream to know its repository', async () => {
        await api.app
          .get(EventBus)
          .publish(api.app.get<Kysely<DB>>(Kysely), { events: [progress(known, 'warm')] });
        await new Promise((r) => setTimeout(r, 100));
        return stream.messages.some((m) => m.data.includes('"warm"'));
      });
      const added = await seedTrackedRepo(db, api.app, frank, { githubId: 9105, fullName: 'frank/added' });
      await new Promise((r) => setTimeout(r, 1_100)); // a miss re-reads access at most once a second
      const before = slow.mock.calls.length;
      await api.app.get(EventBus).publish(api.app.get<Kysely<DB>>(Kysely), {
        events: [progress(added, 'first'), progress(known, 'second')],
      });
      await waitFor(
        'both events',
        async () =>
          stream.messages.some((m) => m.data.includes('"second"')) &&
          stream.messages.some((m) => m.data.includes('"first"')),
      );
      expect(slow.mock.calls.length).toBeGreaterThan(before);
      const runs = stream.messages
        .filter((m) => m.event === 'sync_progress')
        .map((m) => (JSON.parse(m.data) as { runId: string }).runId)
        .filter((r) => r !== 'warm');
      expect(runs).toEqual(['first', 'second']);
    } finally {
      slow.mockRestore();
    }
  });
});

describe('live events across replicas', () => {
  let database: TestDatabase;
  let sim: GithubSimHandle;
  let a: RunningApi;
  let b: RunningApi;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    sim = await startGithubSim({ preset: 'small', seed: 7 });
    const port = await freePort();
    const github = {
      GITHUB_WEB_URL: sim.url,
      GITHUB_API_URL: sim.apiUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    // A receives GitHub's webhooks and processes them; B only serves browsers.
    a = await startApi(database.url, { ...github }, port);
    b = await startApi(database.url, { ...github, WEBHOOK_WORKERS: '0' });
    db = await Db.connect(database.url);
  });
  afterAll(async () => {
    await db.end();
    await b.close();
    await a.close();
    await sim.stop();
    await database.drop();
  });

  it('a push in the GitHub simulator reaches an SSE client connected to the other replica', async () => {
    const simRepo = [...sim.world.repos.values()].find(
      (r) => !r.deleted && !r.fork && sim.world.ownerLogin(r) === 'octocat',
    )!;
    const fullName = sim.world.fullName(simRepo);
    const octocat = await seedUser(db, a.app, {
      login: 'octocat',
      githubId: sim.world.user('octocat')!.id,
      token: sim.issueToken('octocat'),
    });
    const repo = await seedTrackedRepo(db, a.app, octocat, {
      githubId: simRepo.id,
      fullName,
      permission: 'admin',
    });

    // Trackeep creates the hook on the repo (URL from PUBLIC_URL, per-repo secret) and checks it with a ping.
    await a.app.get(WebhookRegistrationService).register(repo.id, octocat);
    await waitFor(
      'the hook to be confirmed by a ping',
      async () =>
        (
          await db.one<{ status: string }>('SELECT status FROM webhook_registrations WHERE repo_id = $1', [
            repo.id,
          ])
        ).status === 'active',
    );
    const hooks = simRepo.hooks.map((h) => ({
      url: h.config.url,
      events: h.events,
      contentType: h.config.content_type,
    }));
    expect(hooks).toEqual([
      {
        url: `${a.url}/api/v1/webhooks/github`,
        events: expect.arrayContaining(['push', 'pull_request', 'star']),
        contentType: 'json',
      },
    ]);

    await b.app.get(EventBus).ready;
    const stream = await SseReader.open(`${b.url}${STREAM}`, { cookie: await sessionCookie(b.app, octocat) });
    const pushedAt = Date.now();
    const res = await httpRequest(`${sim.url}/_sim/repos/${fullName}/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ commits: 2 }),
    });
    expect(res.status).toBe(200);

    const [event] = await waitFor(
      'the push on replica B',
      async () => {
        const got = stream.activity().filter((x) => x.activity.type === 'push');
        return got.length ? got : null;
      },
      10_000,
    );
    stream.close();
    expect(event!.activity).toMatchObject({
      repoId: repo.id,
      title: expect.stringMatching(/^Pushed 2 commits to /),
    });
    expect(stream.messages[0]!.receivedAt - pushedAt).toBeLessThan(5_000);
    // The delivery was signed with the hook's own secret and processed on A.
    expect(await db.rows(`SELECT signed_with, status FROM webhook_deliveries WHERE event = 'push'`)).toEqual([
      { signed_with: 'hook', status: 'processed' },
    ]);
  });

  it('removes the hook when the last user stops tracking the repo, and keeps it while someone still tracks it', async () => {
    const [row] = await db.rows<{ repo_id: string; hook_id: string }>(
      `SELECT repo_id, hook_id FROM webhook_registrations`,
    );
    const simRepo = sim.world.repos.get(
      Number(
        (
          await db.one<{ github_id: string }>('SELECT github_id FROM repositories WHERE id = $1', [
            row!.repo_id,
          ])
        ).github_id,
      ),
    )!;
    const registration = a.app.get(WebhookRegistrationService);

    const other = await seedUser(db, a.app, { login: 'hubot' });
    await db.rows('INSERT INTO tracked_repos (user_id, repo_id) VALUES ($1, $2)', [other, row!.repo_id]);
    await db.rows(`DELETE FROM tracked_repos WHERE repo_id = $1 AND user_id <> $2`, [row!.repo_id, other]);
    await registration.unregister(row!.repo_id);
    expect(simRepo.hooks).toHaveLength(1);

    await db.rows(`DELETE FROM tracked_repos WHERE repo_id = $1`, [row!.repo_id]);
    await registration.unregister(row!.repo_id);
    expect(simRepo.hooks).toHaveLength(0);
    expect(
      await db.one('SELECT status FROM webhook_registrations WHERE repo_id = $1', [row!.repo_id]),
    ).toEqual({ status: 'disabled' });
  });

  it('without admin permission the repo is polled only, and its webhook health says so', async () => {
    const simRepo = [...sim.world.repos.values()].find(
      (r) => !r.deleted && sim.world.ownerLogin(r) !== 'octocat',
    )!;
    const user = await seedUser(db, a.app, { login: 'monalisa', token: sim.issueToken('monalisa') });
    const repo = await seedTrackedRepo(db, a.app, user, {
      githubId: simRepo.id,
      fullName: sim.world.fullName(simRepo),
      permission: 'pull',
    });
    const registration = a.app.get(WebhookRegistrationService);
    await registration.register(repo.id, user);
    expect(simRepo.hooks).toHaveLength(0);
    expect((await registration.health([repo.id])).get(repo.id)).toMatchObject({
      status: 'not_admin',
      lastError: expect.stringMatching(/polled only/),
    });
  });
});
