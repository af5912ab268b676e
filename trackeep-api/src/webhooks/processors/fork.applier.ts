import { StarHistoryRepository } from '../../repos/data/star-history.repository';
import { date, int, obj, str, type ApplyContext, type ApplyOutcome } from './apply-context';
import { applyRepositoryCounters } from './repository.applier';

/**
 * fork: the fork row the sync's backfill would write (the fork's GitHub id, name and `created_at`); then the
 * counters. A forkee without them (never GitHub's) still updates the counters; the next sync fills the history.
 */
export async function applyFork(ctx: ApplyContext): Promise<ApplyOutcome> {
  const forkee = obj(ctx.payload['forkee']);
  const forkId = int(forkee?.['id']);
  const fullName = str(forkee?.['full_name']);
  const createdAt = date(forkee?.['created_at']);
  if (forkId !== null && fullName && createdAt) {
    await StarHistoryRepository.upsertForks(ctx.tx, ctx.repo.id, [
      { fork_github_id: forkId, full_name: fullName, created_at: createdAt.toISOString() },
    ]);
  }
  return applyRepositoryCounters(ctx);
}
