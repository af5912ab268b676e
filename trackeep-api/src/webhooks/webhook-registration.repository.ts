import { Injectable } from '@nestjs/common';
import type { OrgPolicyBlock, WebhookStatus } from '@trackeep/contracts';
import { prepared, type SqlExecutor } from '@trackeep/server-core';
import { Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../database/db.types';

/** Advisory-lock namespace of hook reconciliation (first key of the two-key form), one lock per repository. */
const HOOK_LOCK_NAMESPACE = 606_610;

/** What the dashboard shows, plus `pending`: created, GitHub's ping not seen yet. */
export type RegistrationStatus = WebhookStatus | 'pending';

export interface RegistrationRow {
  repo_id: string;
  hook_id: string | null;
  status: RegistrationStatus;
  secret_enc: string | null;
  registered_by: string | null;
  last_delivery_at: Date | null;
  last_error: string | null;
}

export interface HookRepoRow {
  owner: string;
  name: string;
  full_name: string;
  tracked: boolean;
}

/** A hook's stored (encrypted) secrets, and the repository it belongs to. */
export interface HookSecrets {
  repo_id: string;
  github_id: string;
  secret_enc: string | null;
  previous_secret_enc: string | null;
  previous_secret_until: Date | null;
}

/** The webhook_registrations rows hook registration reads and writes (the ping and delivery paths write too). */
@Injectable()
export class WebhookRegistrationRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The stored (encrypted) secrets of the hook, found by its id or by its repository's GitHub id. */
  async secretsOf(
    githubHost: string,
    hook: { hookId: number } | { repoGithubId: number },
  ): Promise<HookSecrets | null> {
    // Every delivery received runs this before it is stored: one prepared text per lookup kind.
    const by =
      'hookId' in hook
        ? sql`w.hook_id = ${hook.hookId}::bigint`
        : sql`r.github_id = ${hook.repoGithubId}::bigint`;
    const { rows } = await prepared(sql<HookSecrets>`
      SELECT w.repo_id, r.github_id::text AS github_id, w.secret_enc, w.previous_secret_enc, w.previous_secret_until
        FROM webhook_registrations w JOIN repositories r ON r.id = w.repo_id
       WHERE r.github_host = ${githubHost} AND w.secret_enc IS NOT NULL AND ${by}
       LIMIT 1`).execute(this.db);
    return rows[0] ?? null;
  }

  /** A delivery for the repository was applied: the hook works (a failing one is active again). */
  async noteDelivery(tx: Transaction<DB>, repoId: string): Promise<void> {
    await prepared(sql`
      UPDATE webhook_registrations
         SET last_delivery_at = now(), status = CASE WHEN status = 'failing' THEN 'active' ELSE status END
       WHERE repo_id = ${repoId}::uuid`).execute(tx);
  }

  /**
   * GitHub's ping for a hook: its registration becomes active (and learns the hook's id if it had none). A late
   * ping never revives a removed (disabled) registration. The repository whose hook it is, or null.
   */
  async confirmPing(
    tx: Transaction<DB>,
    hookId: number | null,
    githubHost: string,
    repoGithubId: string | null,
  ): Promise<string | null> {
    const { rows } = await sql<{ repo_id: string }>`
      UPDATE webhook_registrations w SET status = 'active', last_ping_at = now(), last_delivery_at = now(),
             last_error = NULL, last_error_at = NULL, hook_id = COALESCE(w.hook_id, ${hookId}), updated_at = now()
        FROM repositories r
       WHERE r.id = w.repo_id AND w.status IN ('pending', 'active', 'failing')
         AND (w.hook_id = ${hookId}
              OR (w.hook_id IS NULL AND w.status = 'pending' AND r.github_host = ${githubHost} AND r.github_id = ${repoGithubId}))
      RETURNING w.repo_id`.execute(tx);
    return rows[0]?.repo_id ?? null;
  }

  /** Processing a delivery for the repository failed for good: its active hook shows as failing. */
  async markFailingAfter(deliveryId: string, error: string): Promise<void> {
    await sql`
      UPDATE webhook_registrations w SET status = 'failing', last_error = ${error}, last_error_at = now(), updated_at = now()
        FROM webhook_deliveries d WHERE d.delivery_id = ${deliveryId} AND w.repo_id = d.repo_id AND w.status = 'active'`.execute(
      this.db,
    );
  }

  async find(repoId: string): Promise<RegistrationRow | null> {
    const { rows } = await sql<RegistrationRow>`
      SELECT repo_id, hook_id, status, secret_enc, registered_by, last_delivery_at, last_error
        FROM webhook_registrations WHERE repo_id = ${repoId}`.execute(this.db);
    return rows[0] ?? null;
  }

  async health(
    repoIds: string[],
  ): Promise<Array<RegistrationRow & { ping_overdue: boolean; block: OrgPolicyBlock | null }>> {
    const { rows } = await prepared(sql<
      RegistrationRow & { ping_overdue: boolean; block: OrgPolicyBlock | null }
    >`
      SELECT repo_id, hook_id, status, registered_by, last_delivery_at, last_error, block,
              (status = 'pending' AND updated_at < now() - interval '2 minutes') AS ping_overdue
         FROM webhook_registrations WHERE repo_id = ANY(${repoIds}::uuid[])`).execute(this.db);
    return rows;
  }

  /** When the GitHub App's webhook last delivered something about each of `repoIds` (those it did). */
  async lastAppDeliveries(repoIds: string[]): Promise<Map<string, Date>> {
    if (!repoIds.length) return new Map();
    const { rows } = await prepared(sql<{ repo_id: string; at: Date }>`
      SELECT r.id AS repo_id, d.received_at AS at
        FROM unnest(${repoIds}::uuid[]) AS r(id)
        CROSS JOIN LATERAL (SELECT received_at FROM webhook_deliveries
                             WHERE repo_id = r.id AND signed_with = 'app'
                             ORDER BY received_at DESC LIMIT 1) d`).execute(this.db);
    return new Map(rows.map((r) => [r.repo_id, new Date(r.at)]));
  }

  /** Registrations that have (or may have) a hook on GitHub: the periodic check looks at each. */
  async live(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('webhook_registrations')
      .select('repo_id')
      .where('status', 'in', ['pending', 'active', 'failing', 'needs_sso', 'oauth_app_blocked'])
      .orderBy('repo_id')
      .execute();
    return rows.map((r) => r.repo_id);
  }

  /** A new secret, no hook yet: stored before the hook is created, because GitHub's ping must verify. */
  async startCreating(repoId: string, secretEnc: string, userId: string, events: string[]): Promise<void> {
    await this.db
      .insertInto('webhook_registrations')
      .values({
        repo_id: repoId,
        hook_id: null,
        status: 'pending',
        secret_enc: secretEnc,
        previous_secret_enc: null,
        previous_secret_until: null,
        registered_by: userId,
        events,
      })
      .onConflict((oc) =>
        oc.column('repo_id').doUpdateSet((eb) => ({
          hook_id: null,
          status: 'pending',
          secret_enc: eb.ref('excluded.secret_enc'),
          previous_secret_enc: null,
          previous_secret_until: null,
          registered_by: eb.ref('excluded.registered_by'),
          events: eb.ref('excluded.events'),
          last_error: null,
          last_error_at: null,
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  /** The hook GitHub created. A ping that arrived first may already have set this id (and `active`). */
  async created(repoId: string, hookId: number): Promise<void> {
    await this.db
      .updateTable('webhook_registrations')
      .set((eb) => ({
        hook_id: hookId,
        status: eb.case().when('hook_id', '=', String(hookId)).then(eb.ref('status')).else('pending').end(),
        block: null,
        updated_at: sql<Date>`now()`,
      }))
      .where('repo_id', '=', repoId)
      .execute();
  }

  async saveStatus(repoId: string, status: RegistrationStatus, error: string | null): Promise<void> {
    const lastError = error?.slice(0, 500) ?? null;
    await this.db
      .insertInto('webhook_registrations')
      .values({
        repo_id: repoId,
        status,
        last_error: lastError,
        last_error_at: lastError === null ? null : sql<Date>`now()`,
      })
      .onConflict((oc) =>
        oc.column('repo_id').doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          last_error: eb.ref('excluded.last_error'),
          last_error_at: eb.ref('excluded.last_error_at'),
          block: null,
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  /** An organization policy keeps GitHub from answering for the hook: who blocks it and where to act. */
  async saveBlocked(repoId: string, block: OrgPolicyBlock, error: string): Promise<void> {
    await this.db
      .insertInto('webhook_registrations')
      .values({
        repo_id: repoId,
        status: block.kind === 'sso' ? 'needs_sso' : 'oauth_app_blocked',
        last_error: error.slice(0, 500),
        last_error_at: sql<Date>`now()`,
        block: JSON.stringify(block),
      })
      .onConflict((oc) =>
        oc.column('repo_id').doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          last_error: eb.ref('excluded.last_error'),
          last_error_at: sql<Date>`now()`,
          block: eb.ref('excluded.block'),
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  /** GitHub answers for the hook again: a policy block is over. */
  async unblock(repoId: string): Promise<void> {
    await this.db
      .updateTable('webhook_registrations')
      .set({
        status: 'active',
        block: null,
        last_error: null,
        last_error_at: null,
        updated_at: sql<Date>`now()`,
      })
      .where('repo_id', '=', repoId)
      .where('status', 'in', ['needs_sso', 'oauth_app_blocked'])
      .execute();
  }

  async saveError(repoId: string, error: string, status?: RegistrationStatus): Promise<void> {
    await this.db
      .updateTable('webhook_registrations')
      .set((eb) => ({
        last_error: error.slice(0, 500),
        last_error_at: sql<Date>`now()`,
        status: status ?? eb.ref('status'),
        updated_at: sql<Date>`now()`,
      }))
      .where('repo_id', '=', repoId)
      .execute();
  }

  /** Clears last_error when it is the one `prefix` starts (another part's error stays). */
  async clearError(repoId: string, prefix: string): Promise<void> {
    await this.db
      .updateTable('webhook_registrations')
      .set({ last_error: null, last_error_at: null, updated_at: sql<Date>`now()` })
      .where('repo_id', '=', repoId)
      .where(sql<boolean>`starts_with(last_error, ${prefix})`)
      .execute();
  }

  /**
   * Takes the repository's hook lock on `db`'s session (a connection of its own: the lock spans GitHub calls and
   * leaves with the connection), waiting at most two minutes for another holder.
   */
  static async lockRepo(db: SqlExecutor<DB>, repoId: string): Promise<void> {
    await sql`SET lock_timeout = '120s'`.execute(db);
    await sql`SELECT pg_advisory_lock(${HOOK_LOCK_NAMESPACE}, hashtext(${repoId}))`.execute(db);
  }
}
