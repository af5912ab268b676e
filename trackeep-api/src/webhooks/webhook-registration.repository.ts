import { Injectable } from '@nestjs/common';
import type { OrgPolicyBlock, WebhookStatus } from '@trackeep/contracts';
import { Kysely, sql, type Transaction } from 'kysely';
import { DataSource } from 'typeorm';
import type { DB } from '../database/db.types';

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

/** The webhook_registrations rows hook registration reads and writes (the ping and delivery paths write too). */
@Injectable()
export class WebhookRegistrationRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: Kysely<DB>,
  ) {}

  /** The stored (encrypted) secrets of the hook, found by its id or by its repository's GitHub id. */
  async secretsOf(
    githubHost: string,
    hook: { hookId: number } | { repoGithubId: number },
  ): Promise<{
    repo_id: string;
    github_id: string;
    secret_enc: string | null;
    previous_secret_enc: string | null;
    previous_secret_until: Date | null;
  } | null> {
    const row = await this.db
      .selectFrom('webhook_registrations as w')
      .innerJoin('repositories as r', 'r.id', 'w.repo_id')
      .select([
        'w.repo_id',
        'r.github_id',
        'w.secret_enc',
        'w.previous_secret_enc',
        'w.previous_secret_until',
      ])
      .where('r.github_host', '=', githubHost)
      .where('w.secret_enc', 'is not', null)
      .where((eb) =>
        'hookId' in hook
          ? eb('w.hook_id', '=', String(hook.hookId))
          : eb('r.github_id', '=', String(hook.repoGithubId)),
      )
      .executeTakeFirst();
    return row ?? null;
  }

  /** A delivery for the repository was applied: the hook works (a failing one is active again). */
  async noteDelivery(tx: Transaction<DB>, repoId: string): Promise<void> {
    await tx
      .updateTable('webhook_registrations')
      .set((eb) => ({
        last_delivery_at: sql<Date>`now()`,
        status: eb.case().when('status', '=', 'failing').then('active').else(eb.ref('status')).end(),
      }))
      .where('repo_id', '=', repoId)
      .execute();
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
    const rows: RegistrationRow[] = await this.dataSource.query(
      'SELECT repo_id, hook_id, status, secret_enc, registered_by, last_delivery_at, last_error FROM webhook_registrations WHERE repo_id = $1',
      [repoId],
    );
    return rows[0] ?? null;
  }

  async health(
    repoIds: string[],
  ): Promise<Array<RegistrationRow & { ping_overdue: boolean; block: OrgPolicyBlock | null }>> {
    return this.dataSource.query(
      `SELECT repo_id, hook_id, status, registered_by, last_delivery_at, last_error, block,
              (status = 'pending' AND updated_at < now() - interval '2 minutes') AS ping_overdue
         FROM webhook_registrations WHERE repo_id = ANY($1::uuid[])`,
      [repoIds],
    );
  }

  /** Registrations that have (or may have) a hook on GitHub: the periodic check looks at each. */
  async live(): Promise<string[]> {
    const rows: Array<{ repo_id: string }> = await this.dataSource.query(
      `SELECT repo_id FROM webhook_registrations WHERE status IN ('pending', 'active', 'failing', 'needs_sso', 'oauth_app_blocked') ORDER BY repo_id`,
    );
    return rows.map((r) => r.repo_id);
  }

  /** A new secret, no hook yet: stored before the hook is created, because GitHub's ping must verify. */
  async startCreating(repoId: string, secretEnc: string, userId: string, events: string[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO webhook_registrations (repo_id, hook_id, status, secret_enc, previous_secret_enc, previous_secret_until, registered_by, events)
       VALUES ($1, NULL, 'pending', $2, NULL, NULL, $3, $4)
       ON CONFLICT (repo_id) DO UPDATE SET hook_id = NULL, status = 'pending', secret_enc = EXCLUDED.secret_enc,
         previous_secret_enc = NULL, previous_secret_until = NULL, registered_by = EXCLUDED.registered_by, events = EXCLUDED.events,
         last_error = NULL, last_error_at = NULL, updated_at = now()`,
      [repoId, secretEnc, userId, events],
    );
  }

  /** The hook GitHub created. A ping that arrived first may already have set this id (and `active`). */
  async created(repoId: string, hookId: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_registrations SET hook_id = $2, status = CASE WHEN hook_id = $2 THEN status ELSE 'pending' END, block = NULL, updated_at = now()
        WHERE repo_id = $1`,
      [repoId, hookId],
    );
  }

  async saveStatus(repoId: string, status: RegistrationStatus, error: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO webhook_registrations (repo_id, status, last_error, last_error_at) VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (repo_id) DO UPDATE SET status = EXCLUDED.status, last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at,
         block = NULL, updated_at = now()`,
      [repoId, status, error?.slice(0, 500) ?? null],
    );
  }

  /** An organization policy keeps GitHub from answering for the hook: who blocks it and where to act. */
  async saveBlocked(repoId: string, block: OrgPolicyBlock, error: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO webhook_registrations (repo_id, status, last_error, last_error_at, block) VALUES ($1, $2, $3, now(), $4::jsonb)
       ON CONFLICT (repo_id) DO UPDATE SET status = EXCLUDED.status, last_error = EXCLUDED.last_error, last_error_at = now(),
         block = EXCLUDED.block, updated_at = now()`,
      [
        repoId,
        block.kind === 'sso' ? 'needs_sso' : 'oauth_app_blocked',
        error.slice(0, 500),
        JSON.stringify(block),
      ],
    );
  }

  /** GitHub answers for the hook again: a policy block is over. */
  async unblock(repoId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_registrations SET status = 'active', block = NULL, last_error = NULL, last_error_at = NULL, updated_at = now()
        WHERE repo_id = $1 AND status IN ('needs_sso', 'oauth_app_blocked')`,
      [repoId],
    );
  }

  async saveError(repoId: string, error: string, status?: RegistrationStatus): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_registrations SET last_error = $2, last_error_at = now(), status = COALESCE($3, status), updated_at = now() WHERE repo_id = $1`,
      [repoId, error.slice(0, 500), status ?? null],
    );
  }
  /** Clears last_error when it is the one `prefix` starts (another part's error stays). */
  async clearError(repoId: string, prefix: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_registrations SET last_error = NULL, last_error_at = NULL, updated_at = now()
        WHERE repo_id = $1 AND starts_with(last_error, $2)`,
      [repoId, prefix],
    );
  }
}
