import { Injectable } from '@nestjs/common';
import type { ActivityFigures, RepoActivity, ReviewQueue } from '@trackeep/contracts';
import { Kysely, sql, type RawBuilder } from 'kysely';
import type { DB } from '../database/db.types';

/** Whose work a figure counts, and where. */
export interface FigureScope {
  githubHost: string;
  /** Repositories the viewer may read (already narrowed to the organization's). */
  repoIds: readonly string[];
  /** Lowercased logins of the people counted (a team's); null: everyone. */
  authors: readonly string[] | null;
  includeBots: boolean;
  /** Lowercased logins configured as bots (BOT_LOGINS). */
  botLogins: readonly string[];
}

export interface Range {
  from: Date;
  to: Date;
}

export type FigureRow = ActivityFigures & { current: boolean };

export type ReviewQueueRow = ReviewQueue & { current: boolean };

export type RepoActivityRow = RepoActivity;

export interface WeekRow {
  weekStart: Date;
  commits: number;
  linesChanged: number;
  pullsOpened: number;
  pullsMerged: number;
  activeContributors: number;
  cycleTimeMedianHours: number | null;
}

export interface OrgRow {
  id: string;
  githubId: number;
  login: string;
  name: string | null;
  avatarUrl: string | null;
  syncedAt: Date | null;
}

export interface TeamRow {
  id: string;
  githubId: number;
  slug: string;
  name: string;
  description: string | null;
  privacy: string;
  parentGithubId: number | null;
  /** Direct members (GitHub's list of a team includes its child teams' members). */
  members: number;
}

export interface PersonRow {
  githubId: number;
  login: string;
  name: string | null;
  avatarUrl: string | null;
  type: string;
}

const num = (v: unknown): number => Number(v ?? 0);
const hours = (v: unknown): number | null =>
  v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10;

