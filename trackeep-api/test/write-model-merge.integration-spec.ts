import { randomUUID } from 'node:crypto';
import {
  createSyncDb,
  engineRunner,
  must,
  startSim,
  type GithubSimHandle,
  type SyncDbFixture,
} from './sync-support/sync-harness';
import { Db, postWebhook, startApi, waitForInboxIdle } from './webhooks-support';

// The same GitHub objects reach Trackeep twice: by webhook (a payload, sometimes without some fields) and by
// the sync (GraphQL pages and REST). Whatever the order, the stored row must end the same: GitHub's updated_at
// decides which state is newer, and a source that lacks a field keeps the value another source stored.

type Json = Record<string, unknown>;
type Row = Record<string, unknown>;
const NEVER = '0 0 1 1 *';
const DAY_MS = 86_400_000;

interface Subject {
  fullName: string;
  githubId: number;
  pullNumber: number;
  branch: string;
  head: string;
  /** A time after the sync's look (a newer push). */
  future: number;
  /** REST answers for the objects above, shaped as webhook payloads carry them. */
  repo: Json;
  pull: Json;
  headCommit: Json;
}

/** The state of the four objects after a scenario, keyed by GitHub identity (our ids and write times left out). */
interface Stored {
  repository: Row;
  pull: Row;
  commit: Row;
  branch: Row;
}

/** How the webhook copy relates to the sync's copy of the same objects. */
type Age = 'same' | 'older' | 'newer';

const FABRICATED_SHA = 'f00d'.repeat(10);

