import { nodeId } from '../../rest/serializers';
import type { RepoPermission, SimOrg, SimRepo, SimTeam, SimUser } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, type Obj, PERMISSION_ENUM } from './gql-model';

/** Team: members with their role, and the repositories it grants with the permission. */
export class TeamModel extends GqlModel {
  of(o: SimOrg, t: SimTeam): Obj {
    const w = this.w;
    const m = this.m;
    return {
      __typename: 'Team',
      id: nodeId('Team', t.id),
      databaseId: t.id,
      name: t.name,
      slug: t.slug,
      combinedSlug: `${o.login}/${t.slug}`,
      description: t.description,
      privacy: t.privacy === 'secret' ? 'SECRET' : 'VISIBLE',
      url: `${this.c.urls.web}/orgs/${o.login}/teams/${t.slug}`,
      organization: () => m.organization.of(o),
      members: (a: PageArgs & { role?: string }) => {
        const entries = [...t.members.entries()].filter(
          ([, role]) => !a.role || role.toUpperCase() === a.role,
        );
        return listConnection(
          entries,
          a,
          ([id]) => m.user.of(w.users.get(id) as SimUser),
          ([, role]) => ({ role: role.toUpperCase() }),
        );
      },
      repositories: (a: PageArgs) => {
        const entries = [...t.repos.entries()]
          .map(([id, p]) => [w.repos.get(id), p] as const)
          .filter((e): e is readonly [SimRepo, RepoPermission] => !!e[0] && this.visible(e[0]));
        return listConnection(
          entries,
          a,
          ([r]) => m.repository.of(r),
          ([, p]) => ({ permission: PERMISSION_ENUM[p] }),
        );
      },
    };
  }
}
