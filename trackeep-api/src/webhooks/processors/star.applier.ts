import { StarHistoryRepository } from '../../repos/data/star-history.repository';
import { date, int, obj, str, type ApplyContext, type ApplyOutcome } from './apply-context';
import { applyRepositoryCounters } from './repository.applier';

/**
 * star: the stargazer row the sync's backfill would write (GitHub's user id and login, `starred_at`), or its
 * removal on `deleted`; then the counters, snapshot and milestones every repository payload gives. A payload
 * without the sender's id (never GitHub's) still updates the counters; the next sync fills the history.
 */
export async function applyStar(ctx: ApplyContext): Promise<ApplyOutcome> {
  const sender = obj(ctx.payload['sender']);
  const userId = int(sender?.['id']);
  const login = str(sender?.['login']);
  const starredAt = date(ctx.payload['starred_at']);
  if (userId !== null && login && starredAt && ctx.delivery.action === 'created') {
    await StarHistoryRepository.upsertStargazers(ctx.tx, ctx.repo.id, [
      { user_github_id: userId, login, starred_at: starredAt.toISOString() },
    ]);
  } else if (userId !== null && ctx.delivery.action === 'deleted') {
    // GitHub says when it was starred, not when it was taken back: the delivery's arrival bounds it.
    await StarHistoryRepository.removeStargazer(ctx.tx, ctx.repo.id, userId, ctx.delivery.received_at);
  }
  return applyRepositoryCounters(ctx);
}
