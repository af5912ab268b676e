/**
 * PostgreSQL `text` and `jsonb` cannot hold every JavaScript string: a NUL (U+0000) is refused outright, and a
 * lone UTF-16 surrogate (half of a pair, e.g. '\ud800') has no UTF-8 form. GitHub can send both (commit
 * messages, titles, names). Such text is stored in a reversible form instead of failing the write:
 *
 *   each NUL, each lone surrogate and each U+FFFF (the escape character itself) becomes U+FFFF followed by
 *   the code unit as four lowercase hex digits ('\ud800' → '\uffffd800', '\u0000' → '\uffff0000',
 *   '\uffff' → '\uffffffff'); every other character is kept as it is.
 *
 * U+FFFF is a Unicode noncharacter (reserved for internal use, never in real text), so ordinary text is
 * stored unchanged and readable in SQL, and `decodePgText(encodePgText(s)) === s` for every string.
 */

const ESCAPE = '\uffff';
// eslint-disable-next-line no-control-regex -- NUL is exactly what has to be found
const NEEDS_ESCAPE = /[\u0000\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ESCAPED = /\uffff([0-9a-f]{4})/g;

/** The form of `s` PostgreSQL can store (identical to `s` for ordinary text). */
export function encodePgText(s: string): string {
  NEEDS_ESCAPE.lastIndex = 0;
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(NEEDS_ESCAPE, (unit) => ESCAPE + unit.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** The original text of a value `encodePgText` produced. */
export function decodePgText(s: string): string {
  if (!s.includes(ESCAPE)) return s;
  return s.replace(ESCAPED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** encodePgText for nullable columns. */
export function pgText<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' ? encodePgText(s) : s) as T;
}

/** decodePgText for nullable columns. */
export function fromPgText<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' ? decodePgText(s) : s) as T;
}

/** Every string (keys too) of a JSON-like value, encoded or decoded. */
function mapStrings(value: unknown, map: (s: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[map(k)] = mapStrings(v, map);
    return out;
  }
  return value;
}

// JSON.stringify writes NUL and lone surrogates as \u escapes (and U+FFFF as itself); JSON without any of these
// has no string to encode. A false alarm (an escaped backslash before "u0000") only takes the slow path.
const JSON_MAY_NEED_ESCAPE = /\\u0000|\\ud[89a-f]|\uffff/i;

/** JSON.stringify whose output `jsonb` (and `jsonb_to_recordset` into text columns) always accepts. */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (!JSON_MAY_NEED_ESCAPE.test(json)) return json;
  return JSON.stringify(mapStrings(value, encodePgText));
}

/** The original value of JSON written with pgJson (strings decoded, everything else as is). */
export function fromPgJson<T>(value: T): T {
  return mapStrings(value, decodePgText) as T;
}
