/**
 * How a stored row and an incoming copy of the same GitHub object merge, per column. Every source (sync,
 * webhooks, any later one) writes through the same rules, so the order in which copies arrive does not matter.
 *
 * `newer` is decided per table (GitHub's updated_at for pull requests and repositories, when the state was
 * seen for branches, completeness for commits); an incoming copy as new as the stored one counts as newer.
 */
export type MergeRule =
  /** The newer copy's value, null included. For fields every source carries. */
  | 'newest'
  /** The newer copy's value if it has one, else the other's: a source that lacks the field keeps the stored value. */
  | 'fill'
  /** The larger value whatever the order: counts that only grow, times that only move forward. */
  | 'max'
  /** The earlier value whatever the order (a first review). */
  | 'min'
  /**
   * The last write's value, when it has one: fields only one source observes (so GitHub's order between
   * sources says nothing about them).
   */
  | 'latest';

export type MergeRules<Column extends string> = Readonly<Record<Column, MergeRule>>;

export interface MergeSql {
  /** `column = expression` list for an UPDATE's SET (or ON CONFLICT DO UPDATE SET). */
  set: string;
  /** True when the merge changes anything in `watched` (the row is not rewritten otherwise). */
  changes: string;
}

/**
 * SQL for merging `incoming` (an alias: EXCLUDED, or a FROM item) into `stored` (the table's alias), for the
 * `columns` the incoming source carries. A column a source does not carry is left out and keeps its value.
 * `quiet` columns are merged but do not count as a change on their own (when a state was last seen).
 */
export function mergeSql<Column extends string>(
  rules: MergeRules<Column>,
  columns: readonly Column[],
  opts: { stored: string; incoming: string; newer: string; quiet?: readonly Column[] },
): MergeSql {
  const { stored: t, incoming: x, newer } = opts;
  const expr = (c: Column): string => {
    switch (rules[c]) {
      case 'newest':
        return `CASE WHEN ${newer} THEN ${x}.${c} ELSE ${t}.${c} END`;
      case 'fill':
        return `CASE WHEN ${newer} THEN COALESCE(${x}.${c}, ${t}.${c}) ELSE COALESCE(${t}.${c}, ${x}.${c}) END`;
      case 'max':
        return `GREATEST(${t}.${c}, ${x}.${c})`;
      case 'min':
        return `LEAST(${t}.${c}, ${x}.${c})`;
      case 'latest':
        return `COALESCE(${x}.${c}, ${t}.${c})`;
    }
  };
  const watched = columns.filter((c) => !opts.quiet?.includes(c));
  return {
    set: columns.map((c) => `${c} = ${expr(c)}`).join(', '),
    changes: watched.length
      ? `(${watched.map((c) => `${t}.${c}`).join(', ')}) IS DISTINCT FROM (${watched.map(expr).join(', ')})`
      : 'false',
  };
}
