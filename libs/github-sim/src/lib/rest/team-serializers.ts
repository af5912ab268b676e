import type { SimOrg, SimTeam } from '../world/world.types';
import { nodeId, type Schemas, type Urls } from './serializers';

/** GitHub's `team-simple`: a team without its parent (what `parent` itself is). */
export function teamSimple(urls: Urls, o: SimOrg, t: SimTeam): Schemas['team-simple'] {
  const api = `${urls.api}/organizations/${o.id}/team/${t.id}`;
  return {
    id: t.id,
    node_id: nodeId('Team', t.id),
    url: api,
    members_url: `${api}/members{/member}`,
    name: t.name,
    description: t.description,
    permission: 'pull',
    privacy: t.privacy,
    notification_setting: 'notifications_enabled',
    html_url: `${urls.web}/orgs/${o.login}/teams/${t.slug}`,
    repositories_url: `${api}/repos`,
    slug: t.slug,
    type: 'organization',
    organization_id: o.id,
  };
}

/** GitHub's `team`: the simple team plus its parent (null at the top of the tree). */
export function teamBody(urls: Urls, o: SimOrg, t: SimTeam): Schemas['team'] {
  const parent = t.parentId === null ? undefined : o.teams.find((x) => x.id === t.parentId);
  return { ...teamSimple(urls, o, t), parent: parent ? teamSimple(urls, o, parent) : null };
}

/** The teams a person can see in an organization: visible (closed) ones, and secret ones to admins and members. */
export function visibleTeams(o: SimOrg, viewerId: number): SimTeam[] {
  const isAdmin = o.members.get(viewerId) === 'admin';
  return o.teams.filter((t) => t.privacy === 'closed' || isAdmin || t.members.has(viewerId));
}
