import { EnvValidationError } from '../config/env-validation';
import { describeStartupFailure, EXIT_CONFIG } from './startup-failure';

describe(describeStartupFailure.name, () => {
  it('reports configuration problems as one JSON line with the problems and plain lines, exit 78', () => {
    const sut = describeStartupFailure(
      'app',
      new EnvValidationError(['A: expected x; found nothing (unset)']),
    );
    expect(sut.exitCode).toBe(EXIT_CONFIG);
    expect(sut.json).not.toContain('\n');
    expect(JSON.parse(sut.json)).toMatchObject({
      level: 60,
      name: 'app',
      msg: 'cannot start: the configuration is invalid',
      problems: ['A: expected x; found nothing (unset)'],
    });
    expect(sut.text).toEqual([
      'app: cannot start, the configuration is invalid:',
      'app: A: expected x; found nothing (unset)',
    ]);
  });

  it('reports any other error by its first line and code, without a stack or colour, exit 1', () => {
    const err = Object.assign(
      new Error('\u001b[31mlisten EADDRINUSE\u001b[39m: address already in use\n    at Server.listen'),
      {
        code: 'EADDRINUSE',
      },
    );
    const sut = describeStartupFailure('app', err);
    expect(sut.exitCode).toBe(1);
    expect(JSON.parse(sut.json)).toEqual(
      expect.objectContaining({
        msg: 'cannot start: listen EADDRINUSE: address already in use',
        err: { type: 'Error', message: 'listen EADDRINUSE: address already in use', code: 'EADDRINUSE' },
      }),
    );
    expect(sut.json).not.toMatch(/ at |\\u001b/);
    expect(sut.text).toEqual(['app: cannot start: listen EADDRINUSE: address already in use']);
  });

  it('puts the stack inside the JSON line only when asked to (LOG_LEVEL=debug)', () => {
    const sut = describeStartupFailure('app', new Error('boom'), { debug: true });
    expect(JSON.parse(sut.json).err.stack).toMatch(/^Error: boom\n\s+at /);
    expect(sut.text).toEqual(['app: cannot start: boom']);
  });
});
