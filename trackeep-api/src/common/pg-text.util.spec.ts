/* eslint-disable no-control-regex -- these tests look for NUL on purpose */
import { decodePgText, encodePgText, fromPgJson, pgJson } from './pg-text.util';

describe('pg-text', () => {
  const roundTrips = (s: string) => expect(decodePgText(encodePgText(s))).toBe(s);

  it('keeps ordinary text as it is, including emoji and other surrogate pairs', () => {
    for (const s of [
      '',
      'Fix the build',
      'émoji 🎉 and 𝄞',
      'back\\slash and \\uffff written out',
      'tab\tnew\nline',
    ]) {
      expect(encodePgText(s)).toBe(s);
      roundTrips(s);
    }
  });

  it('escapes NUL and lone surrogates into text PostgreSQL accepts', () => {
    expect(encodePgText('a\u0000b')).toBe('a\uffff0000b');
    expect(encodePgText('x\ud800y')).toBe('x\uffffd800y');
    expect(encodePgText('\udc00')).toBe('\uffffdc00');
    expect(encodePgText('\ud800\ud83c\udf89')).toBe('\uffffd800\ud83c\udf89'); // the second high surrogate has its pair
    expect(encodePgText('\ud83c\udf89\udf89')).toBe('\ud83c\udf89\uffffdf89');
    for (const s of [
      'a\u0000b',
      'x\ud800y',
      '\udc00',
      '\ud800\ud83c\udf89',
      '\ud83c\udf89\udf89',
      '\ud800\u0000\udfff',
    ]) {
      expect(encodePgText(s)).not.toMatch(
        /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
      );
      roundTrips(s);
    }
  });

  it('round-trips text that already contains the escape character, alone or looking like an escape', () => {
    for (const s of [
      '\uffff',
      '\uffff0000',
      '\uffffd800\ud800',
      'a\uffff\uffffb',
      '\uffffzzzz',
      '\uffff\u0000',
    ])
      roundTrips(s);
    expect(decodePgText(encodePgText('\uffff0000'))).not.toBe('\u0000');
  });

  it('round-trips every string of random code units (property)', () => {
    const alphabet = [
      'a',
      '\u0000',
      '\uffff',
      '\ud800',
      '\udbff',
      '\udc00',
      '\udfff',
      '0',
      'f',
      'd',
      '\\',
      '🎉',
    ];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const length = next() % 12;
      for (let k = 0; k < length; k++) s += alphabet[next() % alphabet.length];
      roundTrips(s);
      expect(encodePgText(s)).not.toMatch(/\u0000/);
    }
  });

  it('encodes every string and key of a JSON value, and decodes it back', () => {
    const value = { message: 'a\u0000b', ['k\ud800']: ['x\udc00', 1, null, true, { deep: '\uffff' }] };
    const stored = pgJson(value);
    expect(stored).not.toMatch(/\\u0000|\\ud800|\\udc00/i);
    expect(fromPgJson(JSON.parse(stored))).toEqual(value);
  });

  it('writes JSON that needs no encoding exactly as JSON.stringify does, whichever string needs it', () => {
    const plain = {
      message: 'Fix the build 🎉',
      n: [1, null, true],
      when: new Date(0),
      literal: 'back\\u0000slash',
    };
    expect(pgJson(plain)).toBe(JSON.stringify(plain));
    for (const odd of ['a\u0000b', 'x\ud800', '\udc00y', 'z\uffff', 'a\\u0000b\u0000']) {
      const value = [{ ok: 'plain' }, { [odd]: odd }];
      const stored = pgJson(value);
      expect(stored).toBe(JSON.stringify([{ ok: 'plain' }, { [encodePgText(odd)]: encodePgText(odd) }]));
      expect(fromPgJson(JSON.parse(stored))).toEqual(value);
    }
  });
});
