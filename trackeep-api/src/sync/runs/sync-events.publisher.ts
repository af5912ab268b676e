import { Injectable, Logger } from '@nestjs/common';
import type { SyncRunStatus } from '@trackeep/contracts';
import { EventBus } from '../../events/event-bus.service';

const MIN_INTERVAL_MS = 1000;

/**
 * Live sync progress and new timeline entries, published through the EventBus (Postgres NOTIFY) so every
 * replica's dashboard clients see them. Progress is throttled per run; a lost notification only delays
 * the dashboard, so failures are logged and never fail the sync.
 */
@Injectable()
export class SyncEventsPublisher {
  private readonly logger = new Logger(SyncEventsPublisher.name);
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly bus: EventBus) {}

  async progress(
    run: { id: string; repoId: string; fullName: string },
    progress: number,
    status: SyncRunStatus,
    force = false,
  ): Promise<void> {
    const now = Date.now();
    const last = this.lastSent.get(run.id) ?? 0;
    if (!force && now - last < MIN_INTERVAL_MS) return;
    this.lastSent.set(run.id, now);
    if (status !== 'running') this.lastSent.delete(run.id);
    try {
      await this.bus.publish({
        type: 'sync_progress',
        repoId: run.repoId,
        repoFullName: run.fullName,
        runId: run.id,
        progress,
        status,
      });
    } catch (err) {
      this.logger.warn(`could not publish sync progress of ${run.fullName}: ${(err as Error).message}`);
    }
  }

  /** A run ended: the repository's counters, last sync and GitHub state may have changed. */
  async repoChanged(repoId: string): Promise<void> {
    try {
      await this.bus.publishRepoChanged(repoId);
    } catch (err) {
      this.logger.warn(`could not publish the change of repository ${repoId}: ${(err as Error).message}`);
    }
  }

  async activity(repoId: string, ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.bus.publishActivity(repoId, id);
      } catch (err) {
        this.logger.warn(`could not publish activity ${id}: ${(err as Error).message}`);
        return;
      }
    }
  }
}
