import type { Commit, PullRequest, SyncRun, TrackedRepo } from '@trackeep/contracts';
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { splitFullName } from '../src/common/full-name.util';
import { fromPgJson } from '../src/common/pg-text.util';
import type { DB } from '../src/database/db.types';
import { ActivityRepository } from '../src/repos/data/activity.repository';
import { applyPush } from '../src/webhooks/processors/git-refs.applier';
import { cookie } from './support/cookies';
import { CSRF, SESSION_COOKIE, startAuthHarness, type AuthHarness } from './support/auth-harness';
import { allRunsSettled, NEVER, ownedRepos } from './sync-support/sync-app';
import { firstRow, must } from './sync-support/sync-harness';
import { pushPayload } from './webhooks-support';

// Text PostgreSQL cannot hold as-is: a lone UTF-16 surrogate and a NUL.
const ODD = 'fix \ud800 and \u0000 here';

describe('GitHub text PostgreSQL cannot hold as-is (lone surrogates, NUL)', () => {
  let h: AuthHarness;
  let session: string;
  let ds: DataSource;
  let fullName: string;
  const auth = () => cookie(SESSION_COOKIE, session);

  beforeAll(async () => {
    h = await startAuthHarness({ env: { SYNC_ENABLED: 'true', SYNC_CRON: NEVER } });
    ds = h.t.app.get(DataSource);
    session = (await h.signIn('octocat')).session;
    fullName = ownedRepos(h.sim, 'octocat', 1)[0]!;
    const [owner, repo] = splitFullName(fullName);
    [...h.sim.world.repos.values()].find((r) => h.sim.world.fullName(r) === fullName)!.description =
      `about ${ODD}`;
    await h.sim.world.pushCommits({
      owner,
      repo,
      commits: [
        { message: `${ODD}\n\nbody \udc00`, author: { name: `Ann\u0000e \ud83d`, email: 'ann@example.com' } },
      ],
    });
    await h.sim.world.pushCommits({
      owner,
      repo,
      branch: 'odd-text',
      commits: [{ message: 'a commit for the pull request' }],
    });
    await h.sim.world.openPull({ owner, repo, head: 'odd-text', title: `PR ${ODD}`, body: `body ${ODD}` });
  });
  afterAll(() => h.close());

  it('a repository whose commit message, author, pull request and description hold them syncs, and the API returns the original text', async () => {
    await h.http().post(`/api/v1/repos/${fullName}/track`).set('Cookie', auth()).set(CSRF).expect(201);
    await allRunsSettled(ds);
    const runs = (await h.http().get('/api/v1/sync/runs').set('Cookie', auth()).expect(200)).body
      .items as SyncRun[];
    expect(runs.map((r) => ({ status: r.status, error: r.error }))).toEqual([
      { status: 'succeeded', error: null },
    ]);

    const commits = (
      await h.http().get(`/api/v1/repos/${fullName}/commits`).set('Cookie', auth()).expect(200)
    ).body.items as Commit[];
    const odd = commits.find((c) => c.message.startsWith('fix '));
    expect(odd?.message).toBe(`${ODD}\n\nbody \udc00`);
    expect(odd?.author.name).toBe(`Ann\u0000e \ud83d`);
    const pulls = (
      await h
        .http()
        .get(`/api/v1/repos/${fullName}/pulls`)
        .set('Cookie', auth())
        .query({ state: 'all' })
        .expect(200)
    ).body.items as PullRequest[];
    expect(pulls.map((p) => p.title)).toContain(`PR ${ODD}`);
    const list = (await h.http().get(`/api/v1/repos`).set('Cookie', auth()).expect(200)).body
      .items as TrackedRepo[];
    expect(list.find((r) => r.fullName === fullName)?.description).toBe(`about ${ODD}`);
    // Stored escaped, not mangled: the raw column holds no NUL (PostgreSQL would refuse it) but the escape.
    const row = await firstRow<{ message: string }>(
      ds.query(`SELECT message FROM commits WHERE message LIKE 'fix %'`),
      'the commit with the odd message',
    );
    expect(row.message).toBe('fix \uffffd800 and \uffff0000 here\n\nbody \uffffdc00');
  });

  it('the push applier writes them losslessly: a webhook push carrying them reads back as sent', async () => {
    const { id, github_id: githubId } = await firstRow<{ id: string; github_id: number }>(
      ds.query(`SELECT id, github_id::int FROM repositories WHERE full_name = $1`, [fullName]),
      'the repository row',
    );
    const payload = pushPayload({ id, githubId, fullName }, { commits: 1 });
    const commit = must((payload['commits'] as Array<Record<string, unknown>>)[0], 'the pushed commit');
    commit['message'] = `webhook ${ODD}`;
    (commit['author'] as Record<string, unknown>)['name'] = `Bo\ud800b`;
    (payload as { head_commit: unknown })['head_commit'] = commit;
    // The applier as the processor runs it, in a transaction of its own, with the payload parsed from the raw body.
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: h.t.db.url, max: 1 }) }),
    });
    try {
      const delivery = {
        delivery_id: randomUUID(),
        event: 'push',
        action: null,
        hook_id: null,
        repo_id: id,
        repo_github_id: String(githubId),
        signed_with: 'global' as const,
        payload,
        received_at: new Date(),
        status: 'pending',
      };
      const outcome = await db.transaction().execute((tx) =>
        applyPush({
          tx,
          delivery,
          payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown>,
          repo: { id, fullName },
          // As the processor records it: through the write model, in the delivery's transaction.
          activity: async (a) =>
            (
              await ActivityRepository.insert(tx, id, [
                {
                  type: a.type,
                  actor: a.actor,
                  title: a.title,
                  url: a.url,
                  occurred_at: a.occurredAt,
                  data: a.data,
                  dedupe_key: a.dedupeKey,
                },
              ])
            ).length > 0,
        }),
      );
      expect(outcome).toEqual({ status: 'processed' });
    } finally {
      await db.destroy();
    }
    const commits = (
      await h.http().get(`/api/v1/repos/${fullName}/commits`).set('Cookie', auth()).expect(200)
    ).body.items as Commit[];
    const got = commits.find((c) => c.sha === commit['id']);
    expect(got?.message).toBe(`webhook ${ODD}`);
    expect(got?.author.name).toBe('Bo\ud800b');
    // The timeline entry's text is in stored form too (jsonb takes it); the activity feed decodes it.
    // The webhook's own entry (the first sync also wrote the pushes its history implies).
    const [entry] = (await ds.query(
      `SELECT data FROM activity_events WHERE repo_id = $1 AND type = 'push' AND dedupe_key = $2`,
      [id, `push:${String(payload['after'])}`],
    )) as Array<{
      data: Record<string, unknown>;
    }>;
    expect(JSON.stringify(entry?.data)).not.toMatch(/\\u0000|\\ud800/);
    expect(fromPgJson(entry?.data)?.['headMessage']).toBe(`webhook ${ODD}`);
  });
});
