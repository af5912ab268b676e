import { Injectable } from '@nestjs/common';
import { inTransaction, prepared } from '@trackeep/server-core';
import { Kysely, sql } from 'kysely';
import type { DB } from '../../database/db.types';

/** A repository hook Trackeep registered, whose delivery log the redelivery job reads. */
export interface OwnedRepoHook {
  kind: 'repository';
  repoId: string;
  hookId: number;
  owner: string;
  name: string;
  fullName: string;
  /** The admin whose token created the hook, asked first. */
  registeredBy: string | null;
}

/** The GitHub App's webhook (one per App, for every installation): its log is `GET /app/hook/deliveries`. */
export interface AppHook {
  kind: 'app';
  appId: number;
}

export type OwnedHook = OwnedRepoHook | AppHook;

/** The newest failed attempt GitHub lists for a GUID that no attempt delivered. */
export interface FailedDelivery {
  guid: string;
  githubDeliveryId: number;
  event: string;
  action: string | null;
  deliveredAt: Date;
}

/** A redelivery this run may ask GitHub for: claimed, so no other run or replica asks for it too. */
export interface ClaimedRedelivery {
  guid: string;
  githubDeliveryId: number;
}

/**
 * The redelivery job's state: per hook, the newest entry of GitHub's delivery log already read
 * (`webhook_redelivery_cursors` per repository hook, `webhook_app_redelivery_cursors` per App), and per GUID what
 * was asked of GitHub (`webhook_redeliveries`, owned by a repository hook or by the App). It reads the inbox
 * (`webhook_deliveries.delivery_id`) to leave alone every GUID Trackeep stored.
 */
