import { Injectable } from '@nestjs/common';
import type {
  Page,
  RepoSyncStatus,
  SyncRun,
  SyncStatus,
  SyncTrigger,
  SyncTriggerResult,
} from '@trackeep/contracts';
import type { SessionUser } from '../auth/current-user.decorator';
import { ApiException } from '../common/api-exception';
import { decodeCursor, encodeCursor } from '../common/cursor.util';
import { splitFullName } from '../common/full-name.util';
import { GithubRateLimitService } from '../github/github-rate-limit.service';
import type { RepoScope } from '../repos/repo-access.repository';
import { RepoAccessService } from '../repos/repo-access.service';
import { ReposService } from '../repos/repos.service';
import { SyncCronJob } from './jobs/sync.cron.job';
import { SyncQueue } from './jobs/sync-queue.service';
import { SyncRunsRepository, toSyncRun } from './runs/sync-runs.repository';

const RUNS_SCOPE = 'sync-runs';

/** What the sync endpoints do: trigger runs for what the user may read, and report runs and status. */
/** One collator for every sort (String#localeCompare builds one per call). */
const BY_NAME = new Intl.Collator();

@Injectable()
export class SyncService {
  constructor(
    private readonly access: RepoAccessService,
    private readonly repos: ReposService,
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
      const [time, id] = decodeCursor(q.cursor, scope, ['date', 'string']) as [string, string];
      if (!/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(id))
        throw ApiException.badRequest('cursor is malformed; pass back the nextCursor of the previous page');
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
   * Status of every repository the user tracks. Those GitHub no longer shows them (deleted, or their access
   * was removed) stay listed, with the reason and nothing else: the user named them when tracking.
   */
  async status(user: SessionUser): Promise<SyncStatus> {
    const [states, lost, rateLimits] = await Promise.all([
      this.access.readableScope(user.id).then((readable) => this.runs.statusOf(readable)),
      this.repos.trackedWithoutAccess(user.id),
      this.rateLimits.budgets(user.id),
    ]);
    const next = this.cron.nextCycleAt().toISOString();
    const now = new Date().toISOString();
    // Built field by field: a rest-and-spread copy per repository was the page's largest cost.
    const repos: RepoSyncStatus[] = states.map((r) => {
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
    for (const r of lost) {
      repos.push({
        repoId: r.id,
        repoFullName: r.fullName,
        lastSuccessAt: null,
        running: false,
        progress: null,
        nextScheduledAt: null,
        lastError:
          r.githubState === 'deleted'
            ? 'The repository was deleted on GitHub'
            : 'GitHub no longer gives you access to this repository',
      });
    }
    // The readable ones come sorted by name; only the lost ones need placing among them.
    if (lost.length) repos.sort((a, b) => BY_NAME.compare(a.repoFullName, b.repoFullName));
    return { repos, rateLimits };
  }
}
