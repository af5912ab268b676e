import type { Transaction } from 'kysely';
import type { DB } from '../../database/db.types';
import { RepoAccessRepository } from '../../repos/repo-access.repository';
import {
  MalformedPayload,
  PROCESSED,
  ignored,
  int,
  obj,
  required,
  str,
  type ApplyContext,
  type ApplyOutcome,
  type DeliveryRow,
  type Json,
} from './apply-context';

/** What an access applier gets: these events may concern no tracked repository (organization and team hooks). */
export interface AccessApplyContext {
  tx: Transaction<DB>;
  delivery: DeliveryRow;
  payload: Json;
  /** The GitHub host this instance signs in with (users and repositories are keyed by it). */
  githubHost: string;
}

export type AccessApplier = (ctx: AccessApplyContext) => Promise<ApplyOutcome>;

/**
 * Access changes on GitHub take effect at once. Where the payload names the person and the repository
 * (`member` removed, a repository deleted), their access row is deleted. Where it does not say exactly who lost what (a team, an
 * organization, a repository made private or moved), the affected rows are marked stale, so the next use asks
 * GitHub with the person's own token (RepoAccessService). A payload is a hint; GitHub stays the judge.
 */
export const applyAccessChange: AccessApplier = async (ctx) => {
  try {
    const marked = await apply(ctx);
    return marked === null
      ? ignored(`"${ctx.delivery.event}" action "${ctx.delivery.action ?? ''}" changes no access`)
      : PROCESSED;
  } catch (err) {
    if (err instanceof MalformedPayload) return ignored(err.message);
    throw err;
  }
};

/** Rows changed, or null when the action does not take access away. */
async function apply({ tx, delivery, payload, githubHost }: AccessApplyContext): Promise<number | null> {
  const action = delivery.action;
  const repoId = () => required(int(obj(payload['repository'])?.['id']), 'repository.id');
  const orgLogin = () => required(str(obj(payload['organization'])?.['login']), 'organization.login');
  const userId = (holder: string) => required(int(obj(payload[holder])?.['id']), `${holder}.id`);
  switch (delivery.event) {
    case 'member':
      if (action === 'removed')
        return RepoAccessRepository.revokeGithubUser(tx, githubHost, userId('member'), repoId());
      // A changed permission: the person's row is asked again (and records the new permission).
      if (action === 'edited')
        return RepoAccessRepository.markRepoUserStale(tx, githubHost, userId('member'), repoId());
      return null;
    case 'membership':
      // Removed from a team: which repositories the team gave is not in the payload.
      return action === 'removed'
        ? RepoAccessRepository.markUserStaleForOwner(tx, githubHost, userId('member'), orgLogin())
        : null;
    case 'organization': {
      if (action !== 'member_removed') return null;
      const user = required(int(obj(obj(payload['membership'])?.['user'])?.['id']), 'membership.user.id');
      return RepoAccessRepository.markUserStaleForOwner(tx, githubHost, user, orgLogin());
    }
    case 'team':
      if (
        action === 'removed_from_repository' ||
        (action === 'edited' && obj(obj(payload['changes'])?.['repository']))
      ) {
        return RepoAccessRepository.markRepoStale(tx, githubHost, repoId());
      }
      return action === 'deleted' ? RepoAccessRepository.markOwnerStale(tx, githubHost, orgLogin()) : null;
    default:
      return null;
  }
}

/**
 * `repository` deliveries (after the repository's own change is applied): deleted, nobody reads it any more;
 * made private or transferred, everyone's access is asked again at its next use.
 */
export async function applyRepositoryAccess(ctx: ApplyContext): Promise<void> {
  const action = ctx.delivery.action;
  if (action === 'deleted') await RepoAccessRepository.revokeAll(ctx.tx, ctx.repo.id);
  else if (action === 'privatized' || action === 'transferred')
    await RepoAccessRepository.markAllStale(ctx.tx, ctx.repo.id);
}
