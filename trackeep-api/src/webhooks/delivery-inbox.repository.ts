import { Inject, Injectable } from '@nestjs/common';
import { preparedText } from '@trackeep/server-core';
import { Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { DB } from '../database/db.types';
import { encodeBody, type StoredBody } from './webhook-body.codec';
import type { SignedWith } from './webhook.constants';

/** A verified delivery, ready for the inbox. */
export interface InboxDelivery {
  deliveryId: string;
  event: string;
  action: string | null;
  repoGithubId: number | null;
  repoFullName: string | null;
  hookId: number | null;
  installationId: number | null;
  signedWith: SignedWith;
  /** X-Hub-Signature-256 as received, so a replay can verify the body again. */
  signature: string;
  /** The body exactly as received (the signature is over these bytes); stored encoded, parsed only to process. */
  body: Buffer;
  /** 'pending' gets a processing job; 'ignored' is stored for the record only. */
  status: 'pending' | 'ignored';
  ignoredReason: string | null;
}

/** A delivery as its row will hold it: the body encoded for storage (see webhook-body.codec). */
export interface InboxRow extends Omit<InboxDelivery, 'body'> {
  body: StoredBody;
}

/**
 * The inbox's intake statement: one prepared statement whose text is the same for every batch size, embedding
 * pg-boss's job INSERT so rows and jobs commit together.
 */
@Injectable()
export class DeliveryInboxRepository {
  constructor(
    private readonly db: Kysely<DB>,
    @Inject(PgBoss) private readonly boss: PgBoss,
  ) {}

  /** Encodes a delivery's body for its row; done as each request arrives, while earlier writes are in flight. */
  async prepare(delivery: InboxDelivery): Promise<InboxRow> {
    return { ...delivery, body: await encodeBody(delivery.body) };
  }

  /** Stores the deliveries and their processing jobs in one statement; each id with whether it was new. */
  async store(
    githubHost: string,
    deliveries: InboxRow[],
    jobs: PgBoss.JobInsert[],
  ): Promise<Array<{ delivery_id: string; inserted: boolean }>> {
    const column = <T>(pick: (d: InboxRow) => T) => deliveries.map(pick);
    // The bodies travel as one binary parameter (no text or hex encoding) and each row takes its slice of it.
    const starts: number[] = [];
    let offset = 1;
    for (const d of deliveries) {
      starts.push(offset);
      offset += d.body.bytes.length;
    }
    const [only] = deliveries;
    const bodies =
      deliveries.length === 1 && only
        ? only.body.bytes
        : Buffer.concat(
            deliveries.map((d) => d.body.bytes),
            offset - 1,
          );
    const params: unknown[] = [
      githubHost,
      column((d) => d.deliveryId),
      column((d) => d.event),
      column((d) => d.action),
      column((d) => d.repoGithubId),
      column((d) => d.repoFullName),
      column((d) => d.hookId),
      column((d) => d.installationId),
      column((d) => d.signedWith),
      column((d) => d.signature),
      column((d) => d.status),
      column((d) => d.ignoredReason),
      bodies,
      starts,
      column((d) => d.body.bytes.length),
      column((d) => d.body.encoding),
    ];

    const jobsSql = await this.jobInsertSql(jobs, params);

    // One statement, so one round trip and one commit: the rows and their jobs are stored together or not at all.
    // Its text is the same for every batch size (columns travel as arrays), so each connection prepares it once
    // instead of parsing and planning a new statement per batch, which was most of a batch's time.
    // A redelivery (same id) of a delivery parked as failed is GitHub's "Redeliver" button: it is queued again.
    const { rows } = await this.db.executeQuery(
      preparedText<{ delivery_id: string; inserted: boolean }>(
        `WITH inbox AS (
         INSERT INTO webhook_deliveries AS d
           (delivery_id, event, action, repo_github_id, repo_full_name, hook_id, installation_id, signed_with, signature, body, body_encoding, status, ignored_reason, repo_id)
         SELECT v.delivery_id, v.event, v.action, v.repo_github_id, v.repo_full_name, v.hook_id, v.installation_id, v.signed_with,
                v.signature, substring($13::bytea FROM v.body_start FOR v.body_length), v.body_encoding, v.status, v.ignored_reason, r.id
           FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $14::int[], $15::int[], $16::text[])
             AS v (delivery_id, event, action, repo_github_id, repo_full_name, hook_id, installation_id, signed_with, signature, status, ignored_reason, body_start, body_length, body_encoding)
           LEFT JOIN repositories r ON r.github_host = $1 AND r.github_id = v.repo_github_id
         ON CONFLICT (delivery_id) DO UPDATE SET status = 'pending', attempts = 0, last_error = NULL, replays = d.replays + 1
           WHERE d.status = 'failed' AND EXCLUDED.status = 'pending'
         RETURNING d.delivery_id, (d.xmax = 0) AS inserted),
       jobs AS (${jobsSql})
       SELECT delivery_id, inserted FROM inbox`,
        params,
      ),
    );
    return [...rows];
  }

  /**
   * pg-boss's own INSERT for `jobs` (taken through its public `db` option rather than copied, so it stays
   * right across pg-boss versions), with its parameters appended to `params` and renumbered to match.
   */
  private async jobInsertSql(jobs: PgBoss.JobInsert[], params: unknown[]): Promise<string> {
    const captured: Array<{ text: string; values: unknown[] }> = [];
    await this.boss.insert(jobs, {
      db: {
        executeSql: async (text: string, values: unknown[]) => {
          captured.push({ text, values });
          return { rows: [] };
        },
      },
    });
    const [statement] = captured;
    if (!statement || captured.length !== 1)
      throw new Error(`pg-boss insert issued ${captured.length} statements, expected 1`);
    const { text, values } = statement;
    const offset = params.length;
    params.push(...values);
    return text.trim().replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`);
  }
}
