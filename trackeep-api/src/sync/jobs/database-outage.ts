import type { SqlRunner } from '../github/credential-limits';

const PG_CONNECTION_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08007',
  '53300',
]);

/** Lost or refused database connection (Postgres restarting, network): worth waiting for, then resuming. */
export function isDatabaseConnectionError(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string; message?: string }; message?: string };
  const code = e?.driverError?.code ?? e?.code;
  if (
    code &&
    (PG_CONNECTION_CODES.has(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code))
  )
    return true;
  const message = `${e?.message ?? ''} ${e?.driverError?.message ?? ''}`;
  return /Connection terminated|connection error|terminating connection|Client was closed|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|ECONNREFUSED|not queryable/i.test(
    message,
  );
}

/** Resolves once the database answers again (backing off up to 5 s between tries; gives up after ~4 minutes). */
export async function waitForDatabase(db: SqlRunner): Promise<void> {
  for (let i = 0; i < 60; i++) {
    try {
      await db.query('SELECT 1');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** i)));
    }
  }
}
