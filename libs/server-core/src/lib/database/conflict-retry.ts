/** deadlock_detected and serialization_failure: PostgreSQL aborted the transaction to settle a race. */
export function isTransactionConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * How long to wait before the `attempt`th re-run after a conflict: doubling from 25 ms up to 2 s, jittered
 * (×0.5–1.5) so that two writers that just collided do not collide again in step.
 */
export function conflictBackoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.min(2000, 25 * 2 ** Math.max(0, attempt - 1)) * (0.5 + random());
}

/**
 * Runs `run` again when PostgreSQL aborted it to settle a conflict (deadlock, serialization failure), up to
 * `retries` more times, waiting `delayMs(attempt)` first when given; any other error, or the last conflict, is
 * thrown. `onRetry` hears of each re-run (counters, logs).
 */
export async function retryOnConflict<T>(
  run: () => Promise<T>,
  options: { retries: number; delayMs?: (attempt: number) => number; onRetry?: () => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt > options.retries || !isTransactionConflict(err)) throw err;
      options.onRetry?.();
      const wait = options.delayMs?.(attempt) ?? 0;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
