import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { conflictBackoffMs, retryOnConflict } from '@trackeep/server-core';
import { ActivityRollupsRepository } from './activity-rollups.repository';
import { FactVersionsRepository } from './fact-versions.repository';

/** Repositories counted per transaction: writers wait for each, so it stays short. */
const BATCH = 20;
/** How often queued changes are folded (rollups, fact versions) when nobody reads them (readers fold first anyway). */
const FOLD_EVERY_MS = 5_000;

/**
 * Keeps the activity rollups' and the fact versions' queues short: folds them every few seconds (any replica; one
 * at a time). And counts, once, the repositories stored before the rollups existed (an upgraded instance), in the
 * background after start. Until that is done their work is missing from the organization and team pages.
 */
@Injectable()
export class ActivityRollupsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ActivityRollupsService.name);
  private stopping = false;
  private running: Promise<number> | null = null;
  private folder: NodeJS.Timeout | null = null;
  private folding: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly rollups: ActivityRollupsRepository,
    private readonly versions: FactVersionsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.folder = setInterval(() => {
      this.folding = Promise.all([this.rollups.fold(), this.versions.fold()]).catch((err: unknown) => {
        if (!this.stopping)
          this.logger.warn(`folding activity changes failed; retried shortly: ${String(err)}`);
      });
    }, FOLD_EVERY_MS);
    this.folder.unref();
    this.running = this.rebuildPending().catch((err: unknown) => {
      if (!this.stopping)
        this.logger.warn(`counting stored activity stopped; it resumes at the next start: ${String(err)}`);
      return 0;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.folder) clearInterval(this.folder);
    await Promise.all([this.running, this.folding]);
  }

  /** Counts every pending repository; returns how many this replica counted. */
  async rebuildPending(): Promise<number> {
    const total = await this.rollups.pending();
    if (!total) return 0;
    this.logger.log(
      `counting the stored activity of ${total} repositories for the organization and team pages`,
    );
    let done = 0;
    while (!this.stopping) {
      // A writer already holding one table while waiting for the other: the batch is taken again, after a pause
      // that grows while the conflicts go on (no batch once the replica is stopping).
      const n = await retryOnConflict(
        () => (this.stopping ? Promise.resolve(0) : this.rollups.rebuild(BATCH)),
        {
          retries: Infinity,
          delayMs: conflictBackoffMs,
        },
      );
      if (!n) break;
      done += n;
      if (done % (BATCH * 25) === 0) this.logger.log(`activity counted for ${done} of ${total} repositories`);
    }
    this.logger.log(`activity counted for ${done} repositories`);
    return done;
  }
}
