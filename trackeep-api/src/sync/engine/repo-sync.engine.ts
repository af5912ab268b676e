import type { RepoPermission, SyncRunCounts } from '@trackeep/contracts';
import { inTransaction, type SqlExecutor } from '@trackeep/server-core';
import type { Kysely, Transaction } from 'kysely';
import { ownerOf, splitFullName } from '../../common/full-name.util';
import type { DB } from '../../database/db.types';
import type { SizeFigures } from '../../repos/data/size-figures.repository';
import { highestPermission } from '../../repos/repo-access.service';
import type { PageSizeGovernor, PagedStream } from '../github/page-size.governor';
import { planRound, roundRequestsByStream, type RoundPages } from '../github/sync-graphql-cost.util';
import {
  figuresQuery,
  MAX_FIGURES_PER_QUERY,
  repoPageQuery,
  SYNC_PULL_REVIEWS_QUERY,
} from '../github/sync-graphql.queries';
import type {
  GqlCommit,
  GqlConnection,
  GqlError,
  GqlPull,
  GqlRef,
  GqlReviews,
  RepoPageData,
} from '../github/sync-graphql.types';
import {
  hasNotFound,
  orgPolicyBlockOf,
  RepoUnavailableError,
  TransientGithubError,
  UnexpectedGithubAnswerError,
} from '../github/sync-github.errors';
import type { SyncGithubGateway } from '../github/sync-github.gateway';
import type {
  ActivityWrite as ActivityRow,
  BranchWrite as BranchRow,
} from '../../repos/data/github-data.types';
import type { HistoryKind } from '../../repos/data/star-history.repository';
import { historyStart, readSideStreams, SIDE_STREAMS } from './side-streams';
import { readWorkflowRuns, WORKFLOW_RUNS_STREAM } from './workflow-runs.stream';
import { dropRewrittenCommits, type RewrittenBranch } from './rewritten-branches';
import { StarHistoryStream } from './star-history.stream';
import {
  branchComparison,
  commitRow,
  crossedMilestones,
  pullActivity,
  pullReviews,
  pullRow,
  reconstructedPushes,
} from './sync-rows.util';
import {
  commitStream,
  emptyCursor,
  SyncStore,
  type CursorRow,
  type RestRepository,
  type SyncRepoRecord,
} from './sync-store.repository';

/** The database the engine runs on; each page commits in a transaction of its own. */
export type SyncDb = Kysely<DB>;

/** A page's transaction, or the database outside one. */
type Db = SqlExecutor<DB>;

/** What the cycle's batched change detection saw for a repository (null fields: unknown). */
export interface DetectionHint {
  nameWithOwner: string;
  pushedAt: string | null;
  defaultBranch: string | null;
  headOid: string | null;
  stars: number;
  forks: number;
  archived: boolean;
  latestPullUpdatedAt: string | null;
}

export interface RunProgress {
  items: SyncRunCounts;
  /** 0..100, or null when the amount of work is unknown. */
  progress: number | null;
}

export interface EngineHooks {
  /** Inside every page's transaction: heartbeat, progress and counts on the run row. */
  onPage(tx: Transaction<DB>, progress: RunProgress): Promise<void>;
  /** Inside a page's transaction, after onPage: live progress and the page's new activity (heard on commit). */
  announcePage?(tx: Transaction<DB>, progress: RunProgress, activityIds: string[]): Promise<void>;
  /** True when the job should stop after this page (time slice used up, shutdown). */
  shouldYield?(): boolean;
  /** A page failed transiently and is retried with smaller pages. */
  onRetry?(error: Error, attempt: number): void;
}

export interface EngineOptions {
  db: SyncDb;
  store?: SyncStore;
  gateway: SyncGithubGateway;
  governor: PageSizeGovernor;
  hooks: EngineHooks;
  /** Pull requests updated this long before the high-water mark are fetched again. */
  pullOverlapSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Transient failures in a row before the run gives up (the job retries it later). */
  maxTransientFailures?: number;
  /** When the run this engine continues first started: streams already checked since then are not redone. */
  runStartedAt?: Date | null;
  /** How far back a first sync reads issues and deployments, in days (0: everything; default one year). */
  historyDays?: number;
}

export type EngineOutcome = { status: 'succeeded' | 'yielded'; items: SyncRunCounts };

interface WalkState {
  branch: string;
  cursor: CursorRow;
  /** Pages fetched by this run (the first page of an incremental walk is kept small). */
  pages: number;
}

interface PullsState {
  cursor: CursorRow;
  done: boolean;
}

interface RefsState {
  after: string | null;
  collected: GqlRef[];
  done: boolean;
  /** When the first refs page was asked for: the branches are GitHub's state as of then. */
  askedAt?: Date;
}

const DAY_MS = 24 * 3600_000;

/** First page of an incremental or side-branch walk: most such walks end within it. */
const SMALL_FIRST_PAGE = 25;
/** Refs are read at least this often even when nothing hints at a change. */
const REFS_REFRESH_MS = 6 * 3600_000;
/** Follow-up queries (one per run) that may refuse a row's size figures before they are marked unavailable. */
export const FIGURES_GIVE_UP_AFTER = 3;

type RepoNode = NonNullable<RepoPageData['node']>;

function zeroCounts(): SyncRunCounts {
  return { repository: 0, commits: 0, pulls: 0, branches: 0, snapshots: 0, activity: 0 };
}

function iso(d: Date | string | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}

/**
 * Syncs one repository: metadata over REST with ETags, then rounds of one-point GraphQL queries that
 * carry a page of each open stream (branch refs, commit walks, pull requests). After every round the
 * rows and the cursors that produced them commit in one transaction, so a crash loses at most one page
 * and the next run picks up exactly there.
 *
 * Commit walks start at a fixed head and follow history until every parent of every new commit is
 * known on the branch (or the default branch): complete without a `since` cut-off, and cheap when
 * little changed. The default branch is walked before the others so "known" stays ancestor-closed.
 */
