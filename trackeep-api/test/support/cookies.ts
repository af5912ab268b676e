import type { Response } from 'supertest';

/** Parsed Set-Cookie headers of a response, by cookie name. */
export function setCookies(
  res: Pick<Response, 'headers'>,
): Map<string, { value: string; attributes: string[]; raw: string }> {
  const header = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const out = new Map<string, { value: string; attributes: string[]; raw: string }>();
  for (const raw of list) {
    const [pair, ...attributes] = raw.split(';').map((s) => s.trim());
    const eq = (pair ?? '').indexOf('=');
    out.set((pair ?? '').slice(0, eq), {
      value: decodeURIComponent((pair ?? '').slice(eq + 1)),
      attributes,
      raw,
    });
  }
  return out;
}

/** `name=value` for a Cookie request header. */
export function cookie(name: string, value: string): string {
  return `${name}=${encodeURIComponent(value)}`;
}
