import { inTransaction, type SqlExecutor } from '@trackeep/server-core';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../database/db.types';
import {
  deploymentActivity,
  deploymentState,
  DeploymentsRepository,
  type DeploymentStatusWrite,
  type DeploymentWrite,
} from '../../repos/data/deployments.repository';
import type { ActivityWrite, TimelineEntry } from '../../repos/data/github-data.types';
import { IssuesRepository, type IssueWrite } from '../../repos/data/issues.repository';
import { releaseActivity, ReleasesRepository, type ReleaseWrite } from '../../repos/data/releases.repository';
import { TagsRepository, type TagWrite } from '../../repos/data/tags.repository';
import type { PageSizeGovernor } from '../github/page-size.governor';
import { MAX_REQUESTS_PER_POINT } from '../github/sync-graphql-cost.util';
import { TransientGithubError, UnexpectedGithubAnswerError } from '../github/sync-github.errors';
import type { SyncGithubGateway } from '../github/sync-github.gateway';
import { MAX_ASKED_STILL_THERE, sideStreamsQuery, stillThereQuery } from '../github/sync-graphql.queries';
import type {
  GqlConnection,
  GqlDeployment,
  GqlDeploymentStatus,
  GqlIssue,
  GqlRelease,
  GqlTagRef,
  SidePageData,
} from '../github/sync-graphql.types';
import { emptyCursor, type CursorRow, type SyncStore } from './sync-store.repository';

export type SideStream = 'deployments' | 'issues' | 'releases' | 'tags';
export const SIDE_STREAMS: readonly SideStream[] = ['deployments', 'issues', 'releases', 'tags'];

/** How far back the first read of a repository's issues and deployments goes unless configured (SYNC_HISTORY_DAYS). */
export const HISTORY_DAYS = 365;
/** Issues updated this long before the last read's newest are read again (GitHub's clocks and our pages). */
const ISSUES_OVERLAP_MS = 60_000;

/**
 * Page sizes that keep a query at one point: GitHub counts one request per connection per parent and rounds
 * requests / 100, so a query may spend 149 (MAX_REQUESTS_PER_POINT). A deployment nests one connection (statuses),
 * an issue three (labels, assignees, closing pull requests); releases and tags nest nothing and ride along for one
 * request each. Once a page told how many are left (`totalCount`), a stream that fits takes what it needs and the
 * other the rest, so a repository's last pages share one query.
 */
export function sidePageSizes(
  open: { deployments: boolean; issues: boolean; releases: boolean; tags: boolean },
  left: { deployments: number; issues: number },
): { deployments: number; issues: number } {
  const budget = MAX_REQUESTS_PER_POINT - (open.releases ? 1 : 0) - (open.tags ? 1 : 0);
  const cap = (n: number) => Math.max(1, Math.min(100, n));
  if (!(open.deployments && open.issues))
    return { deployments: cap(budget - 1), issues: cap(Math.floor((budget - 1) / 3)) };
  const needD = cap(left.deployments);
  const needI = cap(left.issues);
  if (2 + needD + 3 * needI <= budget) return { deployments: needD, issues: needI };
  if (Number.isFinite(left.deployments) && 2 + needD + 3 <= budget)
    return { deployments: needD, issues: cap(Math.floor((budget - 2 - needD) / 3)) };
  if (Number.isFinite(left.issues) && 2 + 3 * needI + 1 <= budget)
    return { deployments: cap(budget - 2 - 3 * needI), issues: needI };
  const issues = Math.floor((budget - 2) / 4);
  return { deployments: cap(budget - 2 - 3 * issues), issues: cap(issues) };
}