/** Reads of organizations, teams, people and the figures of their pages. */
@Injectable()
export class TeamsReadRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Owners of tracked repositories (some are organizations). */
  async trackedOwners(githubHost: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('repositories as r')
      .innerJoin('tracked_repos as t', 't.repo_id', 'r.id')
      .select(sql<string>`min(r.owner)`.as('owner'))
      .where('r.github_host', '=', githubHost)
      .groupBy(sql`lower(r.owner)`)
      .execute();
    return rows.map((r) => r.owner);
  }

  /** People who track a repository of `owner` and may be asked to read it: known members first. */
  async trackersOf(githubHost: string, owner: string): Promise<string[]> {
    const rows = await sql<{ user_id: string }>`
      SELECT u.id AS user_id
        FROM users u
       WHERE u.github_host = ${githubHost} AND NOT u.reauth_required AND u.github_token_enc IS NOT NULL
         AND EXISTS (SELECT 1 FROM tracked_repos t JOIN repositories r ON r.id = t.repo_id
                      WHERE t.user_id = u.id AND r.github_host = ${githubHost} AND lower(r.owner) = lower(${owner}))
       ORDER BY EXISTS (SELECT 1 FROM github_orgs o JOIN org_members m ON m.org_id = o.id
                         WHERE o.github_host = ${githubHost} AND lower(o.login) = lower(${owner})
                           AND m.person_github_id = u.github_id) DESC,
                u.last_login_at DESC NULLS LAST`.execute(this.db);
    return rows.rows.map((r) => r.user_id);
  }

  async findOrg(githubHost: string, login: string): Promise<OrgRow | null> {
    const row = await this.db
      .selectFrom('github_orgs')
      .select(['id', 'github_id', 'login', 'name', 'avatar_url', 'synced_at'])
      .where('github_host', '=', githubHost)
      .where(sql`lower(login)`, '=', login.toLowerCase())
      .orderBy('synced_at', sql`desc nulls last`)
      .executeTakeFirst();
    return row
      ? {
          id: row.id,
          githubId: Number(row.github_id),
          login: row.login,
          name: row.name,
          avatarUrl: row.avatar_url,
          syncedAt: row.synced_at,
        }
      : null;
  }

  /** Organizations the person is a member of, by login. */
  async orgsOf(
    githubHost: string,
    personGithubId: number,
  ): Promise<Array<{ login: string; name: string | null }>> {
    return this.db
      .selectFrom('github_orgs as o')
      .innerJoin('org_members as m', 'm.org_id', 'o.id')
      .select(['o.login', 'o.name'])
      .where('o.github_host', '=', githubHost)
      .where('m.person_github_id', '=', String(personGithubId))
      .orderBy(sql`lower(o.login)`)
      .execute();
  }

  /** The person's role in the organization as GitHub last told us (member, admin), or null. */
  async memberRole(orgId: string, personGithubId: number): Promise<string | null> {
    const row = await this.db
      .selectFrom('org_members')
      .select('role')
      .where('org_id', '=', orgId)
      .where('person_github_id', '=', String(personGithubId))
      .executeTakeFirst();
    return row?.role ?? null;
  }

  async isMember(orgId: string, personGithubId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('org_members')
      .select('org_id')
      .where('org_id', '=', orgId)
      .where('person_github_id', '=', String(personGithubId))
      .executeTakeFirst();
    return !!row;
  }

  async teams(orgId: string): Promise<TeamRow[]> {
    const rows = await this.db
      .selectFrom('teams as t')
      .leftJoin('team_members as m', 'm.team_id', 't.id')
      .select([
        't.id',
        't.github_id',
        't.slug',
        't.name',
        't.description',
        't.privacy',
        't.parent_github_id',
        sql<string>`count(m.person_github_id)`.as('members'),
      ])
      .where('t.org_id', '=', orgId)
      .groupBy('t.id')
      .orderBy(sql`lower(t.name)`)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      githubId: Number(r.github_id),
      slug: r.slug,
      name: r.name,
      description: r.description,
      privacy: r.privacy,
      parentGithubId: r.parent_github_id === null ? null : Number(r.parent_github_id),
      members: num(r.members),
    }));
  }

  /** The members of a team and of every team nested under it, each once. */
  async teamMembers(githubHost: string, orgId: string, teamGithubId: number): Promise<PersonRow[]> {
    const rows = await sql<{
      github_id: string;
      login: string;
      name: string | null;
      avatar_url: string | null;
      type: string;
    }>`
      WITH RECURSIVE tree AS (
        SELECT id, github_id FROM teams WHERE org_id = ${orgId} AND github_id = ${String(teamGithubId)}
        UNION
        SELECT t.id, t.github_id FROM teams t JOIN tree ON t.parent_github_id = tree.github_id WHERE t.org_id = ${orgId}
      )
      SELECT p.github_id, p.login, p.name, p.avatar_url, p.type
        FROM people p
       WHERE p.github_host = ${githubHost}
         AND p.github_id IN (SELECT m.person_github_id FROM team_members m JOIN tree ON tree.id = m.team_id)
       ORDER BY lower(p.login)`.execute(this.db);
    return rows.rows.map(toPerson);
  }

  /** GitHub ids of the team's repositories (its own and those of its parents, which its members inherit). */
  async teamRepoGithubIds(orgId: string, teamGithubId: number): Promise<number[]> {
    const rows = await sql<{ repo_github_id: string }>`
      WITH RECURSIVE up AS (
        SELECT id, parent_github_id FROM teams WHERE org_id = ${orgId} AND github_id = ${String(teamGithubId)}
        UNION
        SELECT t.id, t.parent_github_id FROM teams t JOIN up ON t.github_id = up.parent_github_id WHERE t.org_id = ${orgId}
      )
      SELECT DISTINCT r.repo_github_id FROM team_repos r JOIN up ON up.id = r.team_id`.execute(this.db);
    return rows.rows.map((r) => Number(r.repo_github_id));
  }

  /** Of the given repositories, those owned by `owner`, with their names and GitHub ids. */
  async reposOfOwner(
    repoIds: readonly string[],
    owner: string,
  ): Promise<Array<{ id: string; fullName: string; githubId: number }>> {
    if (!repoIds.length) return [];
    const rows = await this.db
      .selectFrom('repositories')
      .select(['id', 'full_name', 'github_id'])
      .where('id', 'in', repoIds)
      .where(sql`lower(owner)`, '=', owner.toLowerCase())
      .orderBy(sql`lower(full_name)`)
      .execute();
    return rows.map((r) => ({ id: r.id, fullName: r.full_name, githubId: Number(r.github_id) }));
  }

  async findPerson(githubHost: string, login: string): Promise<PersonRow | null> {
    const row = await this.db
      .selectFrom('people')
      .select(['github_id', 'login', 'name', 'avatar_url', 'type'])
      .where('github_host', '=', githubHost)
      .where(sql`lower(login)`, '=', login.toLowerCase())
      .orderBy('updated_at', 'desc')
      .executeTakeFirst();
    return row ? toPerson(row) : null;
  }

  // --- figures -------------------------------------------------------------------------------------------

  /** The period's figures and the previous period's (`current` tells which row is which). */
  async figures(s: FigureScope, current: Range, previous: Range): Promise<FigureRow[]> {
    const ids = [...s.repoIds];
    const rows = await sql<Record<string, unknown>>`
      WITH c AS (
        SELECT c.committed_at >= ${current.from} AS cur,
               lower(coalesce(c.author_login, c.author_email, c.author_name)) AS who,
               coalesce(c.additions, 0) AS added, coalesce(c.deletions, 0) AS deleted
          FROM commits c
         WHERE c.repo_id = ANY(${ids}::uuid[])
           AND c.committed_at >= ${previous.from} AND c.committed_at < ${current.to}
           AND ${commitFilter(s)}
      ), po AS (
        SELECT p.created_at >= ${current.from} AS cur, lower(p.author_login) AS who
          FROM pull_requests p
         WHERE p.repo_id = ANY(${ids}::uuid[])
           AND p.created_at >= ${previous.from} AND p.created_at < ${current.to}
           AND ${pullFilter(s)}
      ), pm AS (
        SELECT p.merged_at >= ${current.from} AS cur, lower(p.author_login) AS who,
               extract(epoch FROM (p.merged_at - p.created_at)) / 3600.0 AS hours
          FROM pull_requests p
         WHERE p.repo_id = ANY(${ids}::uuid[])
           AND p.merged_at >= ${previous.from} AND p.merged_at < ${current.to}
           AND ${pullFilter(s)}
      ), ca AS (
        SELECT cur, count(*) AS commits, sum(added) AS added, sum(deleted) AS deleted FROM c GROUP BY cur
      ), poa AS (
        SELECT cur, count(*) AS opened FROM po GROUP BY cur
      ), pma AS (
        SELECT cur, count(*) AS merged, percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median,
               percentile_cont(0.75) WITHIN GROUP (ORDER BY hours) AS p75
          FROM pm GROUP BY cur
      ), wa AS (
        SELECT cur, count(DISTINCT who) AS contributors
          FROM (SELECT cur, who FROM c UNION ALL SELECT cur, who FROM po UNION ALL SELECT cur, who FROM pm) x
         GROUP BY cur
      )
      -- One pass per table, grouped: a subquery per figure and period would rescan each set every time.
      SELECT b.cur, coalesce(ca.commits, 0) AS commits, coalesce(ca.added, 0) AS added,
             coalesce(ca.deleted, 0) AS deleted, coalesce(poa.opened, 0) AS opened,
             coalesce(pma.merged, 0) AS merged, pma.median, pma.p75,
             coalesce(wa.contributors, 0) AS contributors
        FROM (VALUES (true), (false)) AS b(cur)
        LEFT JOIN ca ON ca.cur = b.cur
        LEFT JOIN poa ON poa.cur = b.cur
        LEFT JOIN pma ON pma.cur = b.cur
        LEFT JOIN wa ON wa.cur = b.cur`.execute(this.db);
    return rows.rows.map((r) => ({
      current: r['cur'] === true,
      commits: num(r['commits']),
      linesAdded: num(r['added']),
      linesDeleted: num(r['deleted']),
      pullsOpened: num(r['opened']),
      pullsMerged: num(r['merged']),
      cycleTimeMedianHours: hours(r['median']),
      cycleTimeP75Hours: hours(r['p75']),
      activeContributors: num(r['contributors']),
    }));
  }

  /**
   * Pull requests waiting for a first review at two instants (now, or the period's end; and the previous
   * period's end), with how long they had waited then.
   */
  async reviewQueue(s: FigureScope, currentAt: Date, previousAt: Date): Promise<ReviewQueueRow[]> {
    const ids = [...s.repoIds];
    const rows = await sql<Record<string, unknown>>`
      SELECT t.cur, count(w.hours) AS waiting,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY w.hours) AS median, max(w.hours) AS longest
        FROM (VALUES (true, ${currentAt}::timestamptz), (false, ${previousAt}::timestamptz)) AS t(cur, at)
        LEFT JOIN LATERAL (
          SELECT extract(epoch FROM (t.at - p.created_at)) / 3600.0 AS hours
            FROM pull_requests p
           WHERE p.repo_id = ANY(${ids}::uuid[]) AND NOT p.draft AND p.created_at <= t.at
             AND (p.merged_at IS NULL OR p.merged_at > t.at) AND (p.closed_at IS NULL OR p.closed_at > t.at)
             AND ((p.first_review_at IS NULL AND p.review_count = 0) OR p.first_review_at > t.at)
             AND ${pullFilter(s)}
        ) w ON true
       GROUP BY t.cur`.execute(this.db);
    return rows.rows.map((r) => ({
      current: r['cur'] === true,
      waiting: num(r['waiting']),
      medianWaitingHours: hours(r['median']),
      longestWaitingHours: hours(r['longest']),
    }));
  }

  /** The repositories with the most work in the range (commits and merged pull requests). */
  async mostActiveRepos(s: FigureScope, range: Range, limit: number): Promise<RepoActivityRow[]> {
    const ids = [...s.repoIds];
    const rows = await sql<Record<string, unknown>>`
      SELECT r.full_name, coalesce(cc.commits, 0) AS commits, coalesce(cc.lines, 0) AS lines,
             coalesce(po.opened, 0) AS opened, coalesce(pm.merged, 0) AS merged
        FROM repositories r
        LEFT JOIN (SELECT c.repo_id, count(*) AS commits,
                          sum(coalesce(c.additions, 0) + coalesce(c.deletions, 0)) AS lines
                     FROM commits c
                    WHERE c.repo_id = ANY(${ids}::uuid[])
                      AND c.committed_at >= ${range.from} AND c.committed_at < ${range.to} AND ${commitFilter(s)}
                    GROUP BY c.repo_id) cc ON cc.repo_id = r.id
        LEFT JOIN (SELECT p.repo_id, count(*) AS opened FROM pull_requests p
                    WHERE p.repo_id = ANY(${ids}::uuid[])
                      AND p.created_at >= ${range.from} AND p.created_at < ${range.to} AND ${pullFilter(s)}
                    GROUP BY p.repo_id) po ON po.repo_id = r.id
        LEFT JOIN (SELECT p.repo_id, count(*) AS merged FROM pull_requests p
                    WHERE p.repo_id = ANY(${ids}::uuid[])
                      AND p.merged_at >= ${range.from} AND p.merged_at < ${range.to} AND ${pullFilter(s)}
                    GROUP BY p.repo_id) pm ON pm.repo_id = r.id
       WHERE r.id = ANY(${ids}::uuid[])
         AND (cc.commits IS NOT NULL OR po.opened IS NOT NULL OR pm.merged IS NOT NULL)
       ORDER BY coalesce(cc.commits, 0) + coalesce(pm.merged, 0) + coalesce(po.opened, 0) DESC, lower(r.full_name)
       LIMIT ${limit}`.execute(this.db);
    return rows.rows.map((r) => ({
      fullName: String(r['full_name']),
      commits: num(r['commits']),
      linesChanged: num(r['lines']),
      pullsOpened: num(r['opened']),
      pullsMerged: num(r['merged']),
    }));
  }

  /** One row per week from `from` (a week start) until `to`, weeks without work included. */
  async weekly(s: FigureScope, from: Date, to: Date): Promise<WeekRow[]> {
    const ids = [...s.repoIds];
    const week = (col: RawBuilder<unknown>) =>
      sql`floor(extract(epoch FROM (${col} - ${from}::timestamptz)) / 604800)::int`;
    const rows = await sql<Record<string, unknown>>`
      WITH weeks AS (
        SELECT n, ${from}::timestamptz + make_interval(days => 7 * n) AS start
          FROM generate_series(0, greatest(0, ceil(extract(epoch FROM (${to}::timestamptz - ${from}::timestamptz)) / 604800)::int - 1)) AS n
      ), c AS (
        SELECT ${week(sql`c.committed_at`)} AS n,
               lower(coalesce(c.author_login, c.author_email, c.author_name)) AS who,
               coalesce(c.additions, 0) + coalesce(c.deletions, 0) AS lines
          FROM commits c
         WHERE c.repo_id = ANY(${ids}::uuid[]) AND c.committed_at >= ${from} AND c.committed_at < ${to}
           AND ${commitFilter(s)}
      ), po AS (
        SELECT ${week(sql`p.created_at`)} AS n, lower(p.author_login) AS who
          FROM pull_requests p
         WHERE p.repo_id = ANY(${ids}::uuid[]) AND p.created_at >= ${from} AND p.created_at < ${to}
           AND ${pullFilter(s)}
      ), pm AS (
        SELECT ${week(sql`p.merged_at`)} AS n, lower(p.author_login) AS who,
               extract(epoch FROM (p.merged_at - p.created_at)) / 3600.0 AS hours
          FROM pull_requests p
         WHERE p.repo_id = ANY(${ids}::uuid[]) AND p.merged_at >= ${from} AND p.merged_at < ${to}
           AND ${pullFilter(s)}
      ), ca AS (
        SELECT n, count(*) AS commits, sum(lines) AS lines FROM c GROUP BY n
      ), poa AS (
        SELECT n, count(*) AS opened FROM po GROUP BY n
      ), pma AS (
        SELECT n, count(*) AS merged, percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median FROM pm GROUP BY n
      ), wa AS (
        SELECT n, count(DISTINCT who) AS contributors
          FROM (SELECT n, who FROM c UNION ALL SELECT n, who FROM po UNION ALL SELECT n, who FROM pm) x
         GROUP BY n
      )
      SELECT w.start, coalesce(ca.commits, 0) AS commits, coalesce(ca.lines, 0) AS lines,
             coalesce(poa.opened, 0) AS opened, coalesce(pma.merged, 0) AS merged, pma.median,
             coalesce(wa.contributors, 0) AS contributors
        FROM weeks w
        LEFT JOIN ca ON ca.n = w.n
        LEFT JOIN poa ON poa.n = w.n
        LEFT JOIN pma ON pma.n = w.n
        LEFT JOIN wa ON wa.n = w.n
       ORDER BY w.n`.execute(this.db);
    return rows.rows.map((r) => ({
      weekStart: new Date(r['start'] as Date),
      commits: num(r['commits']),
      linesChanged: num(r['lines']),
      pullsOpened: num(r['opened']),
      pullsMerged: num(r['merged']),
      activeContributors: num(r['contributors']),
      cycleTimeMedianHours: hours(r['median']),
    }));
  }

  // --- a person's work -----------------------------------------------------------------------------------

  async personCommits(repoIds: readonly string[], login: string, limit: number) {
    if (!repoIds.length) return [];
    return this.db
      .selectFrom('commits as c')
      .innerJoin('repositories as r', 'r.id', 'c.repo_id')
      .select([
        'r.full_name',
        'c.sha',
        'c.message',
        'c.committed_at',
        'c.additions',
        'c.deletions',
        'c.html_url',
      ])
      .where('c.repo_id', 'in', repoIds)
      .where(sql`lower(c.author_login)`, '=', login.toLowerCase())
      .orderBy('c.committed_at', 'desc')
      .orderBy('c.sha', 'desc')
      .limit(limit)
      .execute();
  }

  async personPulls(repoIds: readonly string[], login: string, limit: number) {
    if (!repoIds.length) return [];
    return this.db
      .selectFrom('pull_requests as p')
      .innerJoin('repositories as r', 'r.id', 'p.repo_id')
      .select([
        'r.full_name',
        'p.number',
        'p.title',
        'p.state',
        'p.draft',
        'p.created_at',
        'p.merged_at',
        'p.closed_at',
        'p.first_review_at',
        'p.review_count',
        'p.html_url',
      ])
      .where('p.repo_id', 'in', repoIds)
      .where(sql`lower(p.author_login)`, '=', login.toLowerCase())
      .orderBy('p.created_at', 'desc')
      .orderBy('p.number', 'desc')
      .limit(limit)
      .execute();
  }

  /** Pull requests the person reviewed, most recently reviewed first, with their latest review of each. */
  async personReviews(repoIds: readonly string[], login: string, limit: number) {
    if (!repoIds.length) return [];
    const rows = await sql<{
      full_name: string;
      number: number;
      title: string;
      state: string;
      merged_at: Date | null;
      review_state: string;
      submitted_at: Date;
      html_url: string;
    }>`
      SELECT r.full_name, p.number, p.title, p.state, p.merged_at, v.state AS review_state, v.submitted_at,
             p.html_url
        FROM (SELECT DISTINCT ON (repo_id, pull_number) repo_id, pull_number, state, submitted_at
                FROM pull_request_reviews
               WHERE lower(reviewer_login) = ${login.toLowerCase()} AND repo_id = ANY(${[...repoIds]}::uuid[])
               ORDER BY repo_id, pull_number, submitted_at DESC) v
        JOIN pull_requests p ON p.repo_id = v.repo_id AND p.number = v.pull_number
        JOIN repositories r ON r.id = v.repo_id
       ORDER BY v.submitted_at DESC, r.full_name, p.number
       LIMIT ${limit}`.execute(this.db);
    return rows.rows;
  }

  /** Reviews the person submitted since `since`, and the open pull requests they have reviewed. */
  async reviewLoad(repoIds: readonly string[], login: string, since: Date) {
    if (!repoIds.length) return { recent: 0, open: 0 };
    const rows = await sql<{ recent: string; open: string }>`
      SELECT count(*) FILTER (WHERE v.submitted_at >= ${since}) AS recent,
             count(DISTINCT v.pull_number::text || ':' || v.repo_id::text) FILTER (WHERE p.state = 'open') AS open
        FROM pull_request_reviews v
        JOIN pull_requests p ON p.repo_id = v.repo_id AND p.number = v.pull_number
       WHERE lower(v.reviewer_login) = ${login.toLowerCase()} AND v.repo_id = ANY(${[...repoIds]}::uuid[])`.execute(
      this.db,
    );
    return { recent: num(rows.rows[0]?.recent), open: num(rows.rows[0]?.open) };
  }

  /** Per repository: the person's commits and pull requests (all time), most recent work first. */
  async personRepos(repoIds: readonly string[], login: string) {
    if (!repoIds.length) return [];
    const ids = [...repoIds];
    const rows = await sql<Record<string, unknown>>`
      SELECT r.full_name, coalesce(c.commits, 0) AS commits, coalesce(p.pulls, 0) AS pulls,
             greatest(c.last_at, p.last_at) AS last_at
        FROM repositories r
        LEFT JOIN (SELECT repo_id, count(*) AS commits, max(committed_at) AS last_at FROM commits
                    WHERE repo_id = ANY(${ids}::uuid[]) AND lower(author_login) = ${login.toLowerCase()}
                    GROUP BY repo_id) c ON c.repo_id = r.id
        LEFT JOIN (SELECT repo_id, count(*) AS pulls, max(created_at) AS last_at FROM pull_requests
                    WHERE repo_id = ANY(${ids}::uuid[]) AND lower(author_login) = ${login.toLowerCase()}
                    GROUP BY repo_id) p ON p.repo_id = r.id
       WHERE r.id = ANY(${ids}::uuid[]) AND (c.commits IS NOT NULL OR p.pulls IS NOT NULL)
       ORDER BY greatest(c.last_at, p.last_at) DESC NULLS LAST, lower(r.full_name)`.execute(this.db);
    return rows.rows.map((r) => ({
      fullName: String(r['full_name']),
      commits: num(r['commits']),
      pullRequests: num(r['pulls']),
      lastActivityAt: r['last_at'] ? new Date(r['last_at'] as Date) : null,
    }));
  }
}

