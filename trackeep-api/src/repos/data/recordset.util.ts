const BATCH = 500;

/** Rows in statements of at most BATCH rows each. */
export function chunks<T>(rows: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * The columns a batch carries, in the table's order: those of `types` the first row has a value for (null
 * included). A source leaves out a field it never has; such a column keeps its stored value.
 */
export function recordsetColumns<Row extends object, Column extends string>(
  rows: readonly Row[],
  types: Readonly<Record<Column, string>>,
): Column[] {
  const first = rows[0] as Record<string, unknown> | undefined;
  return (Object.keys(types) as Column[]).filter((c) => first !== undefined && first[c] !== undefined);
}
