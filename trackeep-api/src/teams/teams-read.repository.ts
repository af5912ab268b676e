import { Injectable } from '@nestjs/common';
import type { ActivityFigures, RepoActivity, ReviewQueue } from '@trackeep/contracts';
import { fixedLimit, prepared, preparedQuery } from '@trackeep/server-core';
import { Kysely, sql, type RawBuilder } from 'kysely';
import type { DB } from '../database/db.types';
import { inRepoScope, readableDigestSql, type RepoScope } from '../repos/repo-access.repository';
import { factsFingerprintSql } from './fact-versions.repository';
import { weekStart } from './period.util';
import { teamTree } from './team-tree.sql';

/** Whose work a figure counts, and where. */
export interface FigureScope {
  githubHost: string;
  /** The organization's login: the scope's repositories are among its own. */
  owner: string;
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
  /** Members, child teams' included, each once (as GitHub lists a team's members). */
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
  private readonly unreadableByScope = new WeakMap<FigureScope, Promise<string[]>>();

  constructor(private readonly db: Kysely<DB>) {}

  /** Owners of tracked repositories (some are organizations) and the organizations the App is installed on. */
  async ownersToRead(githubHost: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('repositories as r')
          .innerJoin('tracked_repos as t', 't.repo_id', 'r.id')
          .select('r.owner')
          .where('r.github_host', '=', githubHost)
          .unionAll(
            eb
              .selectFrom('github_installations as i')
              .select('i.account_login as owner')
              .where('i.github_host', '=', githubHost)
              .where('i.account_type', '=', 'Organization')
              .where('i.removed_at', 'is', null)
              .where('i.suspended_at', 'is', null),
          )
          .as('o'),
      )
      .select(sql<string>`min(o.owner)`.as('owner'))
      .groupBy(sql`lower(o.owner)`)
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
    const {
      rows: [row],
    } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('github_orgs')
          .select(['id', 'github_id', 'login', 'name', 'avatar_url', 'synced_at'])
          .where('github_host', '=', githubHost)
          .where(sql`lower(login)`, '=', login.toLowerCase())
          .orderBy('synced_at', (ob) => ob.desc().nullsLast()),
      ),
    );
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
    // Counted as GitHub lists a team: its own members with those of every team nested under it, each once.
    const { rows } = await prepared(sql<{
      id: string;
      github_id: string;
      slug: string;
      name: string;
      description: string | null;
      privacy: string;
      parent_github_id: string | null;
      members: string;
    }>`
      WITH RECURSIVE ${teamTree(orgId, sql`true`)},
      -- One pass over the subtrees, not a scan of them per team.
      counted AS (
        SELECT tree.root, count(DISTINCT m.person_github_id) AS members
          FROM tree JOIN team_members m ON m.team_id = tree.id
         GROUP BY tree.root
      )
      SELECT t.id, t.github_id, t.slug, t.name, t.description, t.privacy, t.parent_github_id,
             COALESCE(c.members, 0) AS members
        FROM teams t LEFT JOIN counted c ON c.root = t.id
       WHERE t.org_id = ${orgId}
       ORDER BY lower(t.name)`).execute(this.db);
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
    const rows = await prepared(sql<{
      github_id: string;
      login: string;
      name: string | null;
      avatar_url: string | null;
      type: string;
    }>`
      WITH RECURSIVE ${teamTree(orgId, sql`github_id = ${String(teamGithubId)}`)}
      SELECT p.github_id, p.login, p.name, p.avatar_url, p.type
        FROM people p
       WHERE p.github_host = ${githubHost}
         AND p.github_id IN (SELECT m.person_github_id FROM team_members m JOIN tree ON tree.id = m.team_id)
       ORDER BY lower(p.login)`).execute(this.db);
    return rows.rows.map(toPerson);
  }

  /** GitHub ids of the team's repositories (its own and those of its parents, which its members inherit). */
  async teamRepoGithubIds(orgId: string, teamGithubId: number): Promise<number[]> {
    const rows = await prepared(sql<{ repo_github_id: string }>`
      WITH RECURSIVE up AS (
        SELECT id, parent_github_id FROM teams WHERE org_id = ${orgId} AND github_id = ${String(teamGithubId)}
        UNION
        SELECT t.id, t.parent_github_id FROM teams t JOIN up ON t.github_id = up.parent_github_id WHERE t.org_id = ${orgId}
      )
      SELECT DISTINCT r.repo_github_id FROM team_repos r JOIN up ON up.id = r.team_id`).execute(this.db);
    return rows.rows.map((r) => Number(r.repo_github_id));
  }

  /** Of the given repositories, those owned by `owner`, with their names and GitHub ids. */
  async reposOfOwner(
    repoIds: readonly string[],
    owner: string,
  ): Promise<Array<{ id: string; fullName: string; githubId: number }>> {
    if (!repoIds.length) return [];
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('repositories')
          .select(['id', 'full_name', 'github_id'])
          .where('id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
          .where(sql`lower(owner)`, '=', owner.toLowerCase())
          .orderBy(sql`lower(full_name)`),
      ),
    );
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
  //
  // Period figures read the activity rollups (activity_days, owner_activity_weeks; see the ActivityRollups
  // migration), not the commits and pull requests themselves: only the cycle time percentiles and the review
  // queue read pull requests, through indexes made for them.

  /**
   * Folds the changes written since the last fold (into the rollups and the fact versions), so a read that
   * follows sees every commit, and returns a fingerprint of what a page over these repositories is computed
   * from: their fact versions and the accounts known as bots (figures leave bots out). One statement when
   * nothing is queued.
   */
  async pageFingerprint(githubHost: string, repoIds: readonly string[]): Promise<string> {
    return (await this.fingerprintOf(githubHost, { repoIds })).fingerprint;
  }

  /**
   * pageFingerprint for every repository the viewer may read, and which repositories those are (`repos`, a
   * digest of their ids): one prepared statement by the access rule, no list of ids read and sent back.
   */
  viewerFingerprint(githubHost: string, viewerId: string): Promise<{ fingerprint: string; repos: string }> {
    return this.fingerprintOf(githubHost, { readableBy: viewerId });
  }

  private async fingerprintOf(
    githubHost: string,
    scope: RepoScope,
  ): Promise<{ fingerprint: string; repos: string }> {
    const byRule = 'readableBy' in scope;
    const statement = sql<{ deltas: boolean; facts: boolean; fingerprint: string; repos: string }>`
      SELECT EXISTS (SELECT 1 FROM activity_deltas) AS deltas, EXISTS (SELECT 1 FROM fact_changes) AS facts,
             ${factsFingerprintSql(scope)} || '|' ||
             (SELECT md5(coalesce(string_agg(lower(login), ',' ORDER BY lower(login)), ''))
                FROM people WHERE github_host = ${githubHost} AND type = 'Bot') AS fingerprint,
             ${byRule ? readableDigestSql(scope.readableBy) : sql<string>`''`} AS repos`;
    // By the rule the plan does not depend on how many repositories there are: prepared, planned once.
    const read = () => (byRule ? prepared(statement) : statement).execute(this.db);
    let { rows } = await read();
    if (rows[0]?.deltas || rows[0]?.facts) {
      if (rows[0].deltas) await sql`SELECT activity_fold()`.execute(this.db);
      if (rows[0].facts) await sql`SELECT fact_fold()`.execute(this.db);
      ({ rows } = await read());
    }
    return { fingerprint: rows[0]?.fingerprint ?? '', repos: rows[0]?.repos ?? '' };
  }

  /**
   * The period's figures and the previous period's (`current` tells which row is which). A previous period cut
   * short (the current one is under way) is cut by the minute for cycle times, and after its last day for the
   * counts, which are kept by day.
   */
  async figures(s: FigureScope, current: Range, previous: Range): Promise<FigureRow[]> {
    const ids = [...s.repoIds];
    const countedTo = new Date(Math.min(nextMidnight(previous.to).getTime(), current.from.getTime()));
    const source =
      countedTo.getTime() === current.from.getTime()
        ? await this.activityRows(s, previous.from, current.to)
        : sql`${await this.activityRowsUntil(s, previous.from, countedTo)}
              UNION ALL ${await this.activityRows(s, current.from, current.to)}`;
    const rows = await sql<Record<string, unknown>>`
      WITH x AS (${source}), per AS (
        SELECT x.at >= ${day(current.from)}::date AS cur, x.who, bool_or(x.named_bot) AS named_bot,
               sum(x.commits) AS commits, sum(x.lines_added) AS added, sum(x.lines_deleted) AS deleted,
               sum(x.pulls_opened) AS opened, sum(x.pulls_merged) AS merged
          FROM x GROUP BY 1, 2
      ), agg AS (
        SELECT x.cur, sum(x.commits) AS commits, sum(x.added) AS added, sum(x.deleted) AS deleted,
               sum(x.opened) AS opened, sum(x.merged) AS merged,
               count(*) FILTER (WHERE x.who <> '' AND x.commits + x.opened + x.merged > 0) AS contributors
          FROM per x WHERE ${notBot(s)} GROUP BY x.cur
      ), cyc AS (
        SELECT p.merged_at >= ${current.from} AS cur,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (p.merged_at - p.created_at))) / 3600.0 AS median,
               percentile_cont(0.75) WITHIN GROUP (ORDER BY extract(epoch FROM (p.merged_at - p.created_at))) / 3600.0 AS p75
          FROM pull_requests p
         WHERE p.repo_id = ANY(${ids}::uuid[]) AND p.merged_at >= ${previous.from} AND p.merged_at < ${current.to}
           AND (p.merged_at >= ${current.from} OR p.merged_at < ${previous.to})
           AND ${pullFilter(s)}
         GROUP BY 1
      )
      SELECT b.cur, coalesce(agg.commits, 0) AS commits, coalesce(agg.added, 0) AS added,
             coalesce(agg.deleted, 0) AS deleted, coalesce(agg.opened, 0) AS opened,
             coalesce(agg.merged, 0) AS merged, cyc.median, cyc.p75, coalesce(agg.contributors, 0) AS contributors
        FROM (VALUES (true), (false)) AS b(cur)
        LEFT JOIN agg ON agg.cur = b.cur
        LEFT JOIN cyc ON cyc.cur = b.cur`.execute(this.db);
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
    // One branch per instant: with the instant a constant, "still open then" is a range of the open-until index.
    const waitingAt = (cur: boolean, at: Date) => sql`
      SELECT ${sql.lit(cur)} AS cur, extract(epoch FROM (${at}::timestamptz - p.created_at)) / 3600.0 AS hours
        FROM pull_requests p
       WHERE p.repo_id = ANY(${[...s.repoIds]}::uuid[]) AND NOT p.draft AND p.created_at <= ${at}
         AND least(coalesce(p.merged_at, 'infinity'::timestamptz), coalesce(p.closed_at, 'infinity'::timestamptz)) > ${at}
         AND ((p.first_review_at IS NULL AND p.review_count = 0) OR p.first_review_at > ${at})
         AND ${pullFilter(s)}`;
    const rows = await sql<Record<string, unknown>>`
      SELECT b.cur, count(w.hours) AS waiting,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY w.hours) AS median, max(w.hours) AS longest
        FROM (VALUES (true), (false)) AS b(cur)
        LEFT JOIN (${waitingAt(true, currentAt)} UNION ALL ${waitingAt(false, previousAt)}) w ON w.cur = b.cur
       GROUP BY b.cur`.execute(this.db);
    return rows.rows.map((r) => ({
      current: r['cur'] === true,
      waiting: num(r['waiting']),
      medianWaitingHours: hours(r['median']),
      longestWaitingHours: hours(r['longest']),
    }));
  }

  /** The repositories with the most work in the range (commits and pull requests opened and merged). */
  async mostActiveRepos(s: FigureScope, range: Range, limit: number): Promise<RepoActivityRow[]> {
    const ids = [...s.repoIds];
    const from = day(range.from);
    const to = day(range.to);
    // Everyone's work over whole weeks: each repository's weeks, less the bots that are not named so.
    const perRepo =
      s.authors === null && isWeekStart(range.from) && isWeekStart(range.to)
        ? sql`
          SELECT k.repo_id, k.commits, k.lines_added + k.lines_deleted AS lines, k.pulls_opened AS opened,
                 k.pulls_merged AS merged
            FROM repo_activity_weeks k
           WHERE k.repo_id = ANY(${ids}::uuid[]) AND k.week >= ${from}::date AND k.week < ${to}::date
             AND ${s.includeBots ? sql`true` : sql`NOT k.named_bot`}
          UNION ALL
          SELECT a.repo_id, -a.commits, -(a.lines_added + a.lines_deleted), -a.pulls_opened, -a.pulls_merged
            FROM activity_days a
           WHERE ${s.includeBots ? sql`false` : sql`NOT a.named_bot`}
             AND a.who IN (SELECT unnest(${[...s.botLogins]}::text[])
                           UNION SELECT lower(bp.login) FROM people bp
                            WHERE bp.github_host = ${s.githubHost} AND bp.type = 'Bot')
             AND a.repo_id = ANY(${ids}::uuid[]) AND a.day >= ${from}::date AND a.day < ${to}::date`
        : sql`
          SELECT x.repo_id, x.commits, x.lines_added + x.lines_deleted AS lines, x.pulls_opened AS opened,
                 x.pulls_merged AS merged
            FROM activity_days x
           WHERE x.repo_id = ANY(${ids}::uuid[]) AND x.day >= ${from}::date AND x.day < ${to}::date
             AND ${authorsFilter(s, sql`x.who`)} AND ${notBot(s)}`;
    const rows = await sql<Record<string, unknown>>`
      WITH agg AS (
        SELECT w.repo_id, sum(w.commits) AS commits, sum(w.lines) AS lines, sum(w.opened) AS opened,
               sum(w.merged) AS merged
          FROM (${perRepo}) w
         GROUP BY w.repo_id
        HAVING sum(w.commits) + sum(w.opened) + sum(w.merged) > 0
      )
      SELECT r.full_name, agg.commits, agg.lines, agg.opened, agg.merged
        FROM agg JOIN repositories r ON r.id = agg.repo_id
       ORDER BY agg.commits + agg.merged + agg.opened DESC, lower(r.full_name)
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
    const source = await this.activityRows(s, from, to);
    const rows = await sql<Record<string, unknown>>`
      WITH weeks AS (
        SELECT n, ${from}::timestamptz + make_interval(days => 7 * n) AS start
          FROM generate_series(0, greatest(0, ceil(extract(epoch FROM (${to}::timestamptz - ${from}::timestamptz)) / 604800)::int - 1)) AS n
      ), x AS (${source}), per AS (
        SELECT (x.at - ${day(from)}::date) / 7 AS n, x.who, bool_or(x.named_bot) AS named_bot,
               sum(x.commits) AS commits, sum(x.lines_added + x.lines_deleted) AS lines,
               sum(x.pulls_opened) AS opened, sum(x.pulls_merged) AS merged
          FROM x GROUP BY 1, 2
      ), agg AS (
        SELECT x.n, sum(x.commits) AS commits, sum(x.lines) AS lines, sum(x.opened) AS opened,
               sum(x.merged) AS merged,
               count(*) FILTER (WHERE x.who <> '' AND x.commits + x.opened + x.merged > 0) AS contributors
          FROM per x WHERE ${notBot(s)} GROUP BY x.n
      ), cyc AS (
        SELECT floor(extract(epoch FROM (p.merged_at - ${from}::timestamptz)) / 604800)::int AS n,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (p.merged_at - p.created_at))) / 3600.0 AS median
          FROM pull_requests p
         WHERE p.repo_id = ANY(${ids}::uuid[]) AND p.merged_at >= ${from} AND p.merged_at < ${to}
           AND ${pullFilter(s)}
         GROUP BY 1
      )
      SELECT w.start, coalesce(agg.commits, 0) AS commits, coalesce(agg.lines, 0) AS lines,
             coalesce(agg.opened, 0) AS opened, coalesce(agg.merged, 0) AS merged, cyc.median,
             coalesce(agg.contributors, 0) AS contributors
        FROM weeks w
        LEFT JOIN agg ON agg.n = w.n
        LEFT JOIN cyc ON cyc.n = w.n
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

  /** The owner's repositories outside the scope, read once per scope (a page's figures and weekly share it). */
  private unreadableOwned(s: FigureScope): Promise<string[]> {
    let ids = this.unreadableByScope.get(s);
    if (!ids) {
      const readable = new Set(s.repoIds);
      ids = this.db
        .selectFrom('repositories')
        .select('id')
        .where('github_host', '=', s.githubHost)
        .where(sql`lower(owner)`, '=', s.owner.toLowerCase())
        .execute()
        .then((owned) => owned.map((r) => r.id).filter((id) => !readable.has(id)));
      this.unreadableByScope.set(s, ids);
    }
    return ids;
  }

  /** activityRows of a range that ends within a week: its whole weeks by the owner's weeks, the rest by days. */
  private async activityRowsUntil(s: FigureScope, from: Date, to: Date): Promise<RawBuilder<unknown>> {
    const monday = weekStart(to);
    if (!isWeekStart(from) || isWeekStart(to) || monday.getTime() <= from.getTime())
      return this.activityRows(s, from, to);
    return sql`${await this.activityRows(s, from, monday)} UNION ALL ${await this.activityRows(s, monday, to)}`;
  }

  /**
   * The scope's rollup rows over [from, to): `at` (a day or a week's Monday), `who`, `named_bot` and the counts.
   * On whole weeks, when the viewer may read most of the owner's repositories, they are the owner's weeks with the
   * other repositories' days taken out (a few rows per person and week); otherwise the readable repositories' days.
   */
  private async activityRows(s: FigureScope, from: Date, to: Date): Promise<RawBuilder<unknown>> {
    const counts = sql`commits, lines_added, lines_deleted, pulls_opened, pulls_merged`;
    const days = (ids: readonly string[], sign: 1 | -1, at: RawBuilder<unknown>) => sql`
      SELECT ${at} AS at, who, named_bot, ${sql.lit(sign)} * commits AS commits, ${sql.lit(sign)} * lines_added AS lines_added,
             ${sql.lit(sign)} * lines_deleted AS lines_deleted, ${sql.lit(sign)} * pulls_opened AS pulls_opened,
             ${sql.lit(sign)} * pulls_merged AS pulls_merged
        FROM activity_days
       WHERE repo_id = ANY(${[...ids]}::uuid[]) AND day >= ${day(from)}::date AND day < ${day(to)}::date
         AND ${authorsFilter(s, sql`who`)}`;
    if (isWeekStart(from) && isWeekStart(to)) {
      const unreadable = await this.unreadableOwned(s);
      if (unreadable.length <= s.repoIds.length)
        return sql`
          SELECT week AS at, who, named_bot, ${counts}
            FROM owner_activity_weeks
           WHERE github_host = ${s.githubHost} AND owner_key = ${s.owner.toLowerCase()}
             AND week >= ${day(from)}::date AND week < ${day(to)}::date AND ${authorsFilter(s, sql`who`)}
          UNION ALL
          ${days(unreadable, -1, sql`date_trunc('week', day)::date`)}`;
    }
    return days(s.repoIds, 1, sql`day`);
  }

  // --- a person's work -----------------------------------------------------------------------------------

  // A person's work is read in the repositories the viewer may read, by the access rule itself rather than an id
  // list: the statements are then prepared (an id list of 1,000 took longer to plan than to run), and each
  // probes the rule for the few rows it reads. Their limits are written into the text (fixedLimit).

  async personCommits(viewerId: string, login: string, limit: number) {
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
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
          .where(inRepoScope('c.repo_id', { readableBy: viewerId }))
          .where(sql`lower(c.author_login)`, '=', login.toLowerCase())
          .orderBy('c.committed_at', 'desc')
          .orderBy('c.sha', 'desc')
          .limit(fixedLimit(limit)),
      ),
    );
    return rows;
  }

  async personPulls(viewerId: string, login: string, limit: number) {
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
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
          .where(inRepoScope('p.repo_id', { readableBy: viewerId }))
          .where(sql`lower(p.author_login)`, '=', login.toLowerCase())
          .orderBy('p.created_at', 'desc')
          .orderBy('p.number', 'desc')
          .limit(fixedLimit(limit)),
      ),
    );
    return rows;
  }

  /** Pull requests the person reviewed, most recently reviewed first, with their latest review of each. */
  async personReviews(viewerId: string, login: string, limit: number) {
    // The page's rows are chosen before the pull requests are joined: a review's pull request is always stored
    // with it, and joining all of a reviewer's (1,000 at the --large preset) read the whole table.
    const rows = await prepared(sql<{
      full_name: string;
      number: number;
      title: string;
      state: string;
      merged_at: Date | null;
      review_state: string;
      submitted_at: Date;
      html_url: string;
    }>`
      SELECT v.full_name, p.number, p.title, p.state, p.merged_at, v.state AS review_state, v.submitted_at,
             p.html_url
        FROM (SELECT l.repo_id, l.pull_number, l.state, l.submitted_at, r.full_name
                FROM (SELECT DISTINCT ON (repo_id, pull_number) repo_id, pull_number, state, submitted_at
                        FROM pull_request_reviews
                       WHERE lower(reviewer_login) = ${login.toLowerCase()}
                         AND ${inRepoScope('repo_id', { readableBy: viewerId })}
                       ORDER BY repo_id, pull_number, submitted_at DESC) l
                JOIN repositories r ON r.id = l.repo_id
               ORDER BY l.submitted_at DESC, r.full_name, l.pull_number
               LIMIT ${fixedLimit(limit)}) v
        JOIN pull_requests p ON p.repo_id = v.repo_id AND p.number = v.pull_number
       ORDER BY v.submitted_at DESC, v.full_name, p.number`).execute(this.db);
    return rows.rows;
  }

  /** Reviews the person submitted since `since`, and the open pull requests they have reviewed. */
  async reviewLoad(viewerId: string, login: string, since: Date) {
    const rows = await prepared(sql<{ recent: string; open: string }>`
      WITH mine AS MATERIALIZED (
             SELECT repo_id, pull_number, submitted_at
               FROM pull_request_reviews
              WHERE lower(reviewer_login) = ${login.toLowerCase()}
                AND ${inRepoScope('repo_id', { readableBy: viewerId })})
      SELECT (SELECT count(*) FROM mine WHERE submitted_at >= ${since}) AS recent,
             (SELECT count(*)
                FROM (SELECT DISTINCT m.repo_id, m.pull_number
                        FROM mine m
                        JOIN pull_requests p ON p.repo_id = m.repo_id AND p.number = m.pull_number
                                            AND p.state = 'open') o) AS open`).execute(this.db);
    return { recent: num(rows.rows[0]?.recent), open: num(rows.rows[0]?.open) };
  }

  /**
   * Per repository: the person's commits and pull requests (all time), most recent work first, from the daily
   * rollups (the last activity is a UTC day).
   */
  async personRepos(viewerId: string, login: string, limit: number) {
    // The person's rows are few: all of them are summed (in index order, no sort), the viewer's repositories
    // kept, and only the shown ones (ties at the cut included) are named and sorted by name. Probing the index
    // once per readable repository, or naming every repository, cost more than that.
    const rows = await prepared(sql<Record<string, unknown>>`
      WITH mine AS MATERIALIZED (
             SELECT repo_id, sum(commits) AS commits, sum(pulls_opened) AS pulls,
                    max(day) FILTER (WHERE commits > 0 OR pulls_opened > 0) AS last_day
               FROM activity_days
              WHERE who = ${login.toLowerCase()}
              GROUP BY repo_id
             HAVING sum(commits) > 0 OR sum(pulls_opened) > 0),
           readable AS MATERIALIZED (
             SELECT * FROM mine WHERE ${inRepoScope('repo_id', { readableBy: viewerId })})
      SELECT r.full_name, a.commits, a.pulls, to_char(a.last_day, 'YYYY-MM-DD') AS last_day,
             (SELECT count(*) FROM readable) AS total
        FROM (SELECT * FROM readable ORDER BY last_day DESC NULLS LAST FETCH FIRST ${fixedLimit(limit)} ROWS WITH TIES) a
        JOIN repositories r ON r.id = a.repo_id
       ORDER BY a.last_day DESC NULLS LAST, lower(r.full_name)
       LIMIT ${fixedLimit(limit)}`).execute(this.db);
    return {
      total: num(rows.rows[0]?.['total'] ?? 0),
      repositories: rows.rows.map((r) => ({
        fullName: String(r['full_name']),
        commits: num(r['commits']),
        pullRequests: num(r['pulls']),
        lastActivityAt: r['last_day'] ? new Date(`${String(r['last_day'])}T00:00:00Z`) : null,
      })),
    };
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

/** The UTC calendar day of a period boundary (every boundary read by day is a UTC midnight). */
function day(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `at` when it is a UTC midnight, else the midnight after it. */
function nextMidnight(at: Date): Date {
  const rest = at.getTime() % 86_400_000;
  return rest === 0 ? at : new Date(at.getTime() - rest + 86_400_000);
}

/** Monday 00:00 UTC: where owner_activity_weeks rows start. */
function isWeekStart(at: Date): boolean {
  return at.getTime() % 86_400_000 === 0 && at.getUTCDay() === 1;
}

/** The scope's people only (a team's members); `who` is a lowercased login. */
function authorsFilter(s: FigureScope, who: RawBuilder<unknown>): RawBuilder<unknown> {
  return s.authors === null ? sql`true` : sql`${who} = ANY(${[...s.authors]}::text[])`;
}

/**
 * Bots (GitHub's `type: Bot`, `[bot]` logins and names, BOT_LOGINS) are left out unless asked for. Applies to
 * rollup rows (`x.who`, `x.named_bot`), per day or grouped per person.
 */
function notBot(s: FigureScope): RawBuilder<unknown> {
  if (s.includeBots) return sql`true`;
  return sql`NOT (x.named_bot OR x.who = ANY(${[...s.botLogins]}::text[])
    OR EXISTS (SELECT 1 FROM people bp WHERE bp.github_host = ${s.githubHost}
                AND lower(bp.login) = x.who AND bp.type = 'Bot'))`;
}

/** The same rules for pull request rows (`p`). */
function pullFilter(s: FigureScope): RawBuilder<unknown> {
  const authors = authorsFilter(s, sql`lower(p.author_login)`);
  if (s.includeBots) return authors;
  return sql`${authors} AND NOT (
    lower(coalesce(p.author_login, '')) LIKE '%[bot]'
    OR lower(coalesce(p.author_login, '')) = ANY(${[...s.botLogins]}::text[])
    OR EXISTS (SELECT 1 FROM people bp WHERE bp.github_host = ${s.githubHost}
                AND lower(bp.login) = lower(p.author_login) AND bp.type = 'Bot'))`;
}
