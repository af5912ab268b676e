// Limits shared by the API (validation) and the web app (request building).
export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 100;
/** The weekly charts (GET .../commits/weekly, .../pulls/cycle-time): how many weeks back (default, most). */
export const WEEKLY_CHART_DEFAULT_WEEKS = 12;
export const WEEKLY_CHART_MAX_WEEKS = 156;

/** Paths the API may redirect to after sign-in: same-origin relative paths only. */
export function isSafeReturnPath(value: string): boolean {
  // "//host" and "/\host" are protocol-relative to browsers; control characters can smuggle either.
  return (
    value.startsWith('/') &&
    !value.startsWith('//') &&
    !value.startsWith('/\\') &&
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    !/[\u0000-\u001f\u007f\\]/.test(value) &&
    value.length <= 2048
  );
}