describe('one write model: webhooks and the sync converge on the same rows', () => {
  let sim: GithubSimHandle;
  let subject: Subject;

  beforeAll(async () => {
    sim = await startSim({ sizes: { reposPerOwner: 1, commitsPerRepo: 40, pullsPerRepo: 12 } });
    const owner = sim.world.requireUser('octocat');
    const repo = must(
      [...sim.world.repos.values()].find((r) => r.ownerId === owner.id && !r.deleted),
      'a repository of octocat',
    );
    const fullName = sim.world.fullName(repo);
    const detail = sim.world.detail(repo);
    // The pull request with the most reviews: the sync learns its review count, webhooks never carry it.
    const pull = must(
      [...detail.pulls].sort((a, b) => b.reviews.length - a.reviews.length)[0],
      'a pull request',
    );
    const branch = must(detail.branches.get(repo.defaultBranch), 'the default branch');
    const rest = async (path: string) => {
      const res = await fetch(`${sim.apiUrl}${path}`, {
        headers: { authorization: `token ${sim.issueToken('octocat')}` },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Json;
    };
    subject = {
      fullName,
      githubId: repo.id,
      pullNumber: pull.number,
      branch: branch.name,
      head: branch.tip,
      future: Date.now() + DAY_MS,
      repo: await rest(`/repositories/${repo.id}`),
      pull: await rest(`/repos/${fullName}/pulls/${pull.number}`),
      headCommit: await rest(`/repos/${fullName}/commits/${branch.tip}`),
    };
    expect(pull.reviews.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await sim.stop();
  });

  /** A fresh database and API, the steps run against them, and what the four rows hold at the end. */
  async function scenario(steps: Array<'sync' | Age>): Promise<Stored> {
    const fx = await createSyncDb(sim, 'octocat', 1);
    const api = await startApi(fx.db.url, { SYNC_CRON: NEVER });
    const db = await Db.connect(fx.db.url);
    try {
      for (const step of steps) {
        if (step === 'sync') {
          expect((await engineRunner(sim, fx).run(must(fx.repos[0]).id)).status).toBe('succeeded');
        } else {
          const ids: string[] = [];
          for (const [event, payload] of webhooks(step)) {
            const id = randomUUID();
            ids.push(id);
            expect((await postWebhook(api.url, { event, payload, id })).status).toBe(202);
          }
          await waitForInboxIdle(db);
          const statuses = await db.rows<{ status: string }>(
            'SELECT status FROM webhook_deliveries WHERE delivery_id = ANY($1::text[])',
            [ids],
          );
          expect(statuses.map((s) => s.status)).toEqual(ids.map(() => 'processed'));
        }
      }
      return await stored(db, fx);
    } finally {
      await db.end();
      await api.close();
      await fx.close();
    }
  }

  /** The deliveries GitHub would send for the subject's objects, at the given age relative to the sync's view. */
  function webhooks(age: Age): Array<[string, Json]> {
    const shift = (iso: unknown, ms: number) => new Date(Date.parse(String(iso)) + ms).toISOString();
    const delta = age === 'older' ? -DAY_MS : age === 'newer' ? DAY_MS : 0;
    const changed = (text: unknown) => (age === 'same' ? text : `${String(text)} (${age})`);
    const repository = {
      ...subject.repo,
      description: changed(subject.repo['description']),
      stargazers_count: Number(subject.repo['stargazers_count']) + (age === 'same' ? 0 : 5),
      updated_at: shift(subject.repo['updated_at'], delta),
    };
    // Webhook repository objects carry no subscribers_count (GitHub's watchers_count there counts stars).
    delete (repository as Json)['subscribers_count'];
    delete (repository as Json)['permissions'];
    const envelope = {
      repository: { ...repository },
      sender: { login: 'octocat', id: 1 },
    };
    // A review payload's pull request is the short form: no additions, deletions, changed files or commits.
    const shortPull: Json = {
      ...subject.pull,
      title: changed(subject.pull['title']),
      updated_at: shift(subject.pull['updated_at'], delta),
    };
    for (const key of ['additions', 'deletions', 'changed_files', 'commits', 'merged', 'mergeable'])
      delete shortPull[key];

    const c = subject.headCommit;
    const git = c['commit'] as { message: string; author: Json; committer: Json };
    const person = (who: Json, user: unknown) => ({
      name: who['name'],
      email: who['email'],
      ...(user && typeof user === 'object' ? { username: (user as Json)['login'] } : {}),
    });
    const headCommit = {
      id: subject.head,
      tree_id: (git as unknown as { tree: { sha: string } }).tree.sha,
      distinct: true,
      message: git.message,
      timestamp: git.committer['date'],
      url: c['html_url'],
      author: person(git.author, c['author']),
      committer: person(git.committer, c['committer']),
      added: [],
      removed: [],
      modified: [],
    };
    // A newer push moves the branch to a commit the sync has not seen; an older one is a push from before.
    const pushed =
      age === 'newer'
        ? {
            ...headCommit,
            id: FABRICATED_SHA,
            message: 'A commit pushed after the sync looked',
            timestamp: new Date(subject.future).toISOString(),
          }
        : headCommit;
    const pushedAt =
      age === 'newer'
        ? subject.future
        : Date.parse(String(subject.repo['pushed_at'])) + (age === 'older' ? -DAY_MS : 0);
    const push = {
      ref: `refs/heads/${subject.branch}`,
      before: '0'.repeat(39) + '1',
      after: pushed.id,
      created: false,
      deleted: false,
      forced: false,
      compare: `${String(subject.repo['html_url'])}/compare/a...b`,
      commits: [pushed],
      head_commit: pushed,
      ...envelope,
      repository: {
        ...envelope.repository,
        pushed_at: Math.floor(pushedAt / 1000),
        created_at: Math.floor(Date.parse(String(subject.repo['created_at'])) / 1000),
      },
      pusher: { name: 'octocat', email: 'octocat@example.com' },
    };
    return [
      ['repository', { action: 'edited', changes: {}, ...envelope }],
      [
        'pull_request_review',
        {
          action: 'edited',
          changes: {},
          review: { id: 990001, state: 'commented', user: { login: 'octocat' }, submitted_at: null },
          pull_request: shortPull,
          ...envelope,
        },
      ],
      ['push', push],
    ];
  }

  async function stored(db: Db, fx: SyncDbFixture): Promise<Stored> {
    const repoId = must(fx.repos[0]).id;
    const one = async (sql: string, params: unknown[]) => must((await db.rows(sql, params))[0], sql);
    const without = (row: Row, ...keys: string[]) =>
      Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
    return {
      repository: without(
        await one('SELECT * FROM repositories WHERE id = $1', [repoId]),
        'id',
        'created_at',
        'updated_at',
      ),
      pull: without(
        await one('SELECT * FROM pull_requests WHERE repo_id = $1 AND number = $2', [
          repoId,
          subject.pullNumber,
        ]),
        'repo_id',
      ),
      commit: without(
        await one('SELECT * FROM commits WHERE repo_id = $1 AND sha = $2', [repoId, subject.head]),
        'repo_id',
      ),
      // updated_at is when a state was seen (a push's time, or the sync's look), not part of the state.
      branch: without(
        await one('SELECT * FROM branches WHERE repo_id = $1 AND name = $2', [repoId, subject.branch]),
        'repo_id',
        'updated_at',
      ),
    };
  }

  describe('the same state by webhook and by sync', () => {
    let webhookFirst: Stored;
    let syncFirst: Stored;
    let olderWebhookLast: Stored;

    beforeAll(async () => {
      webhookFirst = await scenario(['same', 'sync']);
      syncFirst = await scenario(['sync', 'same']);
      olderWebhookLast = await scenario(['sync', 'older']);
    });

    it.each(['repository', 'pull', 'commit', 'branch'] as const)(
      'the %s row is identical whichever arrives first',
      (table) => {
        expect(webhookFirst[table]).toEqual(syncFirst[table]);
      },
    );

    it.each(['repository', 'pull', 'commit', 'branch'] as const)(
      'a webhook with an older updated_at leaves the %s row as the sync stored it',
      (table) => {
        expect(olderWebhookLast[table]).toEqual(syncFirst[table]);
      },
    );

    it('keeps what only the sync knows: parents, review count, size figures, watchers', () => {
      expect(syncFirst.commit['parents']).toEqual(
        ((subject.headCommit['parents'] as Json[]) ?? []).map((p) => p['sha']),
      );
      expect(syncFirst.pull['review_count']).toBeGreaterThan(0);
      expect(syncFirst.pull['additions']).toBe(subject.pull['additions']);
      expect(syncFirst.repository['watchers']).toBe(subject.repo['subscribers_count']);
    });
  });

  describe('a newer state by webhook and an older one by sync', () => {
    let webhookFirst: Stored;
    let syncFirst: Stored;

    beforeAll(async () => {
      webhookFirst = await scenario(['newer', 'sync']);
      syncFirst = await scenario(['sync', 'newer']);
    });

    it.each(['repository', 'pull', 'commit', 'branch'] as const)(
      'the %s row is identical whichever arrives first',
      (table) => {
        expect(webhookFirst[table]).toEqual(syncFirst[table]);
      },
    );

    it('takes the newer state, and fills what the newer source lacked from the older one', () => {
      expect(webhookFirst.pull['title']).toBe(`${String(subject.pull['title'])} (newer)`);
      expect(webhookFirst.pull['additions']).toBe(subject.pull['additions']);
      expect(webhookFirst.pull['review_count']).toBeGreaterThan(0);
      expect(webhookFirst.repository['description']).toBe(`${String(subject.repo['description'])} (newer)`);
      expect(webhookFirst.repository['stars']).toBe(Number(subject.repo['stargazers_count']) + 5);
      expect(webhookFirst.branch['head_sha']).toBe(FABRICATED_SHA);
      // The sync's comparison stays with the head it was computed for, whichever came first (the branch list then
      // leaves it out: the head has moved since).
      expect(webhookFirst.branch).toMatchObject({
        compared_sha: subject.head,
        compared_to_sha: subject.head,
        ahead_by: 0,
        behind_by: 0,
      });
    });
  });
});
