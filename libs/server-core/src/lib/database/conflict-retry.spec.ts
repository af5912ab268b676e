import { conflictBackoffMs, isTransactionConflict, retryOnConflict } from './conflict-retry';

const conflict = (code: string) => Object.assign(new Error(code), { code });

describe('retryOnConflict', () => {
  it('runs again after a deadlock or serialization failure, and returns the result', async () => {
    const codes = ['40P01', '40001'];
    let retried = 0;
    const result = await retryOnConflict(
      async () => {
        const code = codes.shift();
        if (code) throw conflict(code);
        return 'done';
      },
      { retries: 3, onRetry: () => retried++ },
    );
    expect(result).toBe('done');
    expect(retried).toBe(2);
  });

  it('throws the last conflict once the retries are spent, and any other error at once', async () => {
    let runs = 0;
    const alwaysFailing = (code: string) => {
      runs = 0;
      return retryOnConflict(
        async () => {
          runs++;
          throw conflict(code);
        },
        { retries: 2 },
      );
    };
    await expect(alwaysFailing('40P01')).rejects.toThrow('40P01');
    expect(runs).toBe(3);
    await expect(alwaysFailing('23505')).rejects.toThrow('23505');
    expect(runs).toBe(1);
  });

  it('knows a conflict by its SQLSTATE only', () => {
    expect(isTransactionConflict(conflict('40P01'))).toBe(true);
    expect(isTransactionConflict(new Error('deadlock detected'))).toBe(false);
    expect(isTransactionConflict(null)).toBe(false);
  });
});

describe('conflictBackoffMs', () => {
  it('doubles from 25 ms up to 2 s, jittered by half either way', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 7, 8, 20].map((a) => conflictBackoffMs(a, middle))).toEqual([
      25, 50, 100, 200, 1600, 2000, 2000,
    ]);
    expect(conflictBackoffMs(3, () => 0)).toBe(50);
    expect(conflictBackoffMs(3, () => 0.999)).toBeCloseTo(149.9, 1);
  });
});