/** The rows one deployment of a GraphQL page becomes (null: GitHub gave no id or environment to key it by). */
function deploymentRows(
  d: GqlDeployment,
): { deployment: DeploymentWrite; statuses: DeploymentStatusWrite[] } | null {
  if (d.databaseId === null || !d.environment) return null;
  const deployment: DeploymentWrite = {
    deployment_id: d.databaseId,
    node_id: d.id,
    environment: d.environment,
    sha: d.commitOid,
    ref: d.ref?.name ?? null,
    task: d.task,
    description: d.description,
    creator_login: d.creator?.login ?? null,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
  const statuses: DeploymentStatusWrite[] = [];
  for (const s of [...(d.statuses?.nodes ?? []), d.latestStatus]) {
    const row = s && statusRow(d.databaseId, s);
    if (row) statuses.push(row);
  }
  return { deployment, statuses };
}

function statusRow(deploymentId: number, s: GqlDeploymentStatus): DeploymentStatusWrite | null {
  const state = deploymentState(s.state);
  if (!state) return null;
  return {
    node_id: s.id,
    deployment_id: deploymentId,
    state,
    description: s.description,
    environment_url: s.environmentUrl || null,
    log_url: s.logUrl || null,
    creator_login: s.creator?.login ?? null,
    created_at: s.createdAt,
  };
}

/** The row one issue of a GraphQL page becomes. */
function issueRow(i: GqlIssue): IssueWrite {
  return {
    number: i.number,
    issue_id: i.databaseId,
    node_id: i.id,
    title: i.title,
    state: i.state === 'CLOSED' ? 'closed' : 'open',
    state_reason: i.stateReason ? i.stateReason.toLowerCase() : null,
    author_login: i.author?.login ?? null,
    labels: (i.labels?.nodes ?? []).flatMap((l) => (l ? [l.name] : [])),
    assignees: (i.assignees?.nodes ?? []).flatMap((a) => (a ? [a.login] : [])),
    html_url: i.url,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    closed_by_pull:
      i.state === 'CLOSED'
        ? (i.closedByPullRequestsReferences?.nodes.find((p) => p?.merged)?.number ?? null)
        : null,
  };
}

/** The row one tag ref of a GraphQL page becomes (null: it tags no commit, e.g. a tree or a blob). */
function tagRow(t: GqlTagRef): TagWrite | null {
  const target = t.target;
  if (target?.__typename === 'Commit')
    return { name: t.name, sha: target.oid, tagged_at: null, commit_at: target.committedDate };
  if (target?.__typename === 'Tag' && target.target?.__typename === 'Commit')
    return {
      name: t.name,
      sha: target.target.oid,
      tagged_at: target.tagger?.date ?? null,
      commit_at: target.target.committedDate ?? null,
    };
  return null;
}

export interface SidePassOptions {
  db: Kysely<DB>;
  store: SyncStore;
  gateway: SyncGithubGateway;
  repoId: string;
  nodeId: string;
  cursors: Map<string, CursorRow>;
  /** The streams to read this run. */
  due: readonly SideStream[];
  /** Inside each page's transaction (heartbeat, progress). */
  onPage(tx: Transaction<DB>): Promise<void>;
  shouldYield?(): boolean;
  /** Shrinks pages GitHub answered 502 (too expensive), like the rounds' streams. */
  governor: PageSizeGovernor;
  /** Transient failures in a row before the run gives up (the job retries it later). */
  maxTransientFailures?: number;
  onRetry?(error: Error, attempt: number): void;
  sleep(ms: number): Promise<void>;
  /** How far back a first read goes, in days; 0: everything. */
  historyDays?: number;
  /** The repository's window start (ms; null: everything), which takes precedence over `historyDays`. */
  historyFrom?: number | null;
  /**
   * How many deployments and issues GitHub has (asked with the refs), which sizes a first read's first page; an
   * issue read since a high-water mark finds fewer, so it is used only for streams never read.
   */
  counts?: { deployments: number; issues: number; releases: number; tags: number };
  now?: () => number;
}

/**
 * A repository's deployments, issues, releases and tags, one-point queries that carry a page of each stream still
 * open; each page commits with its cursor, so a run that stops resumes where it was.
 *
 * - deployments, newest first: the first read walks back through the history window; later reads stop at the
 *   first page where nothing is new and no latest status moved (usually the first).
 * - issues, by update: the first read takes those updated in the history window, later reads those updated since
 *   the last read's newest.
 * - releases, newest first, like deployments (a release changed when its `updatedAt` did); one deleted with no
 *   webhook to say so is found missing from the first page (see forgetDeletedReleases).
 * - tags, newest commit first, like deployments (a tag changed when it is new or moved). A tag deleted with no
 *   webhook to say so is found missing from the first page (see forgetDeletedTags).
 *
 * Returns false when it stopped early to yield.
 */
export async function readSideStreams(o: SidePassOptions): Promise<boolean> {
  const now = o.now ?? Date.now;
  const deployments = o.due.includes('deployments') ? deploymentsSide(o, now) : null;
  const issues = o.due.includes('issues') ? new IssuesSide(o, now) : null;
  const releases = o.due.includes('releases') ? releasesSide(o, now) : null;
  const tags = o.due.includes('tags') ? tagsSide(o, now) : null;
  // Streams never read start from GitHub's counts: their first page is sized to what they will find, and one
  // with nothing to find is done without asking.
  const counts = o.counts;
  if (counts) {
    const fresh = (s: SideStream) => !o.cursors.has(s) && counts[s] === 0;
    if (deployments && !o.cursors.has('deployments')) deployments.left = counts.deployments;
    if (issues && !o.cursors.has('issues')) issues.left = counts.issues;
    const empty = [
      ...(deployments && fresh('deployments') ? [deployments] : []),
      ...(issues && fresh('issues') ? [issues] : []),
      ...(releases && fresh('releases') ? [releases] : []),
      ...(tags && fresh('tags') ? [tags] : []),
    ];
    if (empty.length)
      await inTransaction(o.db, async (tx) => {
        for (const side of empty) await side.nothingToRead(tx);
      });
  }
  let failures = 0;
  for (;;) {
    const open = {
      deployments: !!deployments && !deployments.done,
      issues: !!issues && !issues.done,
      releases: !!releases && !releases.done,
      tags: !!tags && !tags.done,
    };
    if (!open.deployments && !open.issues && !open.releases && !open.tags) return true;
    const fits = sidePageSizes(open, {
      deployments: deployments?.left ?? Infinity,
      issues: issues?.left ?? Infinity,
    });
    const size = {
      deployments: Math.min(fits.deployments, o.governor.size('deployments')),
      issues: Math.min(fits.issues, o.governor.size('issues')),
      releases: Math.min(100, o.governor.size('releases')),
      tags: Math.min(100, o.governor.size('tags')),
    };
    const vars: Record<string, unknown> = { id: o.nodeId };
    const requests: Record<string, number> = {};
    if (open.deployments && deployments) {
      Object.assign(vars, { deploymentsFirst: size.deployments, deploymentsAfter: deployments.after });
      requests['deployments'] = 1 + size.deployments;
    }
    if (open.issues && issues) {
      Object.assign(vars, { issuesFirst: size.issues, issuesAfter: issues.after, issuesSince: issues.since });
      requests['issues'] = 1 + 3 * size.issues;
    }
    if (open.releases && releases) {
      Object.assign(vars, { releasesFirst: size.releases, releasesAfter: releases.after });
      requests['releases'] = 1;
    }
    if (open.tags && tags) {
      Object.assign(vars, { tagsFirst: size.tags, tagsAfter: tags.after });
      requests['tags'] = 1;
    }
    const paged = [
      ...(open.deployments ? [{ stream: 'deployments' as const, size: size.deployments }] : []),
      ...(open.issues ? [{ stream: 'issues' as const, size: size.issues }] : []),
      ...(open.releases ? [{ stream: 'releases' as const, size: size.releases }] : []),
      ...(open.tags ? [{ stream: 'tags' as const, size: size.tags }] : []),
    ];
    let answer: Awaited<ReturnType<typeof o.gateway.graphql<SidePageData>>>;
    const tagsFromTop = open.tags && tags?.after === null;
    const releasesFromTop = open.releases && releases?.after === null;
    const askedAt = new Date(now());
    try {
      answer = await o.gateway.graphql<SidePageData>(sideStreamsQuery(open), vars, requests);
    } catch (err) {
      if (!(err instanceof TransientGithubError)) throw err;
      o.governor.failed(paged);
      if (++failures > (o.maxTransientFailures ?? 8)) throw err;
      o.onRetry?.(err, failures);
      await o.sleep(Math.min(30_000, 250 * 2 ** failures) + Math.round(Math.random() * 250));
      continue;
    }
    failures = 0;
    o.governor.succeeded(paged.map((p) => p.stream));
    const node = answer.data?.node;
    const missing =
      (open.deployments && !node?.deployments) ||
      (open.issues && !node?.issues) ||
      (open.releases && !node?.releases) ||
      (open.tags && !node?.tags);
    if (!node || missing)
      throw new UnexpectedGithubAnswerError(
        `GitHub answered without the repository's deployments, issues, releases or tags${answer.errors[0] ? `: ${answer.errors[0].message}` : ''}`,
      );
    await inTransaction(o.db, async (tx) => {
      if (open.deployments && node.deployments)
        await deployments?.page(tx, node.deployments, rowsOf(node.deployments, deploymentRows));
      if (open.issues && node.issues) await issues?.page(tx, node.issues);
      if (open.releases && node.releases)
        await releases?.page(tx, node.releases, rowsOf(node.releases, releaseRow));
      if (open.tags && node.tags) await tags?.page(tx, node.tags, rowsOf(node.tags, tagRow));
      await o.onPage(tx);
    });
    if (tagsFromTop && node.tags) await forgetDeletedTags(o, node.tags, askedAt);
    if (releasesFromTop && node.releases) await forgetDeletedReleases(o, node.releases, askedAt);
    if (o.shouldYield?.()) return false;
  }
}

/**
 * The start of a repository's history window (ms), or null for everything: its own setting (a first day, or
 * everything), else the instance's number of days.
 */
export function historyStart(
  repo: { history_since: string | null; history_all: boolean } | null,
  historyDays: number | undefined,
  now: () => number,
): number | null {
  if (repo?.history_all) return null;
  if (repo?.history_since) return Date.parse(`${repo.history_since}T00:00:00Z`);
  const days = historyDays ?? HISTORY_DAYS;
  return days > 0 ? now() - days * 24 * 3600_000 : null;
}

function windowStart(o: SidePassOptions, now: () => number): number | null {
  return o.historyFrom !== undefined ? o.historyFrom : historyStart(null, o.historyDays, now);
}

/**
 * A stream read newest first (deployments, releases, tags): back through the history window once (resumable: the cursor
 * commits with each page), then only until a page brings nothing new, which is usually the first.
 */
class NewestFirstSide<Row> {
  done = false;
  /** How many GitHub still lists past the pages read (Infinity before the first). */
  left = Infinity;
  private readonly cursor: CursorRow;
  private readonly backfilled: boolean;
  private readonly from: number | null;

  constructor(
    private readonly o: SidePassOptions,
    private readonly now: () => number,
    private readonly stream: 'deployments' | 'releases' | 'tags',
    /** The time the stream is ordered by (null: unknown, kept whatever the window). */
    private readonly createdAt: (row: Row) => Date | string | null,
    /** Stores a page's rows (those in the window); true when any of them was new or changed on GitHub. */
    private readonly write: (tx: Transaction<DB>, rows: Row[]) => Promise<boolean>,
  ) {
    this.from = windowStart(o, now);
    this.cursor = o.cursors.get(stream) ?? emptyCursor(stream);
    this.backfilled = !!this.cursor.state['backfilledAt'];
    if (this.backfilled) this.cursor.end_cursor = null;
  }

  get after(): string | null {
    return this.cursor.end_cursor;
  }

  /** GitHub counts none: the read is complete without a page. */
  async nothingToRead(tx: Transaction<DB>): Promise<void> {
    const at = new Date(this.now()).toISOString();
    this.done = true;
    this.cursor.end_cursor = null;
    this.cursor.state = { ...this.cursor.state, checkedAt: at, backfilledAt: at };
    await this.o.store.saveCursor(tx, this.o.repoId, this.stream, this.cursor);
  }

  async page(tx: Transaction<DB>, conn: GqlConnection<unknown>, all: Row[]): Promise<void> {
    this.left = (Number.isFinite(this.left) ? this.left : conn.totalCount) - conn.nodes.length;
    const from = this.from;
    const time = (r: Row) => {
      const at = this.createdAt(r);
      return at === null ? Number.NaN : Date.parse(String(at));
    };
    // Only the history window, whatever the page size: the same rows however GitHub made us page.
    const moved = await this.write(
      tx,
      from === null ? all : all.filter((r) => Number.isNaN(time(r)) || time(r) >= from),
    );
    const last = all[all.length - 1];
    const pastWindow = from !== null && last !== undefined && time(last) < from;
    const end = !conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor;
    // Once backfilled, a page that brought nothing new means the older ones have not changed either.
    this.done = end || pastWindow || (this.backfilled && !moved);
    const at = new Date(this.now()).toISOString();
    this.cursor.end_cursor = this.done ? null : conn.pageInfo.endCursor;
    this.cursor.state = { ...this.cursor.state, checkedAt: at, ...(this.done ? { backfilledAt: at } : {}) };
    await this.o.store.saveCursor(tx, this.o.repoId, this.stream, this.cursor);
  }
}

type DeploymentRows = NonNullable<ReturnType<typeof deploymentRows>>;

function deploymentsSide(o: SidePassOptions, now: () => number): NewestFirstSide<DeploymentRows> {
  return new NewestFirstSide<DeploymentRows>(
    o,
    now,
    'deployments',
    (r) => r.deployment.created_at,
    async (tx, rows) => {
      const moved = await changedOnGithub(tx, o.repoId, rows);
      await DeploymentsRepository.upsert(
        tx,
        o.repoId,
        rows.map((r) => r.deployment),
        rows.flatMap((r) => r.statuses),
      );
      await o.store.insertActivity(tx, o.repoId, rows.flatMap(deploymentEntries));
      return moved;
    },
  );
}

function releasesSide(o: SidePassOptions, now: () => number): NewestFirstSide<ReleaseWrite> {
  return new NewestFirstSide<ReleaseWrite>(
    o,
    now,
    'releases',
    (r) => r.created_at,
    async (tx, rows) => {
      const stored = await ReleasesRepository.updatedAt(
        tx,
        o.repoId,
        rows.map((r) => r.release_id),
      );
      const moved = rows.some(
        (r) => stored.get(r.release_id) !== new Date(String(r.updated_at)).toISOString(),
      );
      await ReleasesRepository.upsert(tx, o.repoId, rows);
      const entries = rows.flatMap((r) => {
        const e = releaseActivity(r);
        return e ? [toActivityWrite('release', e)] : [];
      });
      await o.store.insertActivity(tx, o.repoId, entries);
      return moved;
    },
  );
}

function tagsSide(o: SidePassOptions, now: () => number): NewestFirstSide<TagWrite> {
  return new NewestFirstSide<TagWrite>(
    o,
    now,
    'tags',
    // GitHub orders tag refs by their commit's date.
    (r) => r.commit_at ?? r.tagged_at,
    async (tx, rows) => {
      const stored = await TagsRepository.shas(
        tx,
        o.repoId,
        rows.map((r) => r.name),
      );
      await TagsRepository.upsert(tx, o.repoId, rows, new Date(now()));
      return rows.some((r) => stored.get(r.name) !== r.sha);
    },
  );
}

/**
 * Marks deleted the stored tags that GitHub's first page of tags (read at `askedAt`, newest commit first) shows
 * are gone: any live tag when the page is the whole list, else one whose commit is newer than the page's oldest,
 * since it would be on the page; one seen in the last minutes is left for the next run (SETTLING_MS). Absence is
 * not proof (a tag moved to an older commit is on a later page), so each is asked about by name first (see
 * confirmedGone); a webhook that saw the tag after `askedAt` still wins.
 * Returns how many were marked.
 */
async function forgetDeletedTags(
  o: StillThereOptions,
  page: GqlConnection<GqlTagRef | null>,
  askedAt: Date,
): Promise<number> {
  const newerThan = oldestListed(
    page,
    rowsOf(page, tagRow).map((r) => r.commit_at),
  );
  if (newerThan === undefined) return 0;
  const listed = page.nodes.flatMap((n) => (n ? [n.name] : []));
  const missing = await TagsRepository.liveNotListed(
    o.db,
    o.repoId,
    listed,
    newerThan,
    new Date(askedAt.getTime() - SETTLING_MS),
    MAX_ASKED_STILL_THERE,
  );
  const gone = await confirmedGone(
    o,
    'tags',
    missing,
    (name) => `refs/tags/${name}`,
    (field) => field === null,
  );
  if (gone.length)
    await inTransaction(o.db, async (tx) => {
      for (const name of gone) await TagsRepository.markDeleted(tx, o.repoId, name, askedAt);
    });
  return gone.length;
}

/**
 * The same for releases (newest created first): a published release missing from the first page is asked about
 * by its tag, and marked deleted when GitHub has no release on that tag, or another one. Drafts are left alone:
 * GitHub lists them only to those who may push. Returns how many were marked.
 */
async function forgetDeletedReleases(
  o: StillThereOptions,
  page: GqlConnection<GqlRelease | null>,
  askedAt: Date,
): Promise<number> {
  const newerThan = oldestListed(
    page,
    page.nodes.map((n) => n?.createdAt ?? null),
  );
  if (newerThan === undefined) return 0;
  const listed = page.nodes.flatMap((n) => (n?.databaseId ? [n.databaseId] : []));
  const missing = await ReleasesRepository.publishedNotListed(
    o.db,
    o.repoId,
    listed,
    newerThan,
    new Date(askedAt.getTime() - SETTLING_MS),
    MAX_ASKED_STILL_THERE,
  );
  const gone = await confirmedGone(
    o,
    'releases',
    missing,
    (r) => r.tag_name,
    (field, r) => field === null || (field as { databaseId?: unknown }).databaseId !== r.release_id,
  );
  if (gone.length)
    await ReleasesRepository.markGone(
      o.db,
      o.repoId,
      gone.map((r) => r.release_id),
      askedAt,
    );
  return gone.length;
}

type StillThereOptions = Pick<SidePassOptions, 'db' | 'gateway' | 'repoId' | 'nodeId'>;

/**
 * A tag seen, or a release created, this recently is not judged missing: GitHub's lists may not show what a
 * webhook just told us yet, and a release taken for deleted stays deleted.
 */
const SETTLING_MS = 10 * 60_000;

/**
 * How far a first page, newest first, speaks for: null when it is the whole list, else its oldest time (what is
 * newer would be on it); undefined when it cannot say.
 */
function oldestListed(
  page: GqlConnection<unknown>,
  times: Array<Date | string | null>,
): string | null | undefined {
  if (!page.pageInfo.hasNextPage) return null;
  const ms = times.flatMap((t) => (t ? [Date.parse(String(t))] : [])).filter((t) => !Number.isNaN(t));
  return ms.length ? new Date(Math.min(...ms)).toISOString() : undefined;
}

/**
 * Of `missing`, those GitHub confirms are gone, asked in one query. Nothing is confirmed by an answer with errors
 * or by a transient failure: the next run asks again.
 */
async function confirmedGone<T>(
  o: StillThereOptions,
  kind: 'tags' | 'releases',
  missing: T[],
  argOf: (item: T) => string,
  gone: (field: unknown, item: T) => boolean,
): Promise<T[]> {
  if (!missing.length) return [];
  const vars: Record<string, unknown> = { id: o.nodeId };
  missing.forEach((item, i) => (vars[`x${i}`] = argOf(item)));
  let answer: Awaited<ReturnType<typeof o.gateway.graphql<{ node: Record<string, unknown> | null }>>>;
  try {
    answer = await o.gateway.graphql(stillThereQuery(kind, missing.length), vars, { [kind]: 1 });
  } catch (err) {
    if (err instanceof TransientGithubError) return [];
    throw err;
  }
  const node = answer.data?.node;
  if (!node || answer.errors.length) return [];
  return missing.filter((item, i) => `x${i}` in node && gone(node[`x${i}`], item));
}

class IssuesSide {
  done = false;
  /** How many GitHub still lists past the pages read (Infinity before the first). */
  left = Infinity;
  private readonly cursor: CursorRow;

  constructor(
    private readonly o: SidePassOptions,
    private readonly now: () => number,
  ) {
    this.cursor = o.cursors.get('issues') ?? emptyCursor('issues');
    // A walk in progress keeps the `since` its cursor belongs to.
    if (!this.cursor.end_cursor || !('since' in this.cursor.state)) {
      const from = this.cursor.high_water
        ? new Date(this.cursor.high_water).getTime() - ISSUES_OVERLAP_MS
        : windowStart(o, now);
      this.cursor.end_cursor = null;
      this.cursor.state = {
        ...this.cursor.state,
        since: from === null ? null : new Date(from).toISOString(),
      };
    }
  }

  get after(): string | null {
    return this.cursor.end_cursor;
  }

  /** Issues updated since then (null: all of them). */
  get since(): string | null {
    const since = this.cursor.state['since'];
    return typeof since === 'string' ? since : null;
  }

  /** GitHub counts no issue at all: the read is complete without a page. */
  nothingToRead(tx: Transaction<DB>): Promise<void> {
    return this.page(tx, { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] });
  }

  async page(tx: Transaction<DB>, conn: GqlConnection<GqlIssue | null>): Promise<void> {
    this.left = (Number.isFinite(this.left) ? this.left : conn.totalCount) - conn.nodes.length;
    const rows = rowsOf(conn, issueRow);
    await IssuesRepository.upsert(tx, this.o.repoId, rows);
    const newest = rows.reduce<Date | null>(
      (max, r) => {
        const t = new Date(r.updated_at);
        return !max || t > max ? t : max;
      },
      this.cursor.pending_high_water ? new Date(this.cursor.pending_high_water) : null,
    );
    this.done = !conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor;
    if (this.done) {
      const prev = this.cursor.high_water ? new Date(this.cursor.high_water) : null;
      this.cursor.high_water = newest && (!prev || newest > prev) ? newest : prev;
      this.cursor.pending_high_water = null;
      this.cursor.end_cursor = null;
      this.cursor.state = { ...this.cursor.state, checkedAt: new Date(this.now()).toISOString() };
      // No high water yet (a repository without issues): the next read starts where this one looked from.
      this.cursor.high_water ??= new Date((this.since ? Date.parse(this.since) : 0) + ISSUES_OVERLAP_MS);
    } else {
      this.cursor.pending_high_water = newest;
      this.cursor.end_cursor = conn.pageInfo.endCursor;
    }
    await this.o.store.saveCursor(tx, this.o.repoId, 'issues', this.cursor);
  }
}

