import { Injectable } from '@nestjs/common';
import {
  PAGE_SIZE_DEFAULT,
  type Page,
  type RepoSyncStatus,
  type SyncRun,
  type SyncStatus,
  type SyncTrigger,
  type SyncTriggerResult,
} from '@trackeep/contracts';
import type { SessionUser } from '../auth/current-user.decorator';
import { decodeCursor, encodeCursor } from '../common/cursor.util';
import { splitFullName } from '../common/full-name.util';
import { GithubRateLimitService } from '../github/github-rate-limit.service';
import type { RepoScope } from '../repos/repo-access.repository';
import { RepoAccessService } from '../repos/repo-access.service';
import { SyncCronJob } from './jobs/sync.cron.job';
import { SyncQueue } from './jobs/sync-queue.service';
import { SyncRunsRepository, toSyncRun } from './runs/sync-runs.repository';

const RUNS_SCOPE = 'sync-runs';
const STATUS_SCOPE = 'sync-status';

/** What the sync endpoints do: trigger runs for what the user may read, and report runs and status. */

@Injectable()
export class SyncService {
  constructor(
    private readonly access: RepoAccessService,
    private readonly queue: SyncQueue,
    private readonly runs: SyncRunsRepository,
    private readonly cron: SyncCronJob,
    private readonly rateLimits: GithubRateLimitService,
  ) {}

  /**
   * The sync itself may run with another tracker's token, so the requester's own access is asked of GitHub
   * first, whatever the age of the last answer: someone removed from the repository gets 404, not a sync.
   */
  async syncRepo(user: SessionUser, owner: string, name: string): Promise<SyncTriggerResult> {
    const repo = await this.access.findReadable(user.id, owner, name, { fresh: true });
    return this.trigger(user, [repo.id], 'manual');
  }

  async syncAll(user: SessionUser): Promise<SyncTriggerResult> {
    return this.trigger(user, await this.access.readableRepoIds(user.id), 'manual');
  }

  async trigger(
    user: Pick<SessionUser, 'id'>,
    repoIds: string[],
    trigger: SyncTrigger,
  ): Promise<SyncTriggerResult> {
    const out: SyncTriggerResult = { runs: [], queued: 0, alreadyQueued: 0 };
    for (const repoId of repoIds) {
      const res = await this.queue.enqueueRepo(repoId, trigger, { requestedBy: user.id });
      if (res.run) out.runs.push(toSyncRun(res.run));
      if (res.queued) out.queued++;
      else out.alreadyQueued++;
    }
    return out;
  }

  async listRuns(
    user: SessionUser,
    q: { repo?: string; limit?: number; cursor?: string },
  ): Promise<Page<SyncRun>> {
    const limit = q.limit ?? 25;
    let inView: RepoScope;
    if (q.repo) {
      const [owner, name] = splitFullName(q.repo);
      inView = { repoIds: [(await this.access.findReadable(user.id, owner, name)).id] };
    } else {
      inView = await this.access.readableScope(user.id);
    }
    const scope = `${RUNS_SCOPE}:${q.repo?.toLowerCase() ?? '*'}`;
    let after: { time: string; id: string } | null = null;
    if (q.cursor) {
      const [time, id] = decodeCursor(q.cursor, scope, ['date', 'uuid']) as [string, string];
      after = { time, id };
    }
    const rows = await this.runs.list(inView, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toSyncRun),
      nextCursor: rows.length > limit && last ? encodeCursor(scope, [last.queued_cursor, last.id]) : null,
    };
  }

  /**
   * Status of the repositories the user tracks, a page at a time by name. Those GitHub no longer shows them
   * (deleted, or their access was removed) stay listed, with the reason and nothing else: the user named them
   * when tracking.
   */
  async status(user: SessionUser, q: { limit?: number; cursor?: string }): Promise<SyncStatus> {
    const limit = q.limit ?? PAGE_SIZE_DEFAULT;
    let after: { name: string; id: string } | null = null;
    if (q.cursor) {
      const [name, id] = decodeCursor(q.cursor, STATUS_SCOPE, ['string', 'uuid']) as [string, string];
      after = { name, id };
    }
    const [rows, totals, rateLimits] = await Promise.all([
      this.access.recheckStale(user.id).then(() => this.runs.statusPage(user.id, limit + 1, after)),
      this.runs.statusTotals(user.id),
      this.rateLimits.budgets(user.id),
    ]);
    const page = rows.slice(0, limit);
    const next = this.cron.nextCycleAt().toISOString();
    const now = new Date().toISOString();
    // Built field by field: a rest-and-spread copy per repository was the page's largest cost.
    const repos = page.map((r): RepoSyncStatus => {
      if (r.lost) {
        return {
          repoId: r.repoId,
          repoFullName: r.repoFullName,
          lastSuccessAt: null,
          running: false,
          progress: null,
          nextScheduledAt: null,
          lastError:
            r.githubState === 'deleted'
              ? 'The repository was deleted on GitHub'
              : 'GitHub no longer gives you access to this repository',
        };
      }
      // A rate-limit pause (any shape GitHub sends it in) is shown with its end, never as lost access.
      const paused = r.pausedUntil ? r.pausedUntil.toISOString() : null;
      return {
        repoId: r.repoId,
        repoFullName: r.repoFullName,
        lastSuccessAt: r.lastSuccessAt,
        running: r.running,
        progress: r.progress,
        lastError: r.lastError,
        block: r.block,
        pausedUntil: paused,
        nextScheduledAt: paused ?? (r.queued ? now : next),
      };
    });
    const last = page[page.length - 1];
    return {
      repos,
      nextCursor:
        rows.length > limit && last ? encodeCursor(STATUS_SCOPE, [last.repoFullName, last.repoId]) : null,
      tracked: totals.tracked,
      running: totals.running,
      rateLimits,
    };
  }
}
