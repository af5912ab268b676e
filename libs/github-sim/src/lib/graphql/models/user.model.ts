import { hasScope } from '../../rest/access';
import { avatarUrl, iso, nodeId } from '../../rest/serializers';
import type { SimUser } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, type Obj, type OrderArg } from './gql-model';

/** User: profile (email only with user:email for the viewer), repositories by affiliation, orgs, stars. */
export class UserModel extends GqlModel {
  of(u: SimUser): Obj {
    const w = this.w;
    const m = this.m;
    const isViewer = u.id === this.c.viewerId;
    return {
      __typename: 'User',
      id: nodeId('User', u.id),
      databaseId: u.id,
      login: u.login,
      name: u.name,
      email: isViewer && hasScope(this.c.scopes, 'user:email') ? u.email : isViewer ? '' : u.email,
      avatarUrl: () => avatarUrl(this.c.urls, u.id),
      url: `${this.c.urls.web}/${u.login}`,
      resourcePath: `/${u.login}`,
      createdAt: iso(u.createdAt),
      updatedAt: iso(u.createdAt),
      company: u.company,
      location: u.location,
      bio: u.bio,
      websiteUrl: null,
      twitterUsername: null,
      isSiteAdmin: u.siteAdmin,
      isViewer,
      repositories: (
        a: PageArgs & {
          privacy?: string;
          orderBy?: OrderArg;
          ownerAffiliations?: string[];
          affiliations?: string[];
          isFork?: boolean;
          isArchived?: boolean;
        },
      ) => {
        const owner = a.ownerAffiliations ?? ['OWNER', 'COLLABORATOR'];
        const aff = a.affiliations ?? owner;
        const repos = [...w.repos.values()].filter((r) => {
          const af = w.affiliationOf(r, u.id);
          return !!af && aff.includes(af.toUpperCase()) && m.repository.matches(r, a);
        });
        return m.repository.connection(repos, a);
      },
      organizations: (a: PageArgs) => {
        const all = isViewer && (hasScope(this.c.scopes, 'read:org') || this.c.scopes.includes('user'));
        const orgs = w.orgsOf(u.id).filter((o) => all || o.publicMembers.has(u.id));
        return listConnection(orgs, a, (o) => m.organization.of(o));
      },
      starredRepositories: (a: PageArgs) => {
        const repos = [...w.repos.values()].filter(
          (r) => r.detail?.stars.some((s) => s.userId === u.id) && this.visible(r),
        );
        return { ...listConnection(repos, a, (r) => m.repository.of(r)), isOverLimit: false };
      },
    };
  }
}
