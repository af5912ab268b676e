import { Injectable, Logger } from '@nestjs/common';
import { GithubSettings } from '../github/github-settings';
import { OrgCredentials, type OrgCredential } from './org-credentials.service';
import { permissionOf } from './org-webhook.applier';
import { TeamsReadRepository } from './teams-read.repository';
import { TeamsRepository, type OrgSnapshot, type PersonInput } from './teams.repository';

export type OrgSyncOutcome = 'synced' | 'not_an_org' | 'no_reader';

interface GithubAccount {
  id: number;
  login: string;
  avatar_url?: string | null;
  type?: string | null;
}

/** Statuses that mean "this credential may not read it", so the next one is tried; anything else is GitHub failing. */
const NOT_FOR_THIS_READER = new Set([401, 403, 404]);

/**
 * Reads the organizations that own tracked repositories from GitHub (members, teams with their parents, team
 * members and repositories) and stores each as one snapshot. A GitHub failure (rate limit, 5xx, timeout) keeps
 * what is stored: only a complete read replaces it.
 */
@Injectable()
export class OrgSyncService {
  private readonly logger = new Logger(OrgSyncService.name);

  constructor(
    private readonly settings: GithubSettings,
    private readonly credentials: OrgCredentials,
    private readonly read: TeamsReadRepository,
    private readonly teams: TeamsRepository,
  ) {}

  async syncAll(): Promise<{ synced: number; failed: number }> {
    let synced = 0;
    let failed = 0;
    for (const owner of await this.read.ownersToRead(this.settings.host)) {
      try {
        if ((await this.syncOrg(owner)) === 'synced') synced++;
      } catch (err) {
        failed++;
        this.logger.warn(`organization ${owner} not read from GitHub: ${(err as Error).message}`);
      }
    }
    return { synced, failed };
  }

  async syncOrg(login: string): Promise<OrgSyncOutcome> {
    for await (const credential of this.credentials.candidates(login)) {
      let org: GithubAccount & { name?: string | null; type?: string };
      try {
        org = (await credential.client.request('GET /orgs/{org}', { org: login })).data as typeof org;
      } catch (err) {
        // Organizations are public: 404 means the owner is a user.
        if (statusOf(err) === 404) return 'not_an_org';
        if (NOT_FOR_THIS_READER.has(statusOf(err) ?? 0)) continue;
        throw err;
      }
      let snapshot: OrgSnapshot;
      try {
        snapshot = await this.readOrg(credential, org);
      } catch (err) {
        if (NOT_FOR_THIS_READER.has(statusOf(err) ?? 0)) {
          this.logger.debug(`${credential.label} may not read the teams of ${login}; asking the next person`);
          continue;
        }
        throw err;
      }
      await this.teams.saveSnapshot(this.settings.host, snapshot);
      return 'synced';
    }
    return 'no_reader';
  }

  private async readOrg(
    { client }: OrgCredential,
    org: GithubAccount & { name?: string | null },
  ): Promise<OrgSnapshot> {
    const per_page = 100;
    const members = (await client.paginate('GET /orgs/{org}/members', {
      org: org.login,
      per_page,
    })) as GithubAccount[];
    const admins = new Set(
      (
        (await client.paginate('GET /orgs/{org}/members', {
          org: org.login,
          role: 'admin',
          per_page,
        })) as GithubAccount[]
      ).map((a) => a.id),
    );
    const teams = (await client.paginate('GET /orgs/{org}/teams', { org: org.login, per_page })) as Array<{
      id: number;
      slug: string;
      name: string;
      description?: string | null;
      privacy?: string;
      parent?: { id: number } | null;
    }>;
    const out: OrgSnapshot['teams'] = [];
    // One team at a time: the client paces its own requests, and a team has few pages.
    for (const t of teams) {
      const params = { org: org.login, team_slug: t.slug, per_page };
      const teamMembers = (await client.paginate(
        'GET /orgs/{org}/teams/{team_slug}/members',
        params,
      )) as GithubAccount[];
      const maintainers = new Set(
        (
          (await client.paginate('GET /orgs/{org}/teams/{team_slug}/members', {
            ...params,
            role: 'maintainer',
          })) as GithubAccount[]
        ).map((m) => m.id),
      );
      const repos = (await client.paginate('GET /orgs/{org}/teams/{team_slug}/repos', params)) as Array<{
        id: number;
        permissions?: Record<string, boolean>;
      }>;
      out.push({
        githubId: t.id,
        slug: t.slug,
        name: t.name,
        description: t.description ?? null,
        privacy: t.privacy ?? 'closed',
        parentGithubId: t.parent?.id ?? null,
        members: teamMembers.map((m) => ({
          ...account(m),
          role: maintainers.has(m.id) ? 'maintainer' : 'member',
        })),
        repos: repos.map((r) => ({ repoGithubId: r.id, permission: permissionOf(r.permissions ?? null) })),
      });
    }
    // GitHub lists a team's members with its child teams' members. Those are kept with the child team only, so
    // a `membership` webhook about the child changes what the parent's page counts too.
    const listed = new Map(out.map((t) => [t.githubId, t.members.map((m) => m.githubId)]));
    for (const team of out) {
      const inChildren = new Set(
        out.filter((t) => t.parentGithubId === team.githubId).flatMap((t) => listed.get(t.githubId) ?? []),
      );
      team.members = team.members.filter((m) => !inChildren.has(m.githubId));
    }
    return {
      org: { githubId: org.id, login: org.login, name: org.name ?? null, avatarUrl: org.avatar_url ?? null },
      members: members.map((m) => ({ ...account(m), role: admins.has(m.id) ? 'admin' : 'member' })),
      teams: out,
    };
  }
}

function account(a: GithubAccount): PersonInput {
  return { githubId: a.id, login: a.login, avatarUrl: a.avatar_url ?? null, type: a.type ?? 'User' };
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
