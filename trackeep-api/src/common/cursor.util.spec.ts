import { ApiException } from './api-exception';
import { decodeCursor, encodeCursor } from './cursor.util';

function errorOf(fn: () => unknown): ApiException {
  try {
    fn();
  } catch (err) {
    return err as ApiException;
  }
  throw new Error('expected an error');
}

describe('keyset cursors', () => {
  it('round-trip the key of the last row, microseconds included', () => {
    const cursor = encodeCursor('commits:r1', ['2024-05-01T10:00:00.123456Z', 'abc']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'commits:r1', ['date', 'string'])).toEqual([
      '2024-05-01T10:00:00.123456Z',
      'abc',
    ]);
  });

  it('reject a cursor issued for another repository or list with 400', () => {
    const cursor = encodeCursor('commits:r1', ['2024-05-01T10:00:00Z', 'abc']);
    const err = errorOf(() => decodeCursor(cursor, 'commits:r2', ['date', 'string']));
    expect(err.getStatus()).toBe(400);
    expect(err.message).toMatch(/cursor/);
  });

  it.each([
    ['not base64', '!!!'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['wrong arity', encodeCursor('s', ['2024-05-01T10:00:00Z'])],
    ['impossible date', encodeCursor('s', ['2024-02-30T10:00:00Z', 'x'])],
    ['number where a date belongs', encodeCursor('s', [5, 'x'])],
    ['SQL in the key', encodeCursor('s', ["2024-05-01'; DROP TABLE commits; --", 'x'])],
  ])('reject a malformed cursor (%s) with 400 naming the cursor', (_label, cursor) => {
    const err = errorOf(() => decodeCursor(cursor, 's', ['date', 'string']));
    expect(err).toBeInstanceOf(ApiException);
    expect(err.getStatus()).toBe(400);
    expect(String((err.getResponse() as { message: string }).message)).toMatch(/^cursor /);
  });
});
