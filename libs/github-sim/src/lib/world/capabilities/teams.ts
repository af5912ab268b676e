import type { SimOrgEvent } from '../domain-events';
import { SimError, validationFailed } from '../sim-error';
import type { RepoPermission, SimOrg, SimTeam } from '../world.types';
import { WorldCapability } from './world-capability';

export interface NewTeamInput {
  org: string;
  name: string;
  /** Slug of the parent team (nested teams). */
  parent?: string | null;
  privacy?: 'closed' | 'secret';
  description?: string;
}

/** `role: null` removes the person from the team. */
export interface TeamMembershipInput {
  org: string;
  team: string;
  login: string;
  role?: 'maintainer' | 'member' | null;
}

/** `permission: null` takes the repository away from the team. */
export interface TeamRepoInput {
  org: string;
  team: string;
  repo: string;
  permission?: RepoPermission | null;
}

/** GitHub's slug: the name lowercased, runs of anything but letters and digits made one dash. */
export function teamSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Teams of an organization: creation (nested under a parent), deletion (children go with it), members and
 * repositories. Each change emits the webhook GitHub sends for it (`team`, `membership`).
 */
export class Teams extends WorldCapability {
  createTeam(input: NewTeamInput): SimTeam {
    const org = this.requireOrg(input.org);
    const slug = teamSlug(input.name);
    if (!slug) throw validationFailed([{ resource: 'Team', field: 'name', code: 'invalid' }]);
    if (org.teams.some((t) => t.slug === slug))
      throw validationFailed([{ resource: 'Team', field: 'name', code: 'already_exists' }]);
    const parent = input.parent ? this.requireTeam(org, input.parent) : null;
    // GitHub: a secret team cannot be nested, nor have children.
    if (parent && (parent.privacy === 'secret' || input.privacy === 'secret'))
      throw new SimError(422, 'A secret team cannot be nested.');
    const team: SimTeam = {
      id: this.store.nextId('team'),
      orgId: org.id,
      slug,
      name: input.name,
      description: input.description ?? '',
      privacy: input.privacy ?? 'closed',
      parentId: parent?.id ?? null,
      members: new Map(),
      repos: new Map(),
    };
    org.teams.push(team);
    this.announce({ type: 'team', org, senderId: this.adminOf(org), action: 'created', team });
    return team;
  }

  deleteTeam(orgLogin: string, slug: string): void {
    const org = this.requireOrg(orgLogin);
    const team = this.requireTeam(org, slug);
    const gone = new Set([team.id]);
    // Children, grandchildren …: the order of org.teams is creation order, so one pass per level.
    for (let grew = true; grew;) {
      grew = false;
      for (const t of org.teams)
        if (t.parentId !== null && gone.has(t.parentId) && !gone.has(t.id)) {
          gone.add(t.id);
          grew = true;
        }
    }
    const removed = org.teams.filter((t) => gone.has(t.id));
    org.teams = org.teams.filter((t) => !gone.has(t.id));
    for (const t of removed)
      this.announce({ type: 'team', org, senderId: this.adminOf(org), action: 'deleted', team: t });
  }

  setTeamMembership(input: TeamMembershipInput): void {
    const org = this.requireOrg(input.org);
    const team = this.requireTeam(org, input.team);
    const user = this.store.requireUser(input.login);
    const was = team.members.get(user.id);
    if (input.role === null) {
      if (!was) return;
      team.members.delete(user.id);
    } else {
      if (!org.members.has(user.id))
        throw new SimError(422, `${user.login} is not a member of the ${org.login} organization.`);
      team.members.set(user.id, input.role ?? 'member');
      if (was) return;
    }
    this.announce({
      type: 'membership',
      org,
      senderId: this.adminOf(org),
      action: input.role === null ? 'removed' : 'added',
      team,
      memberId: user.id,
    });
  }

  setTeamRepo(input: TeamRepoInput): void {
    const org = this.requireOrg(input.org);
    const team = this.requireTeam(org, input.team);
    const repo = this.store.repo(org.login, input.repo);
    if (!repo || repo.deleted) throw new SimError(404, `Unknown repository "${org.login}/${input.repo}"`);
    const had = team.repos.get(repo.id);
    if (input.permission === null) {
      if (!had) return;
      team.repos.delete(repo.id);
    } else team.repos.set(repo.id, input.permission ?? 'pull');
    this.announce({
      type: 'team',
      org,
      senderId: this.adminOf(org),
      action: input.permission === null ? 'removed_from_repository' : had ? 'edited' : 'added_to_repository',
      team,
      repo,
      changes:
        had && input.permission !== null
          ? {
              repository: {
                permissions: {
                  from: { admin: had === 'admin', pull: true, push: had !== 'pull' && had !== 'triage' },
                },
              },
            }
          : undefined,
    });
  }

  private announce(event: SimOrgEvent): void {
    // `settled()` waits for the deliveries.
    this.store.track(this.store.emit(event));
  }

  private requireOrg(login: string): SimOrg {
    const org = this.store.org(login);
    if (!org) throw new SimError(404, `Unknown organization "${login}"`);
    return org;
  }

  private requireTeam(org: SimOrg, slug: string): SimTeam {
    const team = org.teams.find((t) => t.slug === slug.toLowerCase());
    if (!team) throw new SimError(404, `Unknown team "${org.login}/${slug}"`);
    return team;
  }

  /** GitHub's sender: an admin of the organization (the first one), as the person making the change. */
  private adminOf(org: SimOrg): number {
    const admin = [...org.members].find(([, role]) => role === 'admin')?.[0];
    return admin ?? (org.members.keys().next().value as number);
  }
}
