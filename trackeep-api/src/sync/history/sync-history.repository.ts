import { Injectable } from '@nestjs/common';
import { inTransaction } from '@trackeep/server-core';
import { Kysely } from 'kysely';
import type { DB } from '../../database/db.types';
import { RepositoriesRepository } from '../../repos/data/repositories.repository';
import { SyncStore } from '../engine/sync-store.repository';

export interface HistoryWindow {
  since: string | null;
  all: boolean;
}

/** A repository's own history window, and the cursors that must start over when it reaches further back. */
@Injectable()
export class SyncHistoryRepository {
  private readonly store = new SyncStore();

  constructor(private readonly db: Kysely<DB>) {}

  async get(repoId: string): Promise<HistoryWindow> {
    const repo = await RepositoriesRepository.load(this.db, repoId);
    return { since: repo?.history_since ?? null, all: repo?.history_all ?? false };
  }

  /** Saves the window; `restart` streams forget their cursors, so the next sync reads back to the new start. */
  async set(repoId: string, window: HistoryWindow, restart: readonly string[]): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await RepositoriesRepository.setHistoryWindow(tx, repoId, window);
      await this.store.forgetCursors(tx, repoId, [...restart]);
    });
  }
}
