import {
  MalformedPayload,
  PROCESSED,
  ignored,
  int,
  obj,
  required,
  str,
  type ApplyOutcome,
  type Json,
} from '../webhooks/processors/apply-context';
import type { AccessApplier, AccessApplyContext } from '../webhooks/processors/repo-access.applier';
import { TeamsRepository, type PersonInput, type TeamInput } from './teams.repository';

/**
 * `organization`, `team`, `membership` and `member` webhooks applied to the organizations, teams and people
 * tables, through the same write model as the scheduled sync. A payload is GitHub's word for one change; the
 * next scheduled read of the organization confirms the whole.
 */
export const applyOrgChange: AccessApplier = async (ctx) => {
  try {
    return await apply(ctx);
  } catch (err) {
    if (err instanceof MalformedPayload) return ignored(err.message);
    throw err;
  }
};

/** Runs both appliers on the delivery's transaction: processed when either used it. */
export function alsoApplyOrgChange(first: AccessApplier): AccessApplier {
  return async (ctx) => {
    const a = await first(ctx);
    const b = await applyOrgChange(ctx);
    return a.status === 'processed' ? a : b;
  };
}

async function apply({ tx, delivery, payload, githubHost: host }: AccessApplyContext): Promise<ApplyOutcome> {
  const action = delivery.action ?? '';
  const noChange = () => ignored(`"${delivery.event}" action "${action}" changes no team or membership`);
  if (delivery.event === 'member') {
    // A repository collaborator: only the person is learned.
    const member = person(payload['member']);
    if (!member) return noChange();
    await TeamsRepository.upsertPeople(tx, host, [member]);
    return PROCESSED;
  }
  const orgJson = obj(payload['organization']);
  const org = {
    githubId: required(int(orgJson?.['id']), 'organization.id'),
    login: required(str(orgJson?.['login']), 'organization.login'),
    avatarUrl: str(orgJson?.['avatar_url']),
  };
  if (delivery.event === 'organization') {
    if (action === 'deleted') {
      await TeamsRepository.deleteOrg(tx, host, org.githubId);
      return PROCESSED;
    }
    const orgId = await TeamsRepository.upsertOrg(tx, host, org);
    if (action === 'renamed') return PROCESSED;
    if (action !== 'member_added' && action !== 'member_removed') return noChange();
    const membership = obj(payload['membership']);
    const user = required(person(membership?.['user']), 'membership.user');
    await TeamsRepository.upsertPeople(tx, host, [user]);
    if (action === 'member_removed') await TeamsRepository.removeOrgMember(tx, orgId, user.githubId);
    // An invitation not yet accepted is no membership.
    else if (str(membership?.['state']) !== 'pending')
      await TeamsRepository.upsertOrgMembers(tx, orgId, [
        { githubId: user.githubId, role: str(membership?.['role']) === 'admin' ? 'admin' : 'member' },
      ]);
    return PROCESSED;
  }

  const teamJson = required(obj(payload['team']), 'team');
  const teamGithubId = required(int(teamJson['id']), 'team.id');
  const orgId = await TeamsRepository.upsertOrg(tx, host, org);
  if (delivery.event === 'team' && action === 'deleted') {
    await TeamsRepository.deleteTeamTree(tx, orgId, teamGithubId);
    return PROCESSED;
  }
  // A membership payload of a deleted team carries only its id and name.
  const team = teamJson['deleted'] === true ? null : teamInput(teamJson, teamGithubId);
  const teamId = team
    ? ((await TeamsRepository.upsertTeams(tx, orgId, [team])).get(teamGithubId) ?? null)
    : await TeamsRepository.teamId(tx, orgId, teamGithubId);

  if (delivery.event === 'team') {
    if (!teamId) return noChange();
    const repo = obj(payload['repository']);
    const repoId = int(repo?.['id']);
    if (action === 'removed_from_repository') {
      await TeamsRepository.setTeamRepo(tx, teamId, required(repoId, 'repository.id'), null);
    } else if (repoId !== null && (action === 'added_to_repository' || action === 'edited')) {
      await TeamsRepository.setTeamRepo(tx, teamId, repoId, permissionOf(obj(repo?.['permissions'])));
    }
    return PROCESSED;
  }

  if (delivery.event === 'membership') {
    if (str(payload['scope']) !== 'team') return noChange();
    const member = required(person(payload['member']), 'member');
    await TeamsRepository.upsertPeople(tx, host, [member]);
    if (!teamId) return PROCESSED;
    if (action === 'removed') await TeamsRepository.removeTeamMember(tx, teamId, member.githubId);
    else if (action === 'added') {
      // Joining a team makes them a member of the organization, if they were not yet.
      await TeamsRepository.upsertOrgMembers(tx, orgId, [{ githubId: member.githubId, role: null }]);
      await TeamsRepository.addTeamMembers(tx, teamId, [{ githubId: member.githubId, role: null }]);
    } else return noChange();
    return PROCESSED;
  }
  return noChange();
}

/** A GitHub account object of a payload, or null when it is not one. */
export function person(value: unknown): PersonInput | null {
  const o = obj(value);
  const githubId = int(o?.['id']);
  const login = str(o?.['login']);
  if (githubId === null || !login) return null;
  return {
    githubId,
    login,
    name: str(o?.['name']),
    avatarUrl: str(o?.['avatar_url']),
    type: str(o?.['type']) ?? 'User',
  };
}

function teamInput(t: Json, githubId: number): TeamInput {
  return {
    githubId,
    slug: required(str(t['slug']), 'team.slug'),
    name: required(str(t['name']), 'team.name'),
    description: str(t['description']),
    privacy: str(t['privacy']),
    parentGithubId: int(obj(t['parent'])?.['id']),
  };
}

/** The highest permission a `permissions` object grants (GitHub's names). */
export function permissionOf(p: Json | null): string {
  for (const name of ['admin', 'maintain', 'push', 'triage'] as const) if (p?.[name] === true) return name;
  return 'pull';
}