/** The row one release of a GraphQL page becomes (null: no id to key it by). */
function releaseRow(r: GqlRelease): ReleaseWrite | null {
  if (r.databaseId === null) return null;
  return {
    release_id: r.databaseId,
    node_id: r.id,
    tag_name: r.tagName,
    name: r.name,
    // GraphQL names the tagged commit, not the target the release was made from.
    target_commitish: null,
    sha: r.tagCommit?.oid ?? null,
    draft: r.isDraft,
    prerelease: r.isPrerelease,
    author_login: r.author?.login ?? null,
    html_url: r.url,
    created_at: r.createdAt,
    published_at: r.publishedAt,
    updated_at: r.updatedAt,
  };
}

/** The rows of a page's non-null nodes that `toRow` can key. */
function rowsOf<Node, Row>(conn: GqlConnection<Node | null>, toRow: (n: Node) => Row | null): Row[] {
  return conn.nodes.flatMap((n) => {
    const row = n === null ? null : toRow(n);
    return row === null ? [] : [row];
  });
}

/** True when a row of the page is not stored yet or its latest status differs from the stored one. */
async function changedOnGithub(
  db: SqlExecutor<DB>,
  repoId: string,
  rows: Array<{ deployment: DeploymentWrite; statuses: DeploymentStatusWrite[] }>,
): Promise<boolean> {
  const stored = await DeploymentsRepository.latestStates(
    db,
    repoId,
    rows.map((r) => r.deployment.deployment_id),
  );
  return rows.some((r) => {
    if (!stored.has(r.deployment.deployment_id)) return true;
    const latest = [...r.statuses].sort(
      (a, b) => Date.parse(String(b.created_at)) - Date.parse(String(a.created_at)),
    )[0];
    return (latest?.state ?? null) !== stored.get(r.deployment.deployment_id);
  });
}

function deploymentEntries(r: {
  deployment: DeploymentWrite;
  statuses: DeploymentStatusWrite[];
}): ActivityWrite[] {
  return r.statuses.flatMap((s) => {
    const e = deploymentActivity(r.deployment, s);
    return e ? [toActivityWrite('deployment', e)] : [];
  });
}

function toActivityWrite(type: ActivityWrite['type'], e: TimelineEntry): ActivityWrite {
  return {
    type,
    actor: e.actor,
    title: e.title,
    url: e.url,
    occurred_at: e.occurredAt.toISOString(),
    data: e.data,
    dedupe_key: e.dedupeKey,
  };
}
