import type { Page } from '@trackeep/contracts';
import { sql } from 'kysely';
import { ApiException } from './api-exception';

/** Postgres timestamp as text with microseconds, so a keyset cursor compares exactly with the stored value. */
export const keysetTime = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A page from `limit + 1` rows: the extra row only says that more follow; the cursor is the last shown row's. */
export function page<R, T>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => string,
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: more && last ? cursorOf(last) : null };
}

/**
 * Opaque keyset cursors: base64url JSON of the last row's sort key, tagged with what they page through
 * (e.g. "commits" + the repository id + the sort order), so a cursor from another list, repository or sort
 * is rejected instead of silently producing a wrong page.
 */
export function encodeCursor(scope: string, key: Array<string | number>): string {
  return Buffer.from(JSON.stringify({ s: scope, k: key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, scope: string, types: Array<KeyType>): Array<string | number> {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw new Error('charset');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ApiException.badRequest('cursor is malformed; pass back the nextCursor of the previous page');
  }
  const { s, k } = (parsed ?? {}) as { s?: unknown; k?: unknown };
  if (s !== scope) throw ApiException.badRequest('cursor belongs to another list, repository or sort order');
  if (!Array.isArray(k) || k.length !== types.length || !types.every((type, i) => valid(k[i], type))) {
    throw ApiException.badRequest('cursor is malformed; pass back the nextCursor of the previous page');
  }
  return k as Array<string | number>;
}

/** What each part of a cursor's key must be; `uuid`: a row id, so a forged key never reaches a uuid cast. */
type KeyType = 'string' | 'number' | 'date' | 'uuid';

const UUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

function valid(value: unknown, type: KeyType): boolean {
  if (type === 'number') return typeof value === 'number' && Number.isSafeInteger(value);
  if (typeof value !== 'string' || value.length > 512) return false;
  if (type === 'uuid') return UUID.test(value);
  return type === 'string' || isUtcTimestamp(value);
}

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` naming a real instant (Postgres microseconds kept, so keysets stay exact). */
function isUtcTimestamp(value: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,6})?Z$/.exec(value);
  if (!m) return false;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(`${m[1]}T${m[2]}`);
}

/** A timestamp as the API shows it (ISO 8601, milliseconds, UTC), formatted by Postgres rather than parsed into a Date. */
export const isoText = (column: string) =>
  sql<string | null>`to_char(${sql.raw(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
