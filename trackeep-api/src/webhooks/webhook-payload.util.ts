/** GitHub's payloads nest about ten levels deep; far deeper is not a payload Trackeep can use. */
export const MAX_PAYLOAD_DEPTH = 512;

/** A stored body read for processing: the parsed object, or why it cannot be applied (the delivery is parked). */
export type PayloadReading =
  | { payload: Record<string, unknown>; parkedReason?: undefined }
  | { parkedReason: string; payload?: undefined };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Escapes that may decode to text PostgreSQL cannot hold (NUL, a UTF-16 surrogate): only then are strings walked. */
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parses a stored webhook body for processing. The body itself is always kept byte-exact; this decides whether
 * it can be applied. Valid JSON that PostgreSQL cannot hold — a `\u0000`, a lone UTF-16 surrogate — or that nests
 * deeper than MAX_PAYLOAD_DEPTH is not applied: the reason names what and where.
 */
export function readPayload(body: Buffer): PayloadReading {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { parkedReason: 'the payload is not valid UTF-8' };
  }
  const depth = nestingDepth(text);
  if (depth > MAX_PAYLOAD_DEPTH)
    return {
      parkedReason: `the payload nests ${depth} levels deep; Trackeep applies at most ${MAX_PAYLOAD_DEPTH}`,
    };
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { parkedReason: 'the payload is not valid JSON' };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { parkedReason: 'the payload is not a JSON object' };
  if (SUSPECT_ESCAPE.test(text)) {
    const problem = unstorableText(payload, '');
    if (problem)
      return {
        parkedReason: `${problem}, which PostgreSQL cannot store as text; kept byte-exact, not applied`,
      };
  }
  return { payload: payload as Record<string, unknown> };
}

/** Deepest nesting of arrays and objects, counted without parsing (brackets inside strings do not count). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** The first key or string value holding NUL or a lone surrogate, described with its path. */
function unstorableText(value: unknown, path: string): string | null {
  if (typeof value === 'string') return describe(value, path);
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = path ? `${path}.${key}` : key;
    const found = describe(key, `${childPath} (the key)`) ?? unstorableText(child, childPath);
    if (found) return found;
  }
  return null;
}

function describe(text: string, path: string): string | null {
  const where = path ? ` in ${printable(path)}` : '';
  if (text.includes('\u0000')) return `a NUL character (\\u0000)${where}`;
  if (LONE_SURROGATE.test(text)) return `a lone UTF-16 surrogate${where}`;
  return null;
}

/** A path as it can be stored and shown: keys may themselves hold NUL or surrogates. */
function printable(path: string): string {
  const clean = path
    .split('\u0000')
    .join('\\u0000')
    .replace(/[\uD800-\uDFFF]/g, (s) => `\\u${s.charCodeAt(0).toString(16)}`);
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
