import { sign } from '@octokit/webhooks-methods';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { DeliveryInboxService } from '../src/webhooks/delivery-inbox.service';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  GLOBAL_SECRET,
  pullRequestPayload,
  pushPayload,
  seedTrackedRepo,
  seedUser,
  startApi,
  waitForInboxIdle,
  type RunningApi,
} from './webhooks-support';

const TOTAL = 10_000;
const CONCURRENCY = 100;
const DUPLICATE_SHARE = 0.01;

interface Prepared {
  id: string;
  event: string;
  body: string;
  signature: string;
}

// A burst like a large organisation's CI: 10,000 deliveries, 100 in flight at any time, 1% of them GitHub
// redeliveries of an earlier id (some racing their original). Every delivery must be stored once, processed
// once, and none lost.
describe('a burst of 10,000 deliveries at concurrency 100 with 1% duplicates', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let db: Db;
  const results: Array<{ id: string; status: number; duplicate: boolean | null }> = [];
  let uniqueIds: Set<string>;
  let pushIds: Set<string>;
  let elapsedMs = 0;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    api = await startApi(database.url, { LOG_LEVEL: 'warn' });
    db = await Db.connect(database.url);
    const userId = await seedUser(db, api.app, { login: 'ci-bot' });
    const repos = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        seedTrackedRepo(db, api.app, userId, { githubId: 80_000 + n, fullName: `big-org/repo-${n}` }),
      ),
    );

    const originals: Prepared[] = [];
    const originalCount = Math.round(TOTAL * (1 - DUPLICATE_SHARE));
    for (let i = 0; i < originalCount; i++) {
      const repo = repos[i % repos.length]!;
      const isPush = i % 3 !== 0;
      const payload = isPush
        ? pushPayload(repo, { branch: `ci-${i % 17}`, commits: 1 + (i % 3) })
        : pullRequestPayload(repo, {
            number: 1 + (i % 500),
            action: 'synchronize',
            title: `PR ${i}`,
            updatedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000),
          });
      const body = JSON.stringify(payload);
      originals.push({
        id: randomUUID(),
        event: isPush ? 'push' : 'pull_request',
        body,
        signature: await sign(GLOBAL_SECRET, body),
      });
    }
    uniqueIds = new Set(originals.map((o) => o.id));
    pushIds = new Set(originals.filter((o) => o.event === 'push').map((o) => o.id));
    // Redeliveries: same id, same body, same signature; half land right next to their original.
    const queue = [...originals];
    for (let k = 0; k < TOTAL - originalCount; k++) {
      const at = Math.floor((k / (TOTAL - originalCount)) * originals.length);
      const copy = originals[at]!;
      queue.splice(k % 2 === 0 ? queue.indexOf(copy) + 1 : queue.length, 0, copy);
    }
    expect(queue).toHaveLength(TOTAL);

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const url = new URL(`${api.url}/api/v1/webhooks/github`);
    const post = (d: Prepared) =>
      new Promise<void>((resolve) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(d.body),
              'x-github-event': d.event,
              'x-github-delivery': d.id,
              'x-hub-signature-256': d.signature,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => {
              let duplicate: boolean | null = null;
              try {
                duplicate = (JSON.parse(text) as { duplicate?: boolean }).duplicate ?? null;
              } catch {
                // reported through the status
              }
              results.push({ id: d.id, status: res.statusCode ?? 0, duplicate });
              resolve();
            });
          },
        );
        req.on('error', () => {
          results.push({ id: d.id, status: 0, duplicate: null });
          resolve();
        });
        req.end(d.body);
      });

    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < queue.length) await post(queue[next++]!);
      }),
    );
    elapsedMs = performance.now() - started;
    agent.destroy();
    await waitForInboxIdle(db, 600_000); // generous: shared CI machines can be slow; correctness is what is asserted
  }, 900_000);

  afterAll(async () => {
    await db.end();
    await api.close();
    await database.drop();
  });

  it('answers every request 202 (none lost to an error)', () => {
    expect(results).toHaveLength(TOTAL);
    expect(results.filter((r) => r.status !== 202)).toEqual([]);
  });

  it('stores every delivery exactly once', async () => {
    const { n, distinct } = await db.one<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT delivery_id)::int AS distinct FROM webhook_deliveries',
    );
    expect(n).toBe(uniqueIds.size);
    expect(distinct).toBe(uniqueIds.size);
    const storedIds = new Set(
      (await db.rows<{ delivery_id: string }>('SELECT delivery_id FROM webhook_deliveries')).map(
        (r) => r.delivery_id,
      ),
    );
    expect([...uniqueIds].filter((id) => !storedIds.has(id))).toEqual([]);
  });

  it('reports exactly one of the copies of each delivery as new', () => {
    const firsts = new Map<string, number>();
    for (const r of results) if (r.duplicate === false) firsts.set(r.id, (firsts.get(r.id) ?? 0) + 1);
    expect(firsts.size).toBe(uniqueIds.size);
    expect([...firsts.values()].every((n) => n === 1)).toBe(true);
    expect(results.filter((r) => r.duplicate === true)).toHaveLength(TOTAL - uniqueIds.size);
  });

  it('processes every delivery exactly once', async () => {
    const rows = await db.rows<{ status: string; applied_count: number; n: number }>(
      'SELECT status, applied_count, count(*)::int AS n FROM webhook_deliveries GROUP BY 1, 2',
    );
    expect(rows).toEqual([{ status: 'processed', applied_count: 1, n: uniqueIds.size }]);
    // One timeline entry per push delivery (each pushed a new head), none twice.
    const pushes = await db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM activity_events WHERE type = 'push'`,
    );
    expect(pushes.n).toBe(pushIds.size);
  });

  it('writes concurrent deliveries in shared INSERTs (batching), and reports the figures', () => {
    const stats = api.app.get(DeliveryInboxService).stats;
    // Reported for the issue: how many commits the inbox needed for this burst.
    process.stdout.write(
      `burst: ${TOTAL} requests in ${(elapsedMs / 1000).toFixed(1)} s (${Math.round(TOTAL / (elapsedMs / 1000))}/s), ` +
        `${stats.batches} inbox INSERTs (mean ${(stats.rows / stats.batches).toFixed(1)} rows, max ${stats.maxBatch})\n`,
    );
    expect(stats.rows).toBe(TOTAL);
    expect(stats.batches).toBeLessThan(TOTAL / 4);
    expect(stats.maxBatch).toBeGreaterThan(10);
  });
});
