import { isSafeReturnPath } from './query-limits';

describe('isSafeReturnPath', () => {
  it.each(['/', '/repos', '/repos/octocat/hello?tab=pulls#x', '/%09/stays-a-path'])(
    'accepts the same-origin path %s',
    (path) => {
      expect(isSafeReturnPath(path)).toBe(true);
    },
  );

  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    'javascript:alert(1)',
    '/ok\n/evil',
    'repos',
    '',
  ])('rejects %j', (path) => {
    expect(isSafeReturnPath(path)).toBe(false);
  });
});
