import type { RateLimitBudget } from '@trackeep/contracts';

/** A budget as it stands at `now`: GitHub restores the whole limit once the reset has passed. */
export function budgetAt(b: RateLimitBudget, now: number): { remaining: number; resetPassed: boolean } {
  const resetPassed = Date.parse(b.resetAt) <= now;
  return { remaining: resetPassed ? b.limit : b.remaining, resetPassed };
}
