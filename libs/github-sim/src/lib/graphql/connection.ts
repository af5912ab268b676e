import { GraphQLError } from 'graphql';

/** A resolver error GitHub reports with a top-level `type` (NOT_FOUND, INVALID_CURSOR_ARGUMENTS, ...). */
export function typedError(type: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type } });
}

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export function encodeCursor(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString('base64');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const m = /^cursor:v2:(\d{1,9})$/.exec(text);
  if (!m) throw typedError('INVALID_CURSOR_ARGUMENTS', `\`${cursor}\` does not appear to be a valid cursor.`);
  return Number(m[1]);
}

/** Relay connection over an in-memory list (first/after, last/before), with opaque index cursors. */
export function listConnection<T>(
  items: T[],
  args: PageArgs,
  map: (item: T) => unknown,
  edgeExtra?: (item: T) => Record<string, unknown>,
) {
  let start = 0;
  let end = items.length;
  if (args.after) start = Math.max(start, decodeCursor(args.after) + 1);
  if (args.before) end = Math.min(end, decodeCursor(args.before));
  if (end < start) end = start;
  if (typeof args.first === 'number') end = Math.min(end, start + args.first);
  else if (typeof args.last === 'number') start = Math.max(start, end - args.last);
  const slice = items.slice(start, end);
  const edges = () =>
    slice.map((item, k) => ({
      cursor: encodeCursor(start + k),
      node: map(item),
      ...(edgeExtra ? edgeExtra(item) : {}),
    }));
  return {
    totalCount: items.length,
    nodes: () => slice.map(map),
    edges,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? encodeCursor(start) : null,
      endCursor: slice.length ? encodeCursor(end - 1) : null,
    },
  };
}
