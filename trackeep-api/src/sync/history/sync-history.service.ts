import { Injectable } from '@nestjs/common';
import type { SyncHistory } from '@trackeep/contracts';
import type { SessionUser } from '../../auth/current-user.decorator';
import { ApiException } from '../../common/api-exception';
import { RepoAccessService } from '../../repos/repo-access.service';
import { permissionRank } from '../../repos/repo-permission.util';
import { historyStart, SIDE_STREAMS } from '../engine/side-streams';
import { WORKFLOW_RUNS_STREAM } from '../engine/workflow-runs.stream';
import { SyncService } from '../sync.service';
import { SyncSettings } from '../sync.settings';
import { SyncHistoryRepository, type HistoryWindow } from './sync-history.repository';

/** GitHub was founded in 2008: nothing to read before. */
const EARLIEST = '2008-01-01';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Reads `{ since }` from a client: a day, "all", or null; every problem named. */
export function parseHistoryBody(body: unknown, today: string): HistoryWindow {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw ApiException.badRequest('the body must be an object: { "since": "YYYY-MM-DD" | "all" | null }');
  const extra = Object.keys(body).filter((k) => k !== 'since');
  if (extra.length)
    throw ApiException.badRequest(`unknown field ${extra.join(', ')}; only since is accepted`);
  const since = (body as Record<string, unknown>)['since'];
  if (since === undefined) throw ApiException.badRequest('since is required: "YYYY-MM-DD", "all" or null');
  if (since === null) return { since: null, all: false };
  if (since === 'all') return { since: null, all: true };
  if (typeof since !== 'string' || !DAY.test(since))
    throw ApiException.badRequest(
      'since must be a day (YYYY-MM-DD), "all", or null for the instance default',
    );
  const parsed = new Date(`${since}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== since)
    throw ApiException.badRequest(`since ${since} is not a calendar day`);
  if (since < EARLIEST) throw ApiException.badRequest(`since must be ${EARLIEST} or later`);
  if (since > today) throw ApiException.badRequest(`since ${since} is in the future`);
  return { since, all: false };
}

/** The history window of one repository: read by anyone who can read it, changed by its maintainers. */
@Injectable()
export class SyncHistoryService {
  constructor(
    private readonly access: RepoAccessService,
    private readonly settings: SyncSettings,
    private readonly history: SyncHistoryRepository,
    private readonly sync: SyncService,
  ) {}

  async get(user: SessionUser, owner: string, name: string): Promise<SyncHistory> {
    const repo = await this.access.findReadable(user.id, owner, name);
    return this.view(user, repo, await this.history.get(repo.id));
  }

  /**
   * Saves the window. A window that now starts earlier restarts the streams it bounds, and a sync is queued to
   * read back to the new start; a narrower one keeps what is stored.
   */
  async set(user: SessionUser, owner: string, name: string, body: unknown): Promise<SyncHistory> {
    const repo = await this.access.findReadable(user.id, owner, name);
    const window = parseHistoryBody(body, new Date().toISOString().slice(0, 10));
    if (!(await this.canEdit(user, repo.id)))
      throw ApiException.forbidden(
        'permission_denied',
        `Changing how far back ${repo.fullName} is read takes the maintain or admin permission on GitHub`,
      );
    const before = historyStart(
      toRecord(await this.history.get(repo.id)),
      this.settings.historyDays,
      Date.now,
    );
    const after = historyStart(toRecord(window), this.settings.historyDays, Date.now);
    const reachesFurther = before !== null && (after === null || after < before);
    await this.history.set(repo.id, window, reachesFurther ? [...SIDE_STREAMS, WORKFLOW_RUNS_STREAM] : []);
    if (reachesFurther) await this.sync.trigger(user, [repo.id], 'manual');
    return this.view(user, repo, window);
  }

  private async view(
    user: SessionUser,
    repo: { id: string; fullName: string },
    window: HistoryWindow,
  ): Promise<SyncHistory> {
    const start = historyStart(toRecord(window), this.settings.historyDays, Date.now);
    return {
      repository: repo.fullName,
      since: window.all ? 'all' : window.since,
      effectiveSince: start === null ? null : new Date(start).toISOString(),
      instanceDays: this.settings.historyDays,
      canEdit: await this.canEdit(user, repo.id),
    };
  }

  private async canEdit(user: SessionUser, repoId: string): Promise<boolean> {
    const permission = await this.access.recordedPermission(user.id, repoId);
    return !!permission && permissionRank(permission) >= permissionRank('maintain');
  }
}

function toRecord(w: HistoryWindow): { history_since: string | null; history_all: boolean } {
  return { history_since: w.since, history_all: w.all };
}
