/** Anything that can run `SELECT 1`: a DataSource, a pool. */
interface Queryable {
  query(sql: string): Promise<unknown>;
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
