import { Injectable } from '@nestjs/common';
import type { SyncRunStatus, WebhookHealth } from '@trackeep/contracts';

export interface RepoSyncSummary {
  lastSyncAt: Date | string | null;
  lastSyncStatus: SyncRunStatus | null;
}

/** Batch lookups keyed by repository id; repos missing from the map get the defaults. */
export type SyncSummaryProvider = (repoIds: string[]) => Promise<Map<string, RepoSyncSummary>>;
export type WebhookHealthProvider = (repoIds: string[]) => Promise<Map<string, WebhookHealth>>;

const NO_WEBHOOK: WebhookHealth = { status: 'not_registered', lastDeliveryAt: null, lastError: null };

/**
 * TrackedRepo carries the last sync (owned by the sync module) and webhook health (owned by the webhooks module). Those modules register a
 * batch provider here at start-up (e.g. in onModuleInit), so the repo list needs no knowledge of their tables.
 */
@Injectable()
export class RepoStatusRegistry {
  private syncProvider: SyncSummaryProvider | null = null;
  private webhookProvider: WebhookHealthProvider | null = null;

  registerSyncSummary(provider: SyncSummaryProvider): void {
    this.syncProvider = provider;
  }

  registerWebhookHealth(provider: WebhookHealthProvider): void {
    this.webhookProvider = provider;
  }

  async lookup(
    repoIds: string[],
  ): Promise<{ sync: (id: string) => RepoSyncSummary; webhook: (id: string) => WebhookHealth }> {
    const [sync, webhook] = await Promise.all([
      repoIds.length && this.syncProvider ? this.syncProvider(repoIds) : new Map<string, RepoSyncSummary>(),
      repoIds.length && this.webhookProvider
        ? this.webhookProvider(repoIds)
        : new Map<string, WebhookHealth>(),
    ]);
    return {
      sync: (id) => sync.get(id) ?? { lastSyncAt: null, lastSyncStatus: null },
      webhook: (id) => webhook.get(id) ?? NO_WEBHOOK,
    };
  }
}
