import { Injectable } from '@nestjs/common';
import { inTransaction, type SqlExecutor } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../database/db.types';
import { teamTree } from './team-tree.sql';

/** A GitHub account as a list or a payload shows it. */
export interface PersonInput {
  githubId: number;
  login: string;
  name?: string | null;
  avatarUrl?: string | null;
  /** GitHub's account type: User, Bot, Organization. */
  type?: string | null;
}

export interface OrgInput {
  githubId: number;
  login: string;
  name?: string | null;
  avatarUrl?: string | null;
}

export interface TeamInput {
  githubId: number;
  slug: string;
  name: string;
  description?: string | null;
  privacy?: string | null;
  parentGithubId: number | null;
}

export interface MembershipInput {
  githubId: number;
  /** null: keep the role already stored (a payload that does not say). */
  role: string | null;
}

export interface TeamRepoInput {
  repoGithubId: number;
  permission: string;
}

/** What the scheduled sync read of one organization: its members, teams, and each team's members and repositories. */
export interface OrgSnapshot {
  org: OrgInput;
  members: Array<PersonInput & { role: string }>;
  teams: Array<TeamInput & { members: Array<PersonInput & { role: string }>; repos: TeamRepoInput[] }>;
}

/**
 * The write model of organizations, teams and people. The scheduled sync (a whole snapshot) and the
 * `organization`, `team`, `membership` and `member` webhooks (one change each) write through these methods; the
 * static ones run on the caller's transaction (the webhook's), as the other write models' statics do.
 */