export class RepoSyncEngine {
  private readonly store: SyncStore;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly items = zeroCounts();
  private repo!: SyncRepoRecord;
  private repoCursor!: CursorRow;
  private firstSync = false;
  private totals = { commits: 0, pulls: 0 };
  private fetched = { commits: 0, pulls: 0 };
  /** Rows of the current page GitHub answered without their size figures (commit oids, pull request ids). */
  private partial = { commits: new Set<string>(), pulls: new Set<string>() };
  /** True while the repository has never completed a sync (its history is being backfilled). */
  get backfill(): boolean {
    return this.firstSync;
  }

  /** The credential's permission on the repository, as GitHub's REST answer states it. */
  viewerPermission: RepoPermission = 'pull';

  constructor(private readonly o: EngineOptions) {
    this.store = o.store ?? new SyncStore();
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async run(repoId: string, hint: DetectionHint | null = null): Promise<EngineOutcome> {
    const { db } = this.o;
    const repo = await this.store.loadRepo(db, repoId);
    if (!repo) throw new Error(`repository ${repoId} is not in the database`);
    this.repo = repo;
    const cursors = await this.store.loadCursors(db, repoId);
    const repoCursor = cursors.get('repo') ?? emptyCursor('repo');
    this.repoCursor = repoCursor;
    this.firstSync = !repoCursor.state['completedAt'];

    const previousDefault = this.repo.default_branch;
    await this.syncMetadata(repoCursor);
    if (this.repo.default_branch !== previousDefault) {
      // The new default branch was only walked as a side branch: walk its whole history once.
      cursors.delete(commitStream(this.repo.default_branch));
      await this.store.forgetCursors(db, repoId, [commitStream(this.repo.default_branch)]);
    }

    const def = this.repo.default_branch;
    const walks: WalkState[] = [];
    for (const c of cursors.values()) {
      if (c.stream.startsWith('commits:') && c.pending_head)
        walks.push({ branch: c.stream.slice('commits:'.length), cursor: c, pages: 0 });
    }
    const pushedAt = iso(this.repo.pushed_at);
    const defaultCursor = cursors.get(commitStream(def));
    const headMoved =
      !!hint?.headOid && hint.defaultBranch === def && hint.headOid !== defaultCursor?.head_sha;
    // A run continued in a new job (time slice, pause, lost worker) does not redo streams it already checked.
    const thisRun = (at: unknown) =>
      !!this.o.runStartedAt && typeof at === 'string' && Date.parse(at) >= this.o.runStartedAt.getTime();
    const refs: RefsState = {
      after: null,
      collected: [],
      done:
        thisRun(repoCursor.state['refsCheckedAt']) ||
        !(
          this.firstSync ||
          !hint ||
          headMoved ||
          pushedAt !== (repoCursor.state['refsPushedAt'] ?? null) ||
          // Branches created or deleted without a push leave pushed_at alone: look at refs now and then anyway.
          Date.now() - Date.parse(String(repoCursor.state['refsCheckedAt'] ?? 0)) > REFS_REFRESH_MS ||
          cursors.size <= 1
        ),
    };
    // Deployments and issues are read with the refs (a push, a new head, now and then; webhooks keep them current
    // in between), and until their first read is complete.
    const sideDue = SIDE_STREAMS.filter((stream) => {
      const c = cursors.get(stream);
      return !thisRun(c?.state['checkedAt']) && (!refs.done || !c || !!c.end_cursor);
    });
    const runsCursor = cursors.get(WORKFLOW_RUNS_STREAM);
    const runsDue =
      !thisRun(runsCursor?.state['checkedAt']) && (!refs.done || !runsCursor || !!runsCursor.state['page']);
    // The detection already named the new default head: start walking it in the first round.
    if (headMoved && hint?.headOid && !walks.some((w) => w.branch === def)) {
      walks.push(
        await this.startWalk(db, def, defaultCursor ?? emptyCursor(commitStream(def)), hint.headOid),
      );
    }
    const pullsCursor = cursors.get('pulls') ?? emptyCursor('pulls');
    const pullsNeeded =
      !!pullsCursor.end_cursor ||
      (!thisRun(pullsCursor.state['walkedAt']) &&
        (this.firstSync ||
          !hint ||
          !pullsCursor.state['walkedAt'] ||
          (!!hint.latestPullUpdatedAt &&
            (!pullsCursor.high_water ||
              new Date(hint.latestPullUpdatedAt) > new Date(pullsCursor.high_water)))));
    const pulls: PullsState = { cursor: pullsCursor, done: !pullsNeeded };
    // Stargazers and forks are read only when the stored rows no longer account for GitHub's counts.
    const openHistory = (kind: HistoryKind, githubCount: number) =>
      StarHistoryStream.open(db, this.store, repoId, kind, cursors, githubCount);
    const history = {
      stars: await openHistory('stargazers', hint?.stars ?? this.repo.stars),
      forks: await openHistory('forks', hint?.forks ?? this.repo.forks),
    };

    let sideCounts: { deployments: number; issues: number; releases: number; tags: number } | undefined;
    let failures = 0;
    for (;;) {
      const active = this.activeWalks(walks.filter((w) => w.cursor.pending_head));
      const want: RoundPages = {
        refs: refs.done ? 0 : this.o.governor.size('refs'),
        walks: active.map((w) => this.walkPageSize(w)),
        pulls: pulls.done ? 0 : this.o.governor.size('pulls'),
        stars: Math.min(history.stars.want, this.o.governor.size('stars')),
        forks: Math.min(history.forks.want, this.o.governor.size('forks')),
      };
      if (!want.refs && !want.walks.length && !want.pulls && !want.stars && !want.forks) break;
      const plan = planRound(want);
      const planned = active.slice(0, plan.walks.length);
      let node: RepoNode;
      try {
        const streams = {
          refs: plan.refs > 0,
          walks: plan.walks.length,
          pulls: plan.pulls > 0,
          stars: !!plan.stars,
          forks: !!plan.forks,
        };
        if (streams.refs) refs.askedAt ??= new Date();
        const vars = this.variables(plan, planned, refs, pulls, history);
        const answer = await this.o.gateway.graphql<RepoPageData>(
          repoPageQuery(streams),
          vars,
          roundRequestsByStream(plan),
        );
        const found = answer.data?.node;
        if (!found || found.__typename !== 'Repository')
          throw this.missingRepository(answer.errors, answer.headers);
        node = await this.completePartialPage(found, streams, vars, roundRequestsByStream(plan));
        if (streams.pulls) await this.completeReviews(node.pullRequests?.nodes ?? []);
      } catch (err) {
        if (!(err instanceof TransientGithubError)) throw err;
        this.o.governor.failed(this.streamsOf(plan));
        if (++failures > (this.o.maxTransientFailures ?? 8)) throw err;
        this.o.hooks.onRetry?.(err, failures);
        await this.sleep(Math.min(30_000, 250 * 2 ** failures) + Math.round(Math.random() * 250));
        continue;
      }
      failures = 0;
      this.o.governor.succeeded(this.streamsOf(plan).map((s) => s.stream));

      // The last refs page needs the protected flags; fetched before the transaction opens.
      const lastRefsPage =
        plan.refs > 0 && !!node.refs && !(node.refs.pageInfo.hasNextPage && node.refs.nodes.length);
      const protectedNames = lastRefsPage ? await this.protectedBranches() : new Set<string>();
      const activityIds = await inTransaction(db, async (tx) => {
        this.store.deferCursors(tx);
        const ids: string[] = [];
        if (node.nameWithOwner && node.nameWithOwner !== this.repo.full_name)
          ids.push(...(await this.applyRename(tx, node.nameWithOwner)));
        if (plan.refs > 0 && node.refs)
          ids.push(...(await this.refsPage(tx, node.refs, refs, walks, cursors, protectedNames)));
        if (node.deploymentsCount && node.issuesCount && node.releasesCount && node.tagsCount)
          sideCounts = {
            deployments: node.deploymentsCount.totalCount,
            issues: node.issuesCount.totalCount,
            releases: node.releasesCount.totalCount,
            tags: node.tagsCount.totalCount,
          };
        for (const [i, walk] of planned.entries())
          ids.push(...(await this.walkPage(tx, walk, node[`w${i}`]?.history ?? null)));
        if (plan.pulls > 0 && node.pullRequests)
          ids.push(...(await this.pullsPage(tx, node.pullRequests, pulls)));
        if (plan.stars && node.stargazers) await history.stars.stargazersPage(tx, node.stargazers);
        if (plan.forks && node.forks) await history.forks.forksPage(tx, node.forks);
        await this.store.flushCursors(tx);
        await this.o.hooks.onPage(tx, this.progress());
        await this.o.hooks.announcePage?.(tx, this.progress(), ids);
        return ids;
      });
      this.items.activity += activityIds.length;
      if (this.o.hooks.shouldYield?.()) return { status: 'yielded', items: this.items };
    }

    await this.checkRewrittenBranches(cursors, walks);
    if (sideDue.length) {
      const finished = await readSideStreams({
        db,
        store: this.store,
        gateway: this.o.gateway,
        repoId,
        nodeId: this.repo.node_id,
        cursors,
        due: sideDue,
        onPage: (tx) => this.o.hooks.onPage(tx, this.progress()),
        shouldYield: this.o.hooks.shouldYield,
        governor: this.o.governor,
        maxTransientFailures: this.o.maxTransientFailures,
        onRetry: this.o.hooks.onRetry,
        sleep: this.sleep,
        historyFrom: historyStart(this.repo, this.o.historyDays, Date.now),
        counts: sideCounts,
      });
      if (!finished) return { status: 'yielded', items: this.items };
    }
    if (runsDue) {
      const finished = await readWorkflowRuns({
        db,
        store: this.store,
        gateway: this.o.gateway,
        repoId,
        fullName: this.repo.full_name,
        defaultBranch: this.repo.default_branch,
        cursors,
        onPage: (tx) => this.o.hooks.onPage(tx, this.progress()),
        shouldYield: this.o.hooks.shouldYield,
        maxTransientFailures: this.o.maxTransientFailures,
        onRetry: this.o.hooks.onRetry,
        sleep: this.sleep,
        from: historyStart(this.repo, this.o.historyDays, Date.now),
        now: Date.now,
      });
      if (!finished) return { status: 'yielded', items: this.items };
    }
    await this.refetchFigures();
    await inTransaction(db, async (tx) => {
      repoCursor.state = { ...repoCursor.state, completedAt: new Date().toISOString() };
      await this.store.saveCursor(tx, repoId, 'repo', repoCursor);
      await this.o.hooks.onPage(tx, { items: this.items, progress: 100 });
    });
    return { status: 'succeeded', items: this.items };
  }

  // ---- metadata (REST, conditional) ----

  private async syncMetadata(repoCursor: CursorRow): Promise<void> {
    const { gateway } = this.o;
    // /repositories/{id} survives renames and transfers (GitHub redirects the old name there).
    const res = await gateway.getConditional<RestRepository>(`${this.restBase()}`);
    // A plain 403 (no rate limit, no organization policy: those were recognised already) proves nothing about access.
    if (res.status === 403)
      throw new UnexpectedGithubAnswerError(
        'GitHub refused the repository (403) without saying why; trying again later',
      );
    if (res.status !== 200 && res.status !== 304)
      throw new RepoUnavailableError(this.repo.id, res.status, 'rest');
    this.viewerPermission = highestPermission(res.data?.permissions);
    const r = res.data;
    const changed = res.status === 200 && !!r;
    const wasUnavailable = this.repo.github_state === 'deleted' || this.repo.github_state === 'access_lost';
    const pushedBefore = iso(this.repo.pushed_at);
    const activity: ActivityRow[] = [];
    await inTransaction(this.o.db, async (tx) => {
      // Compare with the row as stored now, not as this run loaded it: a webhook may have applied the same rename
      // or archive meanwhile, and the timeline must show it once.
      const stored = (await this.store.loadRepo(tx, this.repo.id, { lock: true })) ?? this.repo;
      if (r && (changed || wasUnavailable)) {
        let state = wasUnavailable ? 'ok' : stored.github_state;
        if (r.full_name !== stored.full_name) {
          activity.push(...this.renameActivity(stored.full_name, r.full_name, r.updated_at));
          state = r.owner.login.toLowerCase() !== stored.owner.toLowerCase() ? 'transferred' : 'renamed';
        }
        if (r.archived && !stored.archived) {
          activity.push({
            type: 'repo_archived',
            actor: null,
            title: `${r.full_name} was archived`,
            url: r.html_url,
            occurred_at: r.updated_at ?? new Date().toISOString(),
            data: {},
            dedupe_key: `repo_archived:${new Date(r.updated_at ?? Date.now()).toISOString()}`,
          });
        }
        if (!this.firstSync) {
          for (const m of crossedMilestones(this.repo.stars, r.stargazers_count)) {
            activity.push({
              type: 'star_milestone',
              actor: null,
              title: `${r.full_name} reached ${m} stars`,
              url: r.html_url,
              occurred_at: r.updated_at ?? new Date().toISOString(),
              data: { stars: m },
              dedupe_key: `star_milestone:${m}`,
            });
          }
        }
        await this.store.updateRepository(tx, this.repo.id, r, state);
        this.items.repository = 1;
      }
      const current = await this.store.loadRepo(tx, this.repo.id);
      if (!current) throw new Error(`repository ${this.repo.id} is not in the database`);
      const last = await this.store.lastSnapshot(tx, this.repo.id);
      const counters = {
        stars: current.stars,
        forks: current.forks,
        watchers: current.watchers,
        open_issues: current.open_issues,
      };
      const moved =
        !last ||
        last.stars !== counters.stars ||
        last.forks !== counters.forks ||
        last.watchers !== counters.watchers ||
        last.open_issues !== counters.open_issues;
      if (moved || Date.now() - new Date(last.captured_at).getTime() >= DAY_MS) {
        await this.store.insertSnapshot(tx, this.repo.id, counters);
        this.items.snapshots++;
      }
      if (activity.length)
        this.items.activity += (await this.store.insertActivity(tx, this.repo.id, activity)).length;
      this.repo = current;
    });
    if (
      changed ||
      this.firstSync ||
      iso(this.repo.pushed_at) !== pushedBefore ||
      !repoCursor.state['completedAt']
    ) {
      const langs = await gateway.getConditional<Record<string, number>>(`${this.restBase()}/languages`);
      if (langs.status === 200 && langs.data)
        await this.store.updateLanguages(this.o.db, this.repo.id, langs.data);
    }
  }

  /**
   * Why the page query came back without the repository. An organization policy (FORBIDDEN) or GitHub's own
   * NOT_FOUND (or a bare null) say something; any other error does not, and is retried, never taken for "gone".
   */
  private missingRepository(errors: GqlError[], headers: Record<string, string | number | undefined>): Error {
    const body = { errors };
    const block = orgPolicyBlockOf(200, headers, body);
    if (block) return block;
    const [first] = errors;
    if (!first || hasNotFound(body)) return new RepoUnavailableError(this.repo.id, 404, 'graphql');
    return new UnexpectedGithubAnswerError(`GitHub answered without the repository: ${first.message}`);
  }

  /**
   * GitHub's partial answer: a commit or pull request is null (a non-null figure of it was "unavailable") and
   * an error's path points at it. The page is asked again without the figures and the two answers merged:
   * every row is stored, the refused figures stay empty and are fetched again later (refetchFigures).
   */
  private async completePartialPage(
    node: RepoNode,
    streams: { refs: boolean; walks: number; pulls: boolean },
    vars: Record<string, unknown>,
    requests: Record<string, number>,
  ): Promise<RepoNode> {
    this.partial = { commits: new Set(), pulls: new Set() };
    const walkHoles = Array.from({ length: streams.walks }, (_, i) =>
      hasHoles(node[`w${i}`]?.history?.nodes),
    );
    const pullHoles = streams.pulls && hasHoles(node.pullRequests?.nodes);
    if (!walkHoles.some(Boolean) && !pullHoles) return node;
    const lean = (
      await this.o.gateway.graphql<RepoPageData>(repoPageQuery({ ...streams, lean: true }), vars, requests)
    ).data?.node;
    if (!lean || lean.__typename !== 'Repository')
      throw new TransientGithubError(
        'GitHub answered part of a page, and not the page without its figures',
        200,
      );
    const merged: RepoNode = { ...node };
    for (let i = 0; i < streams.walks; i++) {
      const full = node[`w${i}`]?.history;
      const bare = lean[`w${i}`]?.history;
      if (!walkHoles[i] || !full) continue;
      if (!bare || hasHoles(bare.nodes))
        throw new TransientGithubError('GitHub refused commits even without their figures', 200);
      const byOid = new Map(
        (full.nodes as Array<GqlCommit | null>).flatMap((c) => (c ? [[c.oid, c] as const] : [])),
      );
      const nodes = bare.nodes.map(
        (c) => byOid.get(c.oid) ?? (this.partial.commits.add(c.oid), withoutCommitFigures(c)),
      );
      merged[`w${i}`] = { history: { ...bare, nodes } };
    }
    if (pullHoles && node.pullRequests) {
      const bare = lean.pullRequests;
      if (!bare || hasHoles(bare.nodes))
        throw new TransientGithubError('GitHub refused pull requests even without their figures', 200);
      const byId = new Map(
        (node.pullRequests.nodes as Array<GqlPull | null>).flatMap((p) => (p ? [[p.id, p] as const] : [])),
      );
      merged.pullRequests = {
        ...bare,
        nodes: bare.nodes.map((p) => byId.get(p.id) ?? (this.partial.pulls.add(p.id), withoutPullFigures(p))),
      };
    }
    return merged;
  }

  /**
   * Reviews beyond the page's first 25 of each pull request, read before the page's transaction and appended
   * in order: a page at a time (a point each), only for the rare pull request that has more.
   */
  private async completeReviews(pulls: GqlPull[]): Promise<void> {
    for (const pull of pulls) {
      let page = pull.reviews;
      while (page?.pageInfo?.hasNextPage && pull.reviews) {
        const answer = await this.o.gateway.graphql<{ node: { reviews?: GqlReviews } | null }>(
          SYNC_PULL_REVIEWS_QUERY,
          { id: pull.id, after: page.pageInfo.endCursor },
          { pulls: 1 },
        );
        // Gone since the page was read: it keeps the reviews the page had. An empty page ends it too, so an
        // answer that claims more without moving on cannot loop.
        const more = answer.data?.node?.reviews;
        if (!more?.nodes.length) break;
        pull.reviews.nodes.push(...more.nodes);
        page = more;
      }
    }
  }

  /**
   * Figures GitHub refused earlier, asked for alone (one small query per run, at most MAX_FIGURES_PER_QUERY
   * of each kind). Refused again: counted; after FIGURES_GIVE_UP_AFTER they are marked unavailable. A
   * failure of this query never fails the run: the rows stay pending for the next one.
   */
  private async refetchFigures(): Promise<void> {
    const { db, gateway } = this.o;
    const commits = await this.store.pendingFigures(db, this.repo.id, 'commits', MAX_FIGURES_PER_QUERY);
    const pulls = await this.store.pendingFigures(db, this.repo.id, 'pull_requests', MAX_FIGURES_PER_QUERY);
    if (!commits.length && !pulls.length) return;
    const vars: Record<string, unknown> = { id: this.repo.node_id };
    commits.forEach((oid, i) => (vars[`oid${i}`] = oid));
    if (pulls.length) vars['pulls'] = pulls;
    type FiguresData = {
      node: Record<
        string,
        | {
            oid?: string;
            additions?: number | null;
            deletions?: number | null;
            changedFilesIfAvailable?: number | null;
          }
        | null
        | string
      > | null;
      nodes?: Array<{
        id?: string;
        additions?: number | null;
        deletions?: number | null;
        changedFiles?: number | null;
      } | null>;
    };
    let data: FiguresData | null;
    try {
      data = (
        await gateway.graphql<FiguresData>(figuresQuery(commits.length, pulls.length > 0), vars, {
          figures: 1,
        })
      ).data;
    } catch (err) {
      if (err instanceof TransientGithubError || err instanceof UnexpectedGithubAnswerError) return;
      throw err;
    }
    if (!data) return;
    await inTransaction(db, async (tx) => {
      const refusedCommits: string[] = [];
      const commitFigures: SizeFigures[] = [];
      for (const [i, sha] of commits.entries()) {
        const c = data?.node?.[`c${i}`];
        if (
          c &&
          typeof c === 'object' &&
          typeof c.additions === 'number' &&
          typeof c.deletions === 'number'
        ) {
          commitFigures.push({
            key: sha,
            additions: c.additions,
            deletions: c.deletions,
            changedFiles: c.changedFilesIfAvailable ?? null,
          });
        } else if (data?.node) {
          refusedCommits.push(sha);
        }
      }
      await this.store.saveFigures(tx, this.repo.id, 'commits', commitFigures);
      await this.store.refuseFigures(tx, this.repo.id, 'commits', refusedCommits, FIGURES_GIVE_UP_AFTER);
      const refusedPulls: string[] = [];
      const pullFigures: SizeFigures[] = [];
      for (const [i, pullId] of pulls.entries()) {
        const p = data?.nodes?.[i];
        if (p && typeof p.additions === 'number' && typeof p.deletions === 'number') {
          pullFigures.push({
            key: pullId,
            additions: p.additions,
            deletions: p.deletions,
            changedFiles: p.changedFiles ?? null,
          });
        } else if (data?.nodes) {
          refusedPulls.push(pullId);
        }
      }
      await this.store.saveFigures(tx, this.repo.id, 'pull_requests', pullFigures);
      await this.store.refuseFigures(tx, this.repo.id, 'pull_requests', refusedPulls, FIGURES_GIVE_UP_AFTER);
    });
  }

  private restBase(): string {
    return `/repositories/${this.repo.github_id}`;
  }

  private renameActivity(from: string, to: string, at: string | null): ActivityRow[] {
    const transferred = ownerOf(from).toLowerCase() !== ownerOf(to).toLowerCase();
    return [
      {
        type: 'repo_renamed',
        actor: null,
        title: transferred ? `${from} was transferred to ${to}` : `${from} was renamed to ${to}`,
        url: null,
        occurred_at: at ?? new Date().toISOString(),
        data: { from, to, transferred },
        dedupe_key: `repo_renamed:${from}->${to}`,
      },
    ];
  }

  private async applyRename(tx: Db, fullName: string): Promise<string[]> {
    // As in syncMetadata: a webhook may have renamed the row already (then there is nothing to record).
    const stored = (await this.store.loadRepo(tx, this.repo.id, { lock: true })) ?? this.repo;
    const from = stored.full_name;
    const [owner, name] = splitFullName(fullName);
    if (from === fullName) {
      this.repo = { ...this.repo, owner, name, full_name: fullName, github_state: stored.github_state };
      return [];
    }
    const state = ownerOf(from).toLowerCase() !== owner.toLowerCase() ? 'transferred' : 'renamed';
    this.repo = { ...this.repo, owner, name, full_name: fullName, github_state: state };
    await this.store.renameRepository(tx, this.repo.id, fullName, state);
    return this.store.insertActivity(tx, this.repo.id, this.renameActivity(from, fullName, null));
  }

  // ---- rounds ----

  /** The default branch's walk runs alone until done; then the side branches' walks, several per round. */
  private activeWalks(pending: WalkState[]): WalkState[] {
    const def = pending.find((w) => w.branch === this.repo.default_branch);
    return def ? [def] : pending;
  }

  private walkPageSize(w: WalkState): number {
    const full = this.o.governor.size('commits');
    const backfill = w.branch === this.repo.default_branch && !w.cursor.head_sha;
    return backfill || w.pages > 0 || w.cursor.end_cursor ? full : Math.min(full, SMALL_FIRST_PAGE);
  }

  private streamsOf(plan: RoundPages): Array<{ stream: PagedStream; size: number }> {
    const out: Array<{ stream: PagedStream; size: number }> = [];
    if (plan.refs) out.push({ stream: 'refs', size: plan.refs });
    if (plan.walks.length) out.push({ stream: 'commits', size: Math.max(...plan.walks) });
    if (plan.pulls) out.push({ stream: 'pulls', size: plan.pulls });
    if (plan.stars) out.push({ stream: 'stars', size: plan.stars });
    if (plan.forks) out.push({ stream: 'forks', size: plan.forks });
    return out;
  }

  private variables(
    plan: RoundPages,
    walks: WalkState[],
    refs: RefsState,
    pulls: PullsState,
    history: { stars: StarHistoryStream; forks: StarHistoryStream },
  ): Record<string, unknown> {
    const vars: Record<string, unknown> = { id: this.repo.node_id };
    if (plan.refs)
      Object.assign(vars, {
        refsFirst: plan.refs,
        refsAfter: refs.after,
        defaultBranch: this.repo.default_branch,
      });
    walks.forEach((w, i) =>
      Object.assign(vars, {
        [`head${i}`]: w.cursor.pending_head,
        [`first${i}`]: plan.walks[i],
        [`after${i}`]: w.cursor.end_cursor,
      }),
    );
    if (plan.pulls) Object.assign(vars, { pullsFirst: plan.pulls, pullsAfter: pulls.cursor.end_cursor });
    if (plan.stars) Object.assign(vars, { starsFirst: plan.stars, starsAfter: history.stars.after });
    if (plan.forks) Object.assign(vars, { forksFirst: plan.forks, forksAfter: history.forks.after });
    return vars;
  }

  private progress(): RunProgress {
    const total = this.totals.commits + this.totals.pulls;
    const done = this.fetched.commits + this.fetched.pulls;
    return {
      items: { ...this.items },
      progress: total > 0 ? Math.min(99, Math.floor((100 * done) / total)) : null,
    };
  }

  // ---- refs ----

  /**
   * Protected branch names over REST (conditional, so usually a free 304): GitHub shows GraphQL's
   * branchProtectionRule to admins only, while REST's `protected` flag is visible with read access.
   */
  private async protectedBranches(): Promise<Set<string>> {
    const res = await this.o.gateway.getConditional<Array<{ name: string }>>(
      `${this.restBase()}/branches?protected=true&per_page=100`,
    );
    return new Set((res.data ?? []).map((b) => b.name));
  }

  private async refsPage(
    tx: Db,
    conn: GqlConnection<GqlRef>,
    refs: RefsState,
    walks: WalkState[],
    cursors: Map<string, CursorRow>,
    protectedNames: Set<string>,
  ): Promise<string[]> {
    refs.collected.push(...conn.nodes);
    refs.after = conn.pageInfo.endCursor;
    if (conn.pageInfo.hasNextPage && conn.nodes.length) return [];
    refs.done = true;

    const old = await this.store.loadBranches(tx, this.repo.id);
    const rows: BranchRow[] = refs.collected.flatMap((r) =>
      r.target?.oid
        ? [
            {
              name: r.name,
              head_sha: r.target.oid,
              protected: !!r.branchProtectionRule || protectedNames.has(r.name),
              last_commit_at: r.target.committedDate ?? null,
              ...branchComparison(r),
              updated_at: refs.askedAt,
            },
          ]
        : [],
    );
    await this.store.replaceBranches(tx, this.repo.id, rows);
    const names = new Set(rows.map((r) => r.name));
    const deleted = [...old.keys()].filter((n) => !names.has(n));
    await this.store.forgetBranches(tx, this.repo.id, deleted);
    for (const name of deleted) {
      cursors.delete(commitStream(name));
      const i = walks.findIndex((w) => w.branch === name);
      if (i >= 0) walks.splice(i, 1);
    }

    const activity: ActivityRow[] = [];
    const now = new Date().toISOString();
    this.repoCursor.state = {
      ...this.repoCursor.state,
      refsPushedAt: iso(this.repo.pushed_at),
      refsCheckedAt: now,
    };
    await this.store.saveCursor(tx, this.repo.id, 'repo', this.repoCursor);
    if (!this.firstSync) {
      for (const name of deleted) {
        activity.push({
          type: 'branch_deleted',
          actor: null,
          title: `Branch ${name} deleted`,
          url: null,
          occurred_at: now,
          data: { ref: name, sha: old.get(name)?.head_sha },
          dedupe_key: `branch_deleted:${name}:${old.get(name)?.head_sha}`,
        });
      }
    }
    for (const row of rows) {
      const before = old.get(row.name);
      if (!before && !this.firstSync) {
        activity.push({
          type: 'branch_created',
          actor: null,
          title: `Branch ${row.name} created`,
          url: null,
          occurred_at: row.last_commit_at ?? now,
          data: { ref: row.name, sha: row.head_sha },
          dedupe_key: `branch_created:${row.name}:${row.head_sha}`,
        });
      }
      if (!before || before.head_sha !== row.head_sha || before.protected !== row.protected)
        this.items.branches++;
      const stream = commitStream(row.name);
      const cursor = cursors.get(stream) ?? emptyCursor(stream);
      const walking = walks.find((w) => w.branch === row.name);
      if (walking) {
        // Finish the walk in progress first (its partial rows are not ancestor-closed); then the new head.
        if (walking.cursor.pending_head !== row.head_sha)
          walking.cursor.state = { ...walking.cursor.state, next: row.head_sha };
        continue;
      }
      if (cursor.head_sha === row.head_sha) continue;
      const w = await this.startWalk(tx, row.name, cursor, row.head_sha);
      cursors.set(stream, w.cursor);
      if (w.cursor.pending_head) walks.push(w);
    }
    this.items.branches += deleted.length;
    return this.store.insertActivity(tx, this.repo.id, activity);
  }

  /**
   * Opens a walk from `head`; a head already known on the branch (or default branch) completes at once, and the
   * head it replaces is checked later for commits the branch no longer has (a reset to an older commit).
   */
  private async startWalk(db: Db, branch: string, cursor: CursorRow, head: string): Promise<WalkState> {
    const known = await this.store.knownOnBranches(db, this.repo.id, this.knownBranches(branch), [head]);
    const next: CursorRow = known.has(head)
      ? { ...cursor, head_sha: head, pending_head: null, end_cursor: null, state: {} }
      : { ...cursor, pending_head: head, end_cursor: null, state: { frontier: [head], added: 0 } };
    if (known.has(head) && cursor.head_sha && cursor.head_sha !== head)
      await this.store.noteReplacedHeads(db, this.repo.id, branch, [cursor.head_sha]);
    await this.store.saveCursor(db, this.repo.id, cursor.stream, next);
    return { branch, cursor: next, pages: 0 };
  }

  private knownBranches(branch: string): string[] {
    return branch === this.repo.default_branch ? [branch] : [branch, this.repo.default_branch];
  }

  // ---- commit walks ----

  private async walkPage(tx: Db, w: WalkState, history: GqlConnection<GqlCommit> | null): Promise<string[]> {
    w.pages++;
    const c = w.cursor;
    if (!history) {
      // The head is gone (force-push and garbage collection): drop the walk; the next refs pass starts over.
      c.pending_head = null;
      c.end_cursor = null;
      c.state = {};
      await this.store.saveCursor(tx, this.repo.id, c.stream, c);
      return [];
    }
    const nodes = history.nodes;
    const isDefault = w.branch === this.repo.default_branch;
    if (isDefault && !c.head_sha && !c.end_cursor) this.totals.commits = history.totalCount;
    if (isDefault && !c.head_sha) this.fetched.commits += nodes.length;

    const shas = nodes.map((n) => n.oid);
    const frontier = new Set<string>(
      (c.state['frontier'] as string[] | undefined) ?? [c.pending_head as string],
    );
    const parents = nodes.flatMap((n) => n.parents.nodes.map((p) => p.oid));
    const known = await this.store.knownOnBranches(tx, this.repo.id, this.knownBranches(w.branch), [
      ...new Set([...shas, ...parents, ...frontier]),
    ]);
    const fresh = nodes.filter((n) => !known.has(n.oid));
    // Meeting the previous head proves a fast-forward; a walk that never does may follow a force-push.
    const metOld = !!c.head_sha && (shas.includes(c.head_sha) || parents.includes(c.head_sha));
    await this.store.upsertCommits(tx, this.repo.id, fresh.map(commitRow));
    await this.store.markFiguresPending(
      tx,
      this.repo.id,
      'commits',
      fresh.filter((n) => this.partial.commits.has(n.oid)).map((n) => n.oid),
    );
    await this.store.addBranchCommits(
      tx,
      this.repo.id,
      w.branch,
      fresh.map((n) => n.oid),
    );
    for (const n of fresh) for (const p of n.parents.nodes) frontier.add(p.oid);
    for (const sha of shas) frontier.delete(sha);
    for (const sha of known) frontier.delete(sha);
    this.items.commits += fresh.length;

    const state: Record<string, unknown> & { added: number } = {
      ...c.state,
      added: Number(c.state['added'] ?? 0) + fresh.length,
      ...(metOld || c.state['metOld'] ? { metOld: true } : {}),
    };
    if (!c.end_cursor && nodes[0])
      Object.assign(state, {
        headDate: nodes[0].committedDate,
        headActor: nodes[0].author?.user?.login ?? nodes[0].author?.name ?? null,
      });
    const done = frontier.size === 0 || !history.pageInfo.hasNextPage;
    let activity: ActivityRow[] = [];
    if (done) {
      if (c.head_sha && state.added > 0)
        activity = [this.pushActivity(w.branch, c.pending_head as string, c.head_sha, state)];
      // The default branch's first walk: its history's pushes, which no webhook will ever tell.
      else if (!c.head_sha && this.firstSync && w.branch === this.repo.default_branch)
        await this.store.insertActivity(
          tx,
          this.repo.id,
          await this.historyPushes(tx, w.branch, c.pending_head as string),
        );
      const next = state['next'] as string | undefined;
      const old = state['metOld'] ? null : c.head_sha;
      c.head_sha = c.pending_head;
      c.pending_head = null;
      c.end_cursor = null;
      c.state = {};
      if (old) await this.store.noteReplacedHeads(tx, this.repo.id, w.branch, [old]);
      if (next && next !== c.head_sha) {
        const again = await this.startWalk(tx, w.branch, c, next);
        Object.assign(c, again.cursor);
        w.pages = 0;
        return this.store.insertActivity(tx, this.repo.id, activity);
      }
    } else {
      c.end_cursor = history.pageInfo.endCursor;
      c.state = { ...state, frontier: [...frontier] };
    }
    await this.store.saveCursor(tx, this.repo.id, c.stream, c);
    return this.store.insertActivity(tx, this.repo.id, activity);
  }

  /**
   * Takes off each branch the commits a force-push replaced (see rewritten-branches.ts), outside any page's
   * transaction: for the branches whose walk is complete, as noted by this run or by a webhook.
   */
  private async checkRewrittenBranches(cursors: Map<string, CursorRow>, walks: WalkState[]): Promise<void> {
    // The walks hold the latest cursor objects; the map may hold an older copy of the same stream.
    const latest = new Map<string, CursorRow>();
    for (const c of cursors.values()) latest.set(c.stream, c);
    for (const w of walks) latest.set(w.cursor.stream, w.cursor);
    const branches: RewrittenBranch[] = [];
    for (const [branch, replaced] of await this.store.replacedHeads(this.o.db, this.repo.id)) {
      const c = latest.get(commitStream(branch));
      if (c?.head_sha && !c.pending_head) branches.push({ branch, head: c.head_sha, replaced });
    }
    if (!branches.length) return;
    await dropRewrittenCommits({
      db: this.o.db,
      store: this.store,
      gateway: this.o.gateway,
      repoId: this.repo.id,
      restBase: this.restBase(),
      branches,
    });
  }

  /** The pushes a branch's history implies within the history window (entries not announced: history, not news). */
  private async historyPushes(tx: Db, branch: string, head: string): Promise<ActivityRow[]> {
    const from = historyStart(this.repo, this.o.historyDays, Date.now);
    const since = from === null ? null : new Date(from);
    const history = await this.store.branchHistorySince(tx, this.repo.id, branch, since);
    return reconstructedPushes(branch, head, history, since);
  }

  private pushActivity(
    branch: string,
    head: string,
    before: string,
    state: Record<string, unknown>,
  ): ActivityRow {
    const n = Number(state['added']);
    return {
      type: 'push',
      actor: (state['headActor'] as string | null) ?? null,
      title: `Pushed ${n} commit${n === 1 ? '' : 's'} to ${branch}`,
      url: null,
      occurred_at: (state['headDate'] as string | undefined) ?? new Date().toISOString(),
      data: { ref: branch, commits: n, before, head },
      dedupe_key: `push:${head}`,
    };
  }

  // ---- pull requests ----

  private async pullsPage(tx: Db, conn: GqlConnection<GqlPull>, pulls: PullsState): Promise<string[]> {
    const c = pulls.cursor;
    if (this.firstSync && !c.end_cursor) this.totals.pulls = conn.totalCount;
    this.fetched.pulls += conn.nodes.length;
    const rows = conn.nodes.map(pullRow);
    const written = await this.store.upsertPulls(tx, this.repo.id, rows);
    await this.store.upsertReviews(tx, this.repo.id, conn.nodes.flatMap(pullReviews));
    await this.store.markFiguresPending(
      tx,
      this.repo.id,
      'pull_requests',
      rows.filter((r) => this.partial.pulls.has(r.node_id)).map((r) => r.node_id),
    );
    this.items.pulls += written;
    const newest = rows.reduce<string | null>((m, r) => (!m || r.updated_at > m ? r.updated_at : m), null);
    if (newest && (!c.pending_high_water || new Date(newest) > new Date(c.pending_high_water)))
      c.pending_high_water = new Date(newest);
    const stopAt = c.high_water
      ? new Date(c.high_water).getTime() - (this.o.pullOverlapSeconds ?? 300) * 1000
      : null;
    const oldest = rows[rows.length - 1];
    const done =
      !conn.pageInfo.hasNextPage ||
      rows.length === 0 ||
      (stopAt !== null && !!oldest && new Date(oldest.updated_at).getTime() < stopAt);
    if (done) {
      c.high_water = c.pending_high_water ?? c.high_water;
      c.pending_high_water = null;
      c.end_cursor = null;
      c.state = { ...c.state, walkedAt: new Date().toISOString() };
      pulls.done = true;
    } else {
      c.end_cursor = conn.pageInfo.endCursor;
    }
    await this.store.saveCursor(tx, this.repo.id, 'pulls', c);
    return this.store.insertActivity(tx, this.repo.id, rows.flatMap(pullActivity));
  }
}

function hasHoles(nodes: unknown[] | undefined): boolean {
  return !!nodes && nodes.some((n) => n === null || n === undefined);
}

function withoutCommitFigures(c: GqlCommit): GqlCommit {
  return { ...c, additions: null, deletions: null, changedFilesIfAvailable: null };
}

function withoutPullFigures(p: GqlPull): GqlPull {
  return { ...p, additions: null, deletions: null, changedFiles: null };
}
