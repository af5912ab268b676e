import type { RateLimitBudget } from '@trackeep/contracts';
import { budgetAt } from './rate-budget';

describe('budgetAt', () => {
  const b: RateLimitBudget = {
    resource: 'graphql',
    limit: 5000,
    remaining: 12,
    resetAt: '2026-01-01T10:00:00Z',
  };
  const reset = Date.parse(b.resetAt);

  it('shows what is left before the reset', () => {
    expect(budgetAt(b, reset - 1)).toEqual({ remaining: 12, resetPassed: false });
  });

  it('shows the whole limit once the reset has passed', () => {
    expect(budgetAt(b, reset)).toEqual({ remaining: 5000, resetPassed: true });
    expect(budgetAt(b, reset + 3 * 3600_000)).toEqual({ remaining: 5000, resetPassed: true });
  });
});
