/** Anything that can run `SELECT 1`: a DataSource, a pool. */
interface Queryable {
  query(sql: string): Promise<unknown>;
}

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
export async function waitForDatabase(db: Queryable): Promise<void> {
  for (let i = 0; i < 60; i++) {
    try {
      await db.query('SELECT 1');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** i)));
    }
  }
}

/**
 * Wraps a pg-boss handler. pg-boss records a handler's failure right after it returns, without awaiting that
 * write: while the database is unreachable (a restart) it would fail as an unhandled rejection. So a failure
 * caused by a lost connection is handed back only once the database answers again.
 */
export function waitingOutDatabaseOutage<A extends unknown[]>(
  db: Queryable,
  handler: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await handler(...args);
    } catch (err) {
      if (isDatabaseConnectionError(err)) await waitForDatabase(db);
      throw err;
    }
  };
}
