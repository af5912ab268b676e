import type { Strategy, StrategyCreatedStatic } from 'passport';

export type StrategyResult =
  | { action: 'success'; user: unknown }
  | { action: 'fail' }
  | { action: 'redirect'; url: string }
  | { action: 'pass' };

/**
 * Runs a passport strategy once and answers how it ended; its errors reject. passport.authenticate() would
 * write the response itself (a 302 for redirects); the gateway answers 303 with its own headers and cookie,
 * so it drives the strategy through the actions passport-strategy defines. The strategies used here read
 * only `query` (and `body`) of the request.
 */
export function runStrategy(
  strategy: Strategy,
  req: { query: Record<string, unknown> },
  options: object,
): Promise<StrategyResult> {
  return new Promise((resolve, reject) => {
    const actions: StrategyCreatedStatic = {
      success: (user) => resolve({ action: 'success', user }),
      fail: () => resolve({ action: 'fail' }),
      redirect: (url) => resolve({ action: 'redirect', url }),
      pass: () => resolve({ action: 'pass' }),
      error: (err) => reject(err),
    };
    try {
      // As passport does: the strategy with the actions of this one run on top.
      Reflect.apply(strategy.authenticate, Object.assign(Object.create(strategy), actions), [req, options]);
    } catch (err) {
      reject(err);
    }
  });
}
