import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  postWebhook,
  seedHook,
  seedTrackedRepo,
  seedUser,
  startApi,
  waitForInboxIdle,
  type RunningApi,
} from './webhooks-support';

// Every example payload GitHub's community collected (@octokit/webhooks-examples, all event types), signed and
// posted like GitHub would: all answered 2xx, all stored, none failed; the events Trackeep uses change the
// repository tables as the payloads say, every other event is kept as ignored.
const EXAMPLES = require('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

const HELLO_WORLD = 186853002; // Codertocat/Hello-World, the repo most examples are about
const OCTOCODERS = 186853261; // has a repository hook (id 109948940) in the ping examples

describe('every @octokit/webhooks-examples payload', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let db: Db;
  const responses: Array<{ event: string; status: number; id: string }> = [];

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    api = await startApi(database.url);
    db = await Db.connect(database.url);
    const userId = await seedUser(db, api.app, { login: 'Codertocat' });
    // Track every repository the examples mention, so each applies.
    const repos = new Map<number, string>();
    for (const group of EXAMPLES) {
      for (const ex of group.examples) {
        const r = ex['repository'] as { id: number; full_name: string } | undefined;
        if (r) repos.set(r.id, r.full_name);
      }
    }
    const seeded = new Map<number, string>();
    for (const [githubId, fullName] of repos)
      seeded.set(githubId, (await seedTrackedRepo(db, api.app, userId, { githubId, fullName })).id);
    await seedHook(db, api.app, seeded.get(OCTOCODERS)!, 109948940, 'octocoders-hook-secret-1234');

    // GitHub delivers concurrently; so do we (8 at a time).
    const queue = EXAMPLES.flatMap((group) =>
      group.examples.map((payload) => ({ event: group.name, payload })),
    );
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const id = randomUUID();
          const res = await postWebhook(api.url, { ...next, id });
          responses.push({ event: next.event, status: res.status, id });
        }
      }),
    );
    await waitForInboxIdle(db, 60_000);
  }, 120_000);

  afterAll(async () => {
    await db.end();
    await api.close();
    await database.drop();
  });

  it('covers all the event types of the package', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(58);
    expect(new Set(responses.map((r) => r.event)).size).toBe(EXAMPLES.length);
    expect(responses.length).toBe(EXAMPLES.reduce((n, g) => n + g.examples.length, 0));
  });

  it('answers every delivery 2xx (none 4xx, none 5xx)', () => {
    const bad = responses.filter((r) => r.status < 200 || r.status > 299);
    expect(bad).toEqual([]);
  });

  it('stores each delivery once, and processes or ignores each — none failed or left pending', async () => {
    const rows = await db.rows<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status',
    );
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    expect((byStatus['processed'] ?? 0) + (byStatus['ignored'] ?? 0)).toBe(responses.length);
    expect(byStatus['failed']).toBeUndefined();
    expect(await db.rows(`SELECT delivery_id FROM webhook_deliveries WHERE applied_count > 1`)).toEqual([]);
  });

  it('keeps event types Trackeep does not use as ignored, with the reason', async () => {
    const rows = await db.rows<{ event: string; status: string; ignored_reason: string }>(
      `SELECT DISTINCT event, status, ignored_reason FROM webhook_deliveries WHERE event IN ('label', 'workflow_job', 'security_advisory', 'discussion')`,
    );
    expect(rows).toHaveLength(4);
    for (const row of rows)
      expect(row).toMatchObject({
        status: 'ignored',
        ignored_reason: `event "${row.event}" is not used by Trackeep`,
      });
    const installs = await db.rows<{ ignored_reason: string }>(
      `SELECT DISTINCT ignored_reason FROM webhook_deliveries WHERE event LIKE 'installation%'`,
    );
    // Without GitHub App mode (GITHUB_APP_ID), installation events are kept but change nothing.
    expect(installs).toEqual([{ ignored_reason: 'GitHub App mode is not configured' }]);
  });

  it('push: stores the commits, moves the branch head and records one timeline entry per head', async () => {
    const commits = await db.rows<{ sha: string; author_login: string }>(
      `SELECT c.sha, c.author_login FROM commits c JOIN repositories r ON r.id = c.repo_id WHERE r.github_id = $1`,
      [HELLO_WORLD],
    );
    expect(commits.length).toBeGreaterThanOrEqual(1);
    const branch = await db.one<{ head_sha: string }>(
      `SELECT b.head_sha FROM branches b JOIN repositories r ON r.id = b.repo_id WHERE r.github_id = $1 AND b.name = 'master'`,
      [HELLO_WORLD],
    );
    expect(commits.map((c) => c.sha)).toContain(branch.head_sha);
    const pushes = await db.rows(`SELECT dedupe_key FROM activity_events WHERE type = 'push'`);
    expect(pushes).toEqual([{ dedupe_key: `push:${branch.head_sha}` }]);
    // Tag pushes are applied too: the tag was pushed on the commit, and its deleting pushes (in the same second)
    // win over it whatever order they came in.
    expect(await db.rows(`SELECT DISTINCT status FROM webhook_deliveries WHERE event = 'push'`)).toEqual([
      { status: 'processed' },
    ]);
    expect(
      await db.rows(
        `SELECT t.name, t.deleted_at IS NOT NULL AS deleted FROM tags t JOIN repositories r ON r.id = t.repo_id
          WHERE r.github_id = $1`,
        [HELLO_WORLD],
      ),
    ).toEqual([{ name: 'simple-tag', deleted: true }]);
  });

  it('pull_request: the PR row holds the newest state among all 29 out-of-order deliveries', async () => {
    const pr = await db.one<{ updated_at: Date; title: string; base_ref: string }>(
      `SELECT p.updated_at, p.title, p.base_ref FROM pull_requests p JOIN repositories r ON r.id = p.repo_id WHERE r.github_id = $1 AND p.number = 2`,
      [HELLO_WORLD],
    );
    const newest = EXAMPLES.find((g) => g.name === 'pull_request')!
      .examples.map((e) => (e['pull_request'] as { updated_at: string }).updated_at)
      .sort()
      .pop()!;
    expect(pr.updated_at.toISOString()).toBe(new Date(newest).toISOString());
    expect(await db.rows(`SELECT type FROM activity_events WHERE dedupe_key = 'pr_opened:2'`)).toEqual([
      { type: 'pr_opened' },
    ]);
  });

  it('pull_request_review: the same review delivered three times is counted once', async () => {
    const pr = await db.one<{ review_count: number; first_review_at: Date | null }>(
      `SELECT p.review_count, p.first_review_at FROM pull_requests p JOIN repositories r ON r.id = p.repo_id WHERE r.github_id = $1 AND p.number = 2`,
      [HELLO_WORLD],
    );
    expect(pr.review_count).toBe(1);
    expect(pr.first_review_at).not.toBeNull();
    expect(await db.rows(`SELECT 1 FROM activity_events WHERE type = 'pr_review'`)).toHaveLength(1);
  });

  it('star, watch, fork, issues, repository: counters and visibility follow the newest repository state', async () => {
    const repo = await db.one<{ stars: number; visibility: string; github_updated_at: Date }>(
      'SELECT stars, visibility, github_updated_at FROM repositories WHERE github_id = $1',
      [HELLO_WORLD],
    );
    // Newest payload about this repo is "publicized" at 15:21:03 (after "privatized" at 15:21:02), with 0 stars.
    expect(repo).toEqual({
      stars: 0,
      visibility: 'public',
      github_updated_at: new Date('2019-05-15T15:21:03Z'),
    });
    const snapshots = await db.rows(
      `SELECT 1 FROM repo_stats_snapshots s JOIN repositories r ON r.id = s.repo_id WHERE r.github_id = $1`,
      [HELLO_WORLD],
    );
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
  });

  it('deployment, deployment_status: the newest copy of the deployment and its status, one timeline entry', async () => {
    const deployments = await db.rows(
      `SELECT d.deployment_id::text, d.environment, d.sha, d.creator_login, d.latest_state, d.latest_state_at
         FROM deployments d JOIN repositories r ON r.id = d.repo_id WHERE r.github_id = $1`,
      [HELLO_WORLD],
    );
    // The examples reuse one deployment id: its github-pages copy (updated 2022) is newer than the production ones.
    expect(deployments).toEqual([
      {
        deployment_id: '145988746',
        environment: 'github-pages',
        sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        creator_login: 'github-pages[bot]',
        latest_state: 'in_progress',
        latest_state_at: new Date('2022-01-03T01:28:40Z'),
      },
    ]);
    expect(await db.rows(`SELECT node_id, state FROM deployment_statuses`)).toEqual([
      { node_id: 'MDE2OkRlcGxveW1lbnRTdGF0dXMyMDk5MTYyNTQ=', state: 'in_progress' },
    ]);
    // The successful status says "deployed" once, however often it was delivered.
    expect(await db.rows(`SELECT title, dedupe_key FROM activity_events WHERE type = 'deployment'`)).toEqual([
      { title: 'deployed f95f852 to production', dedupe_key: 'deployment:145988746:success' },
    ]);
  });

  it('release: stored as GitHub sent it, a deletion sticks whatever the order, one "released" entry', async () => {
    const releases = await db.rows(
      `SELECT l.release_id::text, l.tag_name, l.target_commitish, l.sha, l.author_login, l.deleted_at IS NOT NULL AS deleted
         FROM releases l JOIN repositories r ON r.id = l.repo_id WHERE r.github_id = $1`,
      [HELLO_WORLD],
    );
    expect(releases).toEqual([
      {
        release_id: '17372790',
        tag_name: '0.0.1',
        target_commitish: 'master',
        sha: null,
        author_login: 'Codertocat',
        deleted: true,
      },
    ]);
    expect(await db.rows(`SELECT title, dedupe_key FROM activity_events WHERE type = 'release'`)).toEqual([
      { title: expect.stringMatching(/^released 0\.0\.1/), dedupe_key: 'release:17372790' },
    ]);
  });

  it('issues: the newest copy of each issue, pull requests left out, deleted and transferred ones kept as tombstones', async () => {
    const issues = await db.rows(
      `SELECT r.full_name, i.number, i.state, i.labels, i.author_login, i.deleted_at IS NOT NULL AS gone
         FROM issues i JOIN repositories r ON r.id = i.repo_id ORDER BY 1, 2`,
    );
    // Hello-World #2 is a pull request (its payloads carry pull_request); #1 was deleted, whatever came after.
    expect(issues).toEqual([
      {
        full_name: 'Codertocat/Hello-World',
        number: 1,
        state: expect.any(String),
        labels: ['bug'],
        author_login: 'Codertocat',
        gone: true,
      },
      {
        full_name: 'octo-org/octo-repo',
        number: 1,
        state: 'open',
        labels: [],
        author_login: expect.any(String),
        gone: true,
      },
    ]);
  });

  it('create/delete: the examples are tags; a created tag is written by its push, a deleted one marked deleted', async () => {
    const rows = await db.rows(
      `SELECT DISTINCT event, status, ignored_reason FROM webhook_deliveries WHERE event IN ('create', 'delete') ORDER BY event`,
    );
    expect(rows).toEqual([
      { event: 'create', status: 'ignored', ignored_reason: 'a new tag is written by its push' },
      { event: 'delete', status: 'processed', ignored_reason: null },
    ]);
  });

  it('workflow_run: each default-branch run once, the newest copy winning over earlier requested deliveries', async () => {
    const runs = await db.rows<{
      full_name: string;
      run_id: string;
      status: string;
      conclusion: string | null;
    }>(
      `SELECT r.full_name, w.run_id::text, w.status, w.conclusion
         FROM workflow_runs w JOIN repositories r ON r.id = w.repo_id ORDER BY 1`,
    );
    expect(runs).toEqual([
      { full_name: 'Codertocat/Hello-World', run_id: '1589141559', status: 'queued', conclusion: null },
      { full_name: 'octo-org/octo-repo', run_id: '289782451', status: 'completed', conclusion: 'success' },
    ]);
  });

  it('ping: marks the registered hook healthy', async () => {
    const hook = await db.one<{ status: string; last_ping_at: Date | null }>(
      `SELECT status, last_ping_at FROM webhook_registrations WHERE hook_id = 109948940`,
    );
    expect(hook.status).toBe('active');
    expect(hook.last_ping_at).not.toBeNull();
    const pings = await db.rows<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE event = 'ping' GROUP BY status ORDER BY status`,
    );
    // All four examples carry the registered hook's id (one of them from an organization-level copy).
    expect(pings).toEqual([{ status: 'processed', n: 4 }]);
  });
});
