/** GitHub's payloads nest about ten levels deep; far deeper is not a payload Trackeep can use. */
export const MAX_PAYLOAD_DEPTH = 512;

/** A stored body read for processing: the parsed object, or why it cannot be applied (the delivery is parked). */
export type PayloadReading =
  | { payload: Record<string, unknown>; parkedReason?: undefined }
  | { parkedReason: string; payload?: undefined };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a stored webhook body for processing. The body itself is always kept byte-exact; this decides whether
 * it can be applied. A body that is not UTF-8 JSON, or that nests deeper than MAX_PAYLOAD_DEPTH, is not applied
 * and the reason says why. Strings PostgreSQL cannot hold as text (a `\u0000`, a lone UTF-16 surrogate) are
 * applied: the appliers write them through pg-text, which stores them losslessly.
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