@Injectable()
export class WebhookRedeliveryRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Hooks Trackeep registered and has not removed (their id known). */
  async ownedHooks(): Promise<OwnedRepoHook[]> {
    const rows = await this.db
      .selectFrom('webhook_registrations as w')
      .innerJoin('repositories as r', 'r.id', 'w.repo_id')
      .select(['w.repo_id', 'w.hook_id', 'w.registered_by', 'r.owner', 'r.name', 'r.full_name'])
      .where('w.hook_id', 'is not', null)
      .where('w.status', 'in', ['pending', 'active', 'failing'])
      .orderBy('w.repo_id')
      .execute();
    return rows.map((r) => ({
      kind: 'repository' as const,
      repoId: r.repo_id,
      hookId: Number(r.hook_id),
      owner: r.owner,
      name: r.name,
      fullName: r.full_name,
      registeredBy: r.registered_by,
    }));
  }

  /** Seconds since a run last finished, on any replica, by the database's clock; null before the first. */
  async secondsSinceLastRun(): Promise<number | null> {
    const row = await this.db
      .selectFrom('webhook_redelivery_runs')
      .select(sql<number>`extract(epoch FROM now() - finished_at)::float8`.as('seconds'))
      .executeTakeFirst();
    return row ? Number(row.seconds) : null;
  }

  async noteRunFinished(): Promise<void> {
    await this.db
      .insertInto('webhook_redelivery_runs')
      .values({ singleton: true, finished_at: sql<Date>`now()` })
      .onConflict((oc) => oc.column('singleton').doUpdateSet({ finished_at: sql<Date>`now()` }))
      .execute();
  }

  /** The newest delivery id already read from this hook's log, or null (never read, or another hook since). */
  async cursor(hook: OwnedHook): Promise<number | null> {
    const row =
      hook.kind === 'app'
        ? await this.db
            .selectFrom('webhook_app_redelivery_cursors')
            .select('last_delivery_id')
            .where('app_id', '=', String(hook.appId))
            .executeTakeFirst()
        : await this.db
            .selectFrom('webhook_redelivery_cursors')
            .select('last_delivery_id')
            .where('repo_id', '=', hook.repoId)
            .where('hook_id', '=', String(hook.hookId))
            .executeTakeFirst();
    return row ? Number(row.last_delivery_id) : null;
  }

  /**
   * What one read of the log found, stored with the cursor that read it, in one transaction: GUIDs whose every
   * listed attempt failed and that the inbox never stored become due (again, when a newer failed attempt shows
   * that a redelivery failed too); GUIDs an attempt delivered are no longer due.
   */
  async record(
    hook: OwnedHook,
    failed: FailedDelivery[],
    delivered: string[],
    newestDeliveryId: number,
  ): Promise<void> {
    const sorted = [...failed].sort((a, b) => (a.guid < b.guid ? -1 : a.guid > b.guid ? 1 : 0));
    const owner = ownerOf(hook);
    await inTransaction(this.db, async (tx) => {
      if (sorted.length) {
        // Sorted by GUID: two replicas recording the same page lock the rows in the same order.
        await sql`
          INSERT INTO webhook_redeliveries AS x (guid, repo_id, hook_id, app_id, github_delivery_id, event, action, delivered_at)
          SELECT v.guid, ${owner.repoId}::uuid, ${owner.hookId}::bigint, ${owner.appId}::bigint, v.id, v.event, v.action,
                 v.delivered_at
            FROM unnest(${sorted.map((f) => f.guid)}::text[], ${sorted.map((f) => f.githubDeliveryId)}::bigint[],
                        ${sorted.map((f) => f.event)}::text[], ${sorted.map((f) => f.action)}::text[],
                        ${sorted.map((f) => f.deliveredAt.toISOString())}::timestamptz[])
              AS v (guid, id, event, action, delivered_at)
           WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.delivery_id = v.guid)
          ON CONFLICT (guid) DO UPDATE
             SET github_delivery_id = EXCLUDED.github_delivery_id, delivered_at = EXCLUDED.delivered_at, due = true
           WHERE x.github_delivery_id < EXCLUDED.github_delivery_id`.execute(tx);
      }
      if (delivered.length) {
        await tx
          .updateTable('webhook_redeliveries')
          .set({ due: false })
          .where('guid', 'in', delivered)
          .where('due', '=', true)
          .execute();
      }
      if (hook.kind === 'app') {
        await tx
          .insertInto('webhook_app_redelivery_cursors')
          .values({ app_id: String(hook.appId), last_delivery_id: String(newestDeliveryId) })
          .onConflict((oc) =>
            oc.column('app_id').doUpdateSet({
              // Never moves back (two runs at once).
              last_delivery_id: sql<string>`greatest(webhook_app_redelivery_cursors.last_delivery_id, EXCLUDED.last_delivery_id)`,
              updated_at: sql<Date>`now()`,
            }),
          )
          .execute();
        return;
      }
      await tx
        .insertInto('webhook_redelivery_cursors')
        .values({
          repo_id: hook.repoId,
          hook_id: String(hook.hookId),
          last_delivery_id: String(newestDeliveryId),
        })
        .onConflict((oc) =>
          oc.column('repo_id').doUpdateSet({
            hook_id: (eb) => eb.ref('excluded.hook_id'),
            // Another hook since: its log starts afresh. The same hook: never moves back (two runs at once).
            last_delivery_id: sql<string>`CASE WHEN webhook_redelivery_cursors.hook_id = EXCLUDED.hook_id
              THEN greatest(webhook_redelivery_cursors.last_delivery_id, EXCLUDED.last_delivery_id)
              ELSE EXCLUDED.last_delivery_id END`,
            updated_at: sql<Date>`now()`,
          }),
        )
        .execute();
    });
  }

  /**
   * Takes the hook's due redeliveries (still not in the inbox, asked fewer than `maxRequests` times, within
   * GitHub's window) and counts a request for each. The UPDATE is the claim: a row another run took is no
   * longer due when this one's UPDATE reaches it.
   */
  async claim(
    hook: OwnedHook,
    opts: { maxRequests: number; deliveredAfter: Date; limit: number },
  ): Promise<ClaimedRedelivery[]> {
    const { rows } = await sql<{ guid: string; github_delivery_id: string }>`
      UPDATE webhook_redeliveries x SET due = false, requests = x.requests + 1, requested_at = now(), last_error = NULL
       WHERE x.guid IN (
         SELECT guid FROM webhook_redeliveries
          WHERE ${hook.kind === 'app' ? sql`app_id = ${hook.appId}::bigint` : sql`repo_id = ${hook.repoId}::uuid AND hook_id = ${hook.hookId}::bigint`}
            AND due
            AND requests < ${opts.maxRequests} AND delivered_at > ${opts.deliveredAfter.toISOString()}::timestamptz
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.delivery_id = webhook_redeliveries.guid)
          ORDER BY delivered_at LIMIT ${opts.limit}
          FOR UPDATE SKIP LOCKED)
         AND x.due
      RETURNING x.guid, x.github_delivery_id`.execute(this.db);
    return rows.map((r) => ({ guid: r.guid, githubDeliveryId: Number(r.github_delivery_id) }));
  }

  /** GitHub did not take the request (rate limit, outage): due again, and the request is not counted. */
  async release(guid: string, error: string): Promise<void> {
    await this.db
      .updateTable('webhook_redeliveries')
      .set((eb) => ({
        due: true,
        requests: eb('requests', '-', 1),
        requested_at: null,
        last_error: error.slice(0, 500),
      }))
      .where('guid', '=', guid)
      .execute();
  }

  /** GitHub refused this redelivery for good (e.g. past its window): not asked again. */
  async giveUp(guid: string, error: string): Promise<void> {
    await this.db
      .updateTable('webhook_redeliveries')
      .set({ due: false, last_error: error.slice(0, 500) })
      .where('guid', '=', guid)
      .execute();
  }

  /**
   * Per repository: deliveries asked for in the last 24 hours that the inbox has since stored (the App's count
   * for the repository the stored delivery is about).
   */
  async recoveredLastDay(repoIds: string[]): Promise<Map<string, number>> {
    if (!repoIds.length) return new Map();
    const { rows } = await prepared(sql<{ repo_id: string; n: number }>`
      SELECT coalesce(x.repo_id, d.repo_id) AS repo_id, count(*)::int AS n
        FROM webhook_redeliveries x
        JOIN webhook_deliveries d ON d.delivery_id = x.guid
       WHERE coalesce(x.repo_id, d.repo_id) = ANY(${repoIds}::uuid[]) AND x.requested_at > now() - interval '24 hours'
       GROUP BY 1`).execute(this.db);
    return new Map(rows.map((r) => [r.repo_id, r.n]));
  }

  /** Rows past GitHub's window (nothing more can be asked for them). */
  async prune(before: Date): Promise<void> {
    await this.db
      .deleteFrom('webhook_redeliveries')
      .where('delivered_at', '<', before)
      .where((eb) => eb.or([eb('requested_at', 'is', null), eb('requested_at', '<', before)]))
      .execute();
  }
}

/** The owner columns of a redelivery row: a repository hook's, or the App's. */
function ownerOf(hook: OwnedHook): { repoId: string | null; hookId: number | null; appId: number | null } {
  return hook.kind === 'app'
    ? { repoId: null, hookId: null, appId: hook.appId }
    : { repoId: hook.repoId, hookId: hook.hookId, appId: null };
}
