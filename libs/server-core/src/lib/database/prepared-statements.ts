import { createHash } from 'node:crypto';
import { CompiledQuery, sql, type PostgresPool, type PostgresPoolClient, type RawBuilder } from 'kysely';
import type { Pool, PoolClient } from 'pg';

const MARK = '/* prepared */ ';
/** Distinct prepared texts per process; past it statements run unnamed, so a bug cannot grow every session. */
const MAX_PREPARED = 256;

/**
 * Marks a statement as one Postgres should parse and plan once per connection and then only execute: for hot
 * statements whose text is fixed (a bulk upsert's text depends only on its columns, the rows go in a parameter),
 * where parsing and planning a long text costs more than running it. Only for a bounded set of texts: never for
 * text that varies with the data (an IN list, a LIMIT taken from a request written into the text).
 */
export function prepared<T>(query: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(MARK)}${query}`;
}

/**
 * A constant limit written into a prepared statement's text rather than sent as a parameter: Postgres costs a
 * generic plan as if a parameter's LIMIT kept a tenth of the rows, finds it dearer than a plan for the actual
 * value and so plans every execution again. Only for a code's constants: each value is another prepared text.
 */
export function fixedLimit(limit: number): RawBuilder<number> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`not a limit: ${limit}`);
  return sql.lit(limit);
}

/** `prepared` for a statement written as text with $n placeholders; run it with `db.executeQuery(...)`. */
export function preparedText<R>(text: string, values: readonly unknown[]): CompiledQuery<R> {
  return CompiledQuery.raw(MARK + text, [...values]) as CompiledQuery<R>;
}

/**
 * `prepared` for a query built with Kysely's builder; run it with `db.executeQuery(...)`. Lists must travel as
 * one array parameter (`= ANY(...)`), never as `IN (...)`, whose text varies with the list's length.
 */
export function preparedQuery<R>(query: { compile(): CompiledQuery<R> }): CompiledQuery<R> {
  const { sql: text, parameters } = query.compile();
  return CompiledQuery.raw(MARK + text, [...parameters]) as CompiledQuery<R>;
}

// pg emits an error that arrives outside a statement (Postgres ending the session, then the socket closing) as an
// event, and the pool does not listen while a client is checked out: unheard, it would crash the process. Each
// client gets one listener for its whole life, however many Kysely instances share its pool; the next statement
// fails instead, and a broken client is discarded on release.
const broken = new WeakMap<PoolClient, Error>();
const heard = new WeakSet<PoolClient>();

/**
 * Kysely's pool over pg's, sending marked statements as named (server-side prepared) statements. The name is the
 * text's hash: pg parses a name once per connection and reuses it while the connection lives. A connection
 * Postgres drops while it is checked out fails its next statement rather than the process.
 */
export function preparingPool(pool: () => Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `k_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  const wrap = (client: PoolClient): PostgresPoolClient => {
    if (!heard.has(client)) {
      heard.add(client);
      client.on('error', (err: Error) => broken.set(client, err));
    }
    return {
      query: ((text: unknown, values?: readonly unknown[]) => {
        if (typeof text === 'string' && text.startsWith(MARK)) {
          const name = nameOf(text);
          if (name) return client.query({ name, text, values: values as unknown[] });
        }
        return (client.query as (...args: unknown[]) => unknown)(text, values);
      }) as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy || broken.get(client)),
    };
  };
  return {
    connect: async () => wrap(await pool().connect()),
    // The pool belongs to its owner (TypeORM), which ends it.
    end: async () => undefined,
  };
}
