import { MAX_PAYLOAD_DEPTH, nestingDepth, readPayload } from './webhook-payload.util';

const read = (text: string) => readPayload(Buffer.from(text, 'utf8'));

describe(readPayload.name, () => {
  it('returns an ordinary payload parsed', () => {
    expect(read('{"action":"opened","n":[1,{"a":"ship it \\ud83d\\ude80"}]}')).toEqual({
      payload: { action: 'opened', n: [1, { a: 'ship it 🚀' }] },
    });
  });

  it('returns text PostgreSQL cannot hold as it is (the appliers store it through pg-text)', () => {
    expect(read('{"a":{"b":["x","\\u0000"]}}')).toEqual({ payload: { a: { b: ['x', '\u0000'] } } });
    expect(read('{"t":"\\udc00\\ud800"}')).toEqual({ payload: { t: '\udc00\ud800' } });
  });

  it('parks deep nesting, invalid UTF-8 and what is not a JSON object', () => {
    expect(
      read(`{"a":${'['.repeat(MAX_PAYLOAD_DEPTH)}${']'.repeat(MAX_PAYLOAD_DEPTH)}}`).parkedReason,
    ).toMatch(/nests 513 levels deep/);
    expect(
      readPayload(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])).parkedReason,
    ).toBe('the payload is not valid UTF-8');
    expect(read('[1]').parkedReason).toBe('the payload is not a JSON object');
  });
});

describe(nestingDepth.name, () => {
  it('counts brackets outside strings only, across escaped quotes', () => {
    expect(nestingDepth('{"a":"[[[{{{","b":"\\"[[","c":[[1]]}')).toBe(3);
    expect(nestingDepth('"just a string"')).toBe(0);
  });
});
