import { Injectable } from '@nestjs/common';
import type { SyncRunStatus } from '@trackeep/contracts';
import { EventBus, type PublishedEvent, type SqlTx } from '../../events/event-bus.service';

const MIN_INTERVAL_MS = 1000;

/** The run a live event is about. */
export interface SyncRunRef {
  id: string;
  repoId: string;
  fullName: string;
}

/**
 * What a sync tells the live dashboards, published through the EventBus on the transaction that records it:
 * each page's progress (throttled per run) and new timeline entries, and every change of a run's state.
 */
@Injectable()
export class SyncEventsPublisher {
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly bus: EventBus) {}

  /** Inside a page's transaction: its progress (at most every MIN_INTERVAL_MS per run) and new activity. */
  async page(
    tx: SqlTx,
    run: SyncRunRef,
    progress: number | null,
    activityIds: readonly string[],
  ): Promise<void> {
    const events = progress !== null && this.due(run.id) ? [progressEvent(run, progress, 'running')] : [];
    await this.bus.publish(tx, {
      events,
      activity: activityIds.map((id) => ({ repoId: run.repoId, id })),
    });
  }

  /**
   * Inside the transaction that records a run's new state (started, handed over, ended): its progress, and
   * with `repoChanged` the repository's counters, last sync and GitHub state.
   */
  async runState(
    tx: SqlTx,
    run: SyncRunRef,
    progress: number,
    status: SyncRunStatus,
    repoChanged: boolean,
  ): Promise<void> {
    this.lastSent.set(run.id, Date.now());
    if (status !== 'running') this.lastSent.delete(run.id);
    await this.bus.publish(tx, {
      events: [progressEvent(run, progress, status)],
      reposChanged: repoChanged ? [run.repoId] : [],
    });
  }

  /** Inside the transaction that changed the repository's sync state without a progress of its own. */
  async repoChanged(tx: SqlTx, repoId: string): Promise<void> {
    await this.bus.publish(tx, { reposChanged: [repoId] });
  }

  private due(runId: string): boolean {
    const now = Date.now();
    if (now - (this.lastSent.get(runId) ?? 0) < MIN_INTERVAL_MS) return false;
    this.lastSent.set(runId, now);
    return true;
  }
}

function progressEvent(run: SyncRunRef, progress: number, status: SyncRunStatus): PublishedEvent {
  return {
    type: 'sync_progress',
    repoId: run.repoId,
    repoFullName: run.fullName,
    runId: run.id,
    progress,
    status,
  };
}
