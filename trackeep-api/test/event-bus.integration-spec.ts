import type { LiveEvent } from '@trackeep/contracts';
import { Kysely, type Transaction } from 'kysely';
import { Client } from 'pg';
import { splitFullName } from '../src/common/full-name.util';
import type { DB } from '../src/database/db.types';
import {
  EventBus,
  type LiveActivity,
  type LiveEnvelope,
  type PublishedEvent,
} from '../src/events/event-bus.service';
import { createTestApp, type TestApp } from './support/test-app';
import { waitFor } from './webhooks-support';

/** Postgres refuses NOTIFY payloads of 8000 bytes or more. */
const NOTIFY_LIMIT_BYTES = 8000;

describe(EventBus.name, () => {
  let t: TestApp;
  let sut: EventBus;
  let db: Kysely<DB>;
  let raw: Client;
  let repoA: string;
  let repoB: string;
  const heard: LiveEnvelope[] = [];
  const changed: string[] = [];
  /** Every NOTIFY payload on the live channel, as a second listener sees them. */
  const payloads: string[] = [];

  const insertRepo = async (githubId: number, fullName: string) => {
    const [owner, name] = splitFullName(fullName);
    const { id } = await db
      .insertInto('repositories')
      .values({
        github_host: 'github.com',
        github_id: githubId,
        node_id: `R_${githubId}`,
        owner,
        name,
        full_name: fullName,
        html_url: `https://github.com/${fullName}`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  };
  const writeActivity = async (tx: Transaction<DB>, repoId: string, count: number, tag: string) => {
    const rows = await tx
      .insertInto('activity_events')
      .values(
        Array.from({ length: count }, (_, i) => ({
          repo_id: repoId,
          type: 'push',
          title: `${tag} ${i}`,
          occurred_at: new Date(),
          dedupe_key: `${tag}:${i}`,
        })),
      )
      .returning('id')
      .execute();
    return rows.map((r): LiveActivity => ({ repoId, id: String(r.id) }));
  };
  const progress = (repoId: string, runId: string): PublishedEvent => ({
    type: 'sync_progress',
    repoId,
    repoFullName: 'acme/a',
    runId,
    progress: 50,
    status: 'running',
  });
  const oversized = (repoId: string, description: string): PublishedEvent => ({
    type: 'repo_changed',
    repoId,
    repo: { id: repoId, fullName: 'acme/a', description } as never,
  });
  const runIdOf = (event: LiveEvent) => (event.type === 'sync_progress' ? event.runId : null);
  const activityIdsHeard = () =>
    heard.flatMap((e) => (e.event.type === 'activity' ? [e.event.activity.id] : []));

  beforeAll(async () => {
    t = await createTestApp();
    sut = t.app.get(EventBus);
    db = t.app.get(Kysely);
    await sut.ready;
    sut.subscribe((e) => heard.push(e));
    sut.subscribeRepoChanges((id) => changed.push(id));
    repoA = await insertRepo(7001, 'acme/a');
    repoB = await insertRepo(7002, 'acme/b');
    raw = new Client({ connectionString: t.db.url });
    await raw.connect();
    raw.on('notification', (msg) => payloads.push(msg.payload ?? ''));
    await raw.query('LISTEN trackeep_live');
  });
  afterAll(async () => {
    await raw.end();
    await t.close();
  });
  beforeEach(() => {
    heard.length = 0;
    changed.length = 0;
    payloads.length = 0;
  });

  it('publishes nothing, not even the outbox row, when the transaction that wrote the rows rolls back', async () => {
    await expect(
      db.transaction().execute(async (tx) => {
        const activity = await writeActivity(tx, repoA, 3, 'rolled-back');
        await sut.publish(tx, {
          activity,
          events: [progress(repoA, 'rolled-back'), oversized(repoA, 'y'.repeat(20_000))],
          reposChanged: [repoA],
        });
        throw new Error('the writer failed');
      }),
    ).rejects.toThrow('the writer failed');

    // Notifications arrive in commit order: once a later one is heard, an earlier one would have been too.
    await sut.publish(db, { events: [progress(repoA, 'marker')] });
    // The bus and the raw listener are separate connections: wait until both have heard the marker.
    await waitFor(
      'the marker',
      async () =>
        heard.some((e) => runIdOf(e.event) === 'marker') && payloads.some((p) => p.includes('marker')),
    );
    expect(payloads).toHaveLength(1);
    expect(heard.map((e) => runIdOf(e.event))).toEqual(['marker']);
    expect(changed).toEqual([]);
    const outbox = await db.selectFrom('live_event_outbox').select('id').execute();
    expect(outbox).toEqual([]);
  });

  it('delivers a committed batch complete and in order, packing many activity ids into each NOTIFY', async () => {
    const description = 'x'.repeat(20_000);
    const written = await db.transaction().execute(async (tx) => {
      const activity = [
        ...(await writeActivity(tx, repoA, 700, 'batch-a')),
        ...(await writeActivity(tx, repoB, 300, 'batch-b')),
        ...(await writeActivity(tx, repoA, 500, 'batch-a2')),
      ];
      await sut.publish(tx, {
        activity,
        events: [progress(repoA, 'r1'), oversized(repoB, description)],
        reposChanged: [repoA, repoB, repoA],
      });
      return activity;
    });

    await waitFor('every activity row', async () => activityIdsHeard().length >= written.length);
    await waitFor('the outbox event', async () => heard.some((e) => e.event.type === 'repo_changed'));
    expect(activityIdsHeard()).toEqual(written.map((a) => a.id));
    for (const e of heard.filter((h) => h.event.type === 'activity'))
      expect(e.repoId).toBe(
        written.find((a) => e.event.type === 'activity' && a.id === e.event.activity.id)?.repoId,
      );
    expect(
      heard.filter((e) => e.event.type === 'sync_progress').map((e) => [e.repoId, runIdOf(e.event)]),
    ).toEqual([[repoA, 'r1']]);
    const big = heard.find((e) => e.event.type === 'repo_changed');
    expect(big?.repoId).toBe(repoB);
    expect(big?.event.type === 'repo_changed' && big.event.repo.description).toBe(description);
    expect([...changed].sort()).toEqual([repoA, repoB].sort());

    // 1,500 ids and two events: a handful of NOTIFYs, each within Postgres's limit.
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads.length).toBeLessThanOrEqual(5);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(NOTIFY_LIMIT_BYTES);
  });

  it('delivers an activity id once however often it is announced (a catch-up racing live notices)', async () => {
    const announce = (tag: string, count: number) =>
      db.transaction().execute(async (tx) => {
        const activity = await writeActivity(tx, repoA, count, tag);
        await sut.publish(tx, { activity });
        return activity;
      });
    const written = await announce('twice', 3);
    await waitFor('the first announcement', async () => activityIdsHeard().length >= written.length);
    await sut.publish(db, { activity: [...written, ...written] });
    // Activity is loaded and delivered in the order it was heard: once the marker is here, so are any repeats.
    const [marker] = await announce('marker', 1);
    await waitFor('the marker', async () => activityIdsHeard().includes(marker!.id));
    expect(activityIdsHeard()).toEqual([...written, marker!].map((a) => a.id));
  });

  it('understands a replica of the previous release during a rolling deploy (one notice per NOTIFY)', async () => {
    const [row] = await db.transaction().execute((tx) => writeActivity(tx, repoB, 1, 'previous-release'));
    const old = [
      { k: 'a', r: repoB, id: row?.id },
      { k: 'e', r: repoA, e: progress(repoA, 'old-inline') },
      { k: 'r', r: repoB },
    ];
    for (const notice of old)
      await raw.query('SELECT pg_notify($1, $2)', ['trackeep_live', JSON.stringify(notice)]);

    await waitFor('all three old notices', async () => activityIdsHeard().length > 0 && changed.length > 0);
    expect(activityIdsHeard()).toEqual([row?.id]);
    expect(heard.map((e) => runIdOf(e.event))).toContain('old-inline');
    expect(changed).toEqual([repoB]);
  });
});
