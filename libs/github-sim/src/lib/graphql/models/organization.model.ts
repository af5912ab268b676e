import { hasScope } from '../../rest/access';
import { avatarUrl, iso, nodeId } from '../../rest/serializers';
import type { SimOrg, SimTeam, SimUser } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, type Obj, type OrderArg } from './gql-model';

/** Organization: profile, repositories, members (all for members, public ones otherwise) and teams (read:org). */
export class OrganizationModel extends GqlModel {
  of(o: SimOrg): Obj {
    const w = this.w;
    const m = this.m;
    const isMember = o.members.has(this.c.viewerId);
    return {
      __typename: 'Organization',
      id: nodeId('Organization', o.id),
      databaseId: o.id,
      login: o.login,
      name: o.name,
      description: o.description,
      email: null,
      location: null,
      websiteUrl: null,
      isVerified: false,
      createdAt: iso(o.createdAt),
      updatedAt: iso(o.createdAt),
      avatarUrl: () => avatarUrl(this.c.urls, o.id),
      url: `${this.c.urls.web}/${o.login}`,
      resourcePath: `/${o.login}`,
      viewerIsAMember: isMember,
      viewerCanAdminister: o.members.get(this.c.viewerId) === 'admin',
      repositories: (
        a: PageArgs & { privacy?: string; orderBy?: OrderArg; isFork?: boolean; isArchived?: boolean },
      ) => {
        const repos = [...w.repos.values()].filter(
          (r) => r.ownerType === 'Organization' && r.ownerId === o.id && m.repository.matches(r, a),
        );
        return m.repository.connection(repos, a);
      },
      membersWithRole: (a: PageArgs) => {
        const ids = isMember ? [...o.members.keys()] : [...o.publicMembers];
        const users = ids.map((id) => w.users.get(id) as SimUser);
        return listConnection(
          users,
          a,
          (u) => m.user.of(u),
          (u) => ({ role: o.members.get(u.id) === 'admin' ? 'ADMIN' : 'MEMBER', hasTwoFactorEnabled: null }),
        );
      },
      teams: (a: PageArgs & { userLogins?: string[]; query?: string }) => {
        if (!isMember || !hasScope(this.c.scopes, 'read:org')) return listConnection([], a, (t) => t);
        let teams = this.visibleTeams(o);
        if (a.userLogins?.length) {
          const ids = a.userLogins.map((l) => w.user(l)?.id).filter((x): x is number => x !== undefined);
          teams = teams.filter((t) => ids.some((id) => t.members.has(id)));
        }
        if (a.query)
          teams = teams.filter((t) => t.name.toLowerCase().includes((a.query as string).toLowerCase()));
        return listConnection(teams, a, (t) => m.team.of(o, t));
      },
      team: (a: { slug: string }) => {
        if (!isMember || !hasScope(this.c.scopes, 'read:org')) return null;
        const t = this.visibleTeams(o).find((x) => x.slug === a.slug.toLowerCase());
        return t ? m.team.of(o, t) : null;
      },
    };
  }

  /** Secret teams show only to their members and the org's admins. */
  private visibleTeams(o: SimOrg): SimTeam[] {
    const isAdmin = o.members.get(this.c.viewerId) === 'admin';
    return o.teams.filter((t) => t.privacy === 'closed' || isAdmin || t.members.has(this.c.viewerId));
  }
}
