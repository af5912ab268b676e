import { FingerprintedCache } from './fingerprinted-cache';

describe(FingerprintedCache.name, () => {
  it('reuses a result while the fingerprint is the same and computes again when it changes', async () => {
    const sut = new FingerprintedCache<number>(10);
    let computed = 0;
    const compute = () => Promise.resolve(++computed);
    expect(await sut.get('k', 'v1', compute)).toBe(1);
    expect(await sut.get('k', 'v1', compute)).toBe(1);
    expect(await sut.get('k', 'v2', compute)).toBe(2);
    expect(await sut.get('other', 'v2', compute)).toBe(3);
    expect(computed).toBe(3);
  });

  it('shares one computation between concurrent requests', async () => {
    const sut = new FingerprintedCache<string>(10);
    let release!: (v: string) => void;
    let calls = 0;
    const compute = () => {
      calls++;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const first = sut.get('k', 'v', compute);
    const second = sut.get('k', 'v', compute);
    await Promise.resolve();
    release('done');
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
    expect(calls).toBe(1);
  });

  it('does not keep a failed computation', async () => {
    const sut = new FingerprintedCache<number>(10);
    await expect(sut.get('k', 'v', () => Promise.reject(new Error('database gone')))).rejects.toThrow(
      'database gone',
    );
    await expect(
      sut.get('k', 'v', () => {
        throw new Error('thrown before a promise');
      }),
    ).rejects.toThrow('thrown before a promise');
    expect(await sut.get('k', 'v', () => Promise.resolve(7))).toBe(7);
  });

  it('drops the least recently used entry past its capacity', async () => {
    const sut = new FingerprintedCache<string>(2);
    await sut.get('a', 'v', () => Promise.resolve('a1'));
    await sut.get('b', 'v', () => Promise.resolve('b1'));
    await sut.get('a', 'v', () => Promise.resolve('a2')); // used again: b is now the oldest
    await sut.get('c', 'v', () => Promise.resolve('c1'));
    expect(sut.size).toBe(2);
    expect(await sut.get('a', 'v', () => Promise.resolve('a3'))).toBe('a1');
    expect(await sut.get('b', 'v', () => Promise.resolve('b2'))).toBe('b2');
  });

  it('says whether an entry would be reused: kept or being computed, at that fingerprint only', async () => {
    const sut = new FingerprintedCache<string>(10);
    expect(sut.has('k', 'v1')).toBe(false);
    let release: (v: string) => void = () => undefined;
    const pending = sut.get('k', 'v1', () => new Promise<string>((r) => (release = r)));
    expect(sut.has('k', 'v1')).toBe(true);
    await Promise.resolve();
    release('one');
    await pending;
    expect(sut.has('k', 'v1')).toBe(true);
    expect(sut.has('k', 'v2')).toBe(false);
    expect(sut.has('other', 'v1')).toBe(false);
  });

  it('with a weight, keeps the total weight of computed values within its capacity, least recently used first', async () => {
    const sut = new FingerprintedCache<string>(10, (v) => v.length);
    await sut.get('a', 'v', () => Promise.resolve('aaaa'));
    await sut.get('b', 'v', () => Promise.resolve('bbbb'));
    await sut.get('a', 'v', () => Promise.resolve('not computed again'));
    expect(sut.used).toBe(8);
    await sut.get('c', 'v', () => Promise.resolve('cccc'));
    expect([sut.has('a', 'v'), sut.has('b', 'v'), sut.has('c', 'v')]).toEqual([true, false, true]);
    expect(sut.used).toBe(8);
    // A newer fingerprint replaces its entry's weight; a failure leaves none behind.
    await sut.get('a', 'v2', () => Promise.resolve('aa'));
    await expect(sut.get('d', 'v', () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    expect(sut.used).toBe(6);
  });
});