function toPerson(r: {
  github_id: string;
  login: string;
  name: string | null;
  avatar_url: string | null;
  type: string;
}): PersonRow {
  return {
    githubId: Number(r.github_id),
    login: r.login,
    name: r.name,
    avatarUrl: r.avatar_url,
    type: r.type,
  };
}

/** Bots (GitHub's `type: Bot`, `[bot]` logins, BOT_LOGINS) are left out unless asked for. */
function notBot(s: FigureScope, login: RawBuilder<unknown>, name: RawBuilder<unknown>): RawBuilder<unknown> {
  if (s.includeBots) return sql`true`;
  return sql`NOT (
    lower(coalesce(${login}, ${name}, '')) LIKE '%[bot]'
    OR lower(coalesce(${login}, '')) = ANY(${[...s.botLogins]}::text[])
    OR EXISTS (SELECT 1 FROM people bp WHERE bp.github_host = ${s.githubHost}
                AND lower(bp.login) = lower(${login}) AND bp.type = 'Bot'))`;
}

function commitFilter(s: FigureScope): RawBuilder<unknown> {
  const authors =
    s.authors === null ? sql`true` : sql`lower(c.author_login) = ANY(${[...s.authors]}::text[])`;
  return sql`${authors} AND ${notBot(s, sql`c.author_login`, sql`c.author_name`)}`;
}

function pullFilter(s: FigureScope): RawBuilder<unknown> {
  const authors =
    s.authors === null ? sql`true` : sql`lower(p.author_login) = ANY(${[...s.authors]}::text[])`;
  return sql`${authors} AND ${notBot(s, sql`p.author_login`, sql`NULL::text`)}`;
}
