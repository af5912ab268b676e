/**
 * The value, or a clear error when it is missing. For indexes the code already knows are in range
 * (a decoded graph line, a non-empty list), where a miss is a bug in the simulator, not bad input.
 */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`github-sim: ${what} is missing`);
  return value;
}