@Injectable()
export class TeamsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Replaces what is stored of the organization with the snapshot, in one transaction; returns the org's id. */
  saveSnapshot(host: string, snapshot: OrgSnapshot): Promise<string> {
    return inTransaction(this.db, async (tx) => {
      const seenAt = (await sql<{ now: Date }>`SELECT now() AS now`.execute(tx)).rows[0]?.now ?? new Date();
      const people = new Map<number, PersonInput>();
      for (const m of snapshot.members) people.set(m.githubId, m);
      for (const t of snapshot.teams)
        for (const m of t.members) if (!people.has(m.githubId)) people.set(m.githubId, m);
      await TeamsRepository.upsertPeople(tx, host, [...people.values()]);
      const orgId = await TeamsRepository.upsertOrg(tx, host, snapshot.org, true);
      await TeamsRepository.upsertOrgMembers(tx, orgId, snapshot.members);
      const ids = await TeamsRepository.upsertTeams(tx, orgId, snapshot.teams);
      const memberRows: Array<{ team_id: string; person_github_id: string; role: string }> = [];
      const repoRows: Array<{ team_id: string; repo_github_id: string; permission: string }> = [];
      for (const t of snapshot.teams) {
        const teamId = ids.get(t.githubId) as string;
        for (const m of t.members)
          memberRows.push({ team_id: teamId, person_github_id: String(m.githubId), role: m.role });
        for (const r of t.repos)
          repoRows.push({
            team_id: teamId,
            repo_github_id: String(r.repoGithubId),
            permission: r.permission,
          });
      }
      for (const chunk of chunks(memberRows))
        await tx
          .insertInto('team_members')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['team_id', 'person_github_id']).doUpdateSet({
              role: (eb) => eb.ref('excluded.role'),
              confirmed_at: sql`now()`,
            }),
          )
          .execute();
      for (const chunk of chunks(repoRows))
        await tx
          .insertInto('team_repos')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['team_id', 'repo_github_id']).doUpdateSet({
              permission: (eb) => eb.ref('excluded.permission'),
              confirmed_at: sql`now()`,
            }),
          )
          .execute();
      // Whatever the read did not see again is gone on GitHub.
      const teamIds = tx.selectFrom('teams').select('id').where('org_id', '=', orgId);
      await tx
        .deleteFrom('team_members')
        .where('team_id', 'in', teamIds)
        .where('confirmed_at', '<', seenAt)
        .execute();
      await tx
        .deleteFrom('team_repos')
        .where('team_id', 'in', teamIds)
        .where('confirmed_at', '<', seenAt)
        .execute();
      await tx.deleteFrom('teams').where('org_id', '=', orgId).where('confirmed_at', '<', seenAt).execute();
      await tx
        .deleteFrom('org_members')
        .where('org_id', '=', orgId)
        .where('confirmed_at', '<', seenAt)
        .execute();
      return orgId;
    });
  }

  // --- statics: run on the caller's transaction ------------------------------------------------------------

  static async upsertPeople(
    db: SqlExecutor<DB>,
    host: string,
    people: readonly PersonInput[],
  ): Promise<void> {
    const unique = new Map(people.map((p) => [p.githubId, p]));
    for (const chunk of chunks([...unique.values()]))
      await db
        .insertInto('people')
        .values(
          chunk.map((p) => ({
            github_host: host,
            github_id: String(p.githubId),
            login: p.login,
            name: p.name ?? null,
            avatar_url: p.avatarUrl ?? null,
            type: p.type ?? 'User',
          })),
        )
        .onConflict((oc) =>
          oc.columns(['github_host', 'github_id']).doUpdateSet({
            login: (eb) => eb.ref('excluded.login'),
            // Lists carry no name: a name learned elsewhere stays.
            name: sql`coalesce(excluded.name, people.name)`,
            avatar_url: sql`coalesce(excluded.avatar_url, people.avatar_url)`,
            type: (eb) => eb.ref('excluded.type'),
            updated_at: sql`now()`,
          }),
        )
        .execute();
  }

  /** The organization's id (created if new). `synced`: a full read of it just finished. */
  static async upsertOrg(db: SqlExecutor<DB>, host: string, org: OrgInput, synced = false): Promise<string> {
    const row = await db
      .insertInto('github_orgs')
      .values({
        github_host: host,
        github_id: String(org.githubId),
        login: org.login,
        name: org.name ?? null,
        avatar_url: org.avatarUrl ?? null,
        synced_at: synced ? sql<Date>`now()` : null,
      })
      .onConflict((oc) =>
        oc.columns(['github_host', 'github_id']).doUpdateSet({
          login: (eb) => eb.ref('excluded.login'),
          name: sql`coalesce(excluded.name, github_orgs.name)`,
          avatar_url: sql`coalesce(excluded.avatar_url, github_orgs.avatar_url)`,
          synced_at: sql`coalesce(excluded.synced_at, github_orgs.synced_at)`,
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  static async deleteOrg(db: SqlExecutor<DB>, host: string, githubId: number): Promise<number> {
    const res = await db
      .deleteFrom('github_orgs')
      .where('github_host', '=', host)
      .where('github_id', '=', String(githubId))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  static async upsertOrgMembers(
    db: SqlExecutor<DB>,
    orgId: string,
    members: ReadonlyArray<{ githubId: number; role: string | null }>,
  ): Promise<void> {
    for (const chunk of chunks([...new Map(members.map((m) => [m.githubId, m])).values()]))
      await db
        .insertInto('org_members')
        .values(
          chunk.map((m) => ({
            org_id: orgId,
            person_github_id: String(m.githubId),
            role: m.role ?? 'member',
          })),
        )
        .onConflict((oc) =>
          oc.columns(['org_id', 'person_github_id']).doUpdateSet({
            // A payload that does not say the role leaves the stored one.
            role: chunk.some((m) => m.role === null) ? sql`org_members.role` : sql`excluded.role`,
            confirmed_at: sql`now()`,
          }),
        )
        .execute();
  }

  /** Leaves the organization: their team memberships there go too (GitHub removes them). */
  static async removeOrgMember(db: SqlExecutor<DB>, orgId: string, personGithubId: number): Promise<number> {
    await db
      .deleteFrom('team_members')
      .where('person_github_id', '=', String(personGithubId))
      .where('team_id', 'in', db.selectFrom('teams').select('id').where('org_id', '=', orgId))
      .execute();
    const res = await db
      .deleteFrom('org_members')
      .where('org_id', '=', orgId)
      .where('person_github_id', '=', String(personGithubId))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Team ids by GitHub id. */
  static async upsertTeams(
    db: SqlExecutor<DB>,
    orgId: string,
    teams: readonly TeamInput[],
  ): Promise<Map<number, string>> {
    const ids = new Map<number, string>();
    for (const chunk of chunks([...new Map(teams.map((t) => [t.githubId, t])).values()])) {
      const rows = await db
        .insertInto('teams')
        .values(
          chunk.map((t) => ({
            org_id: orgId,
            github_id: String(t.githubId),
            slug: t.slug,
            name: t.name,
            description: t.description ?? null,
            privacy: t.privacy ?? 'closed',
            parent_github_id: t.parentGithubId === null ? null : String(t.parentGithubId),
          })),
        )
        .onConflict((oc) =>
          oc.columns(['org_id', 'github_id']).doUpdateSet({
            slug: (eb) => eb.ref('excluded.slug'),
            name: (eb) => eb.ref('excluded.name'),
            description: (eb) => eb.ref('excluded.description'),
            privacy: (eb) => eb.ref('excluded.privacy'),
            parent_github_id: (eb) => eb.ref('excluded.parent_github_id'),
            confirmed_at: sql`now()`,
          }),
        )
        .returning(['id', 'github_id'])
        .execute();
      for (const r of rows) ids.set(Number(r.github_id), r.id);
    }
    return ids;
  }

  static async teamId(db: SqlExecutor<DB>, orgId: string, teamGithubId: number): Promise<string | null> {
    const row = await db
      .selectFrom('teams')
      .select('id')
      .where('org_id', '=', orgId)
      .where('github_id', '=', String(teamGithubId))
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /** Deletes the team and the teams nested under it (GitHub deletes them with it). */
  static async deleteTeamTree(db: SqlExecutor<DB>, orgId: string, teamGithubId: number): Promise<number> {
    const res = await sql<{ n: string }>`
      WITH RECURSIVE ${teamTree(orgId, sql`github_id = ${String(teamGithubId)}`)}, gone AS (
        DELETE FROM teams WHERE org_id = ${orgId} AND github_id IN (SELECT github_id FROM tree) RETURNING 1
      )
      SELECT count(*)::text AS n FROM gone`.execute(db);
    return Number(res.rows[0]?.n ?? 0);
  }

  static async addTeamMembers(
    db: SqlExecutor<DB>,
    teamId: string,
    members: readonly MembershipInput[],
  ): Promise<void> {
    if (!members.length) return;
    await db
      .insertInto('team_members')
      .values(
        members.map((m) => ({
          team_id: teamId,
          person_github_id: String(m.githubId),
          role: m.role ?? 'member',
        })),
      )
      .onConflict((oc) =>
        oc.columns(['team_id', 'person_github_id']).doUpdateSet({
          role: members.some((m) => m.role === null) ? sql`team_members.role` : sql`excluded.role`,
          confirmed_at: sql`now()`,
        }),
      )
      .execute();
  }

  static async removeTeamMember(
    db: SqlExecutor<DB>,
    teamId: string,
    personGithubId: number,
  ): Promise<number> {
    const res = await db
      .deleteFrom('team_members')
      .where('team_id', '=', teamId)
      .where('person_github_id', '=', String(personGithubId))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  static async setTeamRepo(
    db: SqlExecutor<DB>,
    teamId: string,
    repoGithubId: number,
    permission: string | null,
  ): Promise<void> {
    if (permission === null) {
      await db
        .deleteFrom('team_repos')
        .where('team_id', '=', teamId)
        .where('repo_github_id', '=', String(repoGithubId))
        .execute();
      return;
    }
    await db
      .insertInto('team_repos')
      .values({ team_id: teamId, repo_github_id: String(repoGithubId), permission })
      .onConflict((oc) =>
        oc.columns(['team_id', 'repo_github_id']).doUpdateSet({ permission, confirmed_at: sql`now()` }),
      )
      .execute();
  }
}

const CHUNK = 1000;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}
