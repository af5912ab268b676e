// A small browser stand-in: a cookie jar with host-only cookies (Path, Max-Age/Expires, deletion; like browsers,
// cookies are per host name, not per port) and a
// navigator that follows redirects the way a browser does, sending the jar's cookies on each hop.

interface StoredCookie {
  value: string;
  path: string;
  expiresAt: number | null;
  httpOnly: boolean;
  sameSite: string | null;
  secure: boolean;
}

export class CookieJar {
  private readonly byHost = new Map<string, Map<string, StoredCookie>>();
  /** Every Set-Cookie header seen, raw, for attribute assertions. */
  readonly seen: string[] = [];

  store(url: string, response: Response): void {
    const host = new URL(url).hostname;
    for (const header of response.headers.getSetCookie()) {
      this.seen.push(header);
      const [pair, ...attrs] = header.split(';').map((s) => s.trim());
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      const cookie: StoredCookie = {
        value,
        path: '/',
        expiresAt: null,
        httpOnly: false,
        sameSite: null,
        secure: false,
      };
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=');
        const key = k.toLowerCase();
        if (key === 'path') cookie.path = v || '/';
        else if (key === 'max-age') cookie.expiresAt = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && cookie.expiresAt === null) cookie.expiresAt = Date.parse(v);
        else if (key === 'httponly') cookie.httpOnly = true;
        else if (key === 'samesite') cookie.sameSite = v;
        else if (key === 'secure') cookie.secure = true;
      }
      const cookies = this.byHost.get(host) ?? new Map<string, StoredCookie>();
      this.byHost.set(host, cookies);
      if (cookie.expiresAt !== null && cookie.expiresAt <= Date.now()) cookies.delete(name);
      else cookies.set(name, cookie);
    }
  }

  header(url: string): string | undefined {
    const u = new URL(url);
    const cookies = this.byHost.get(u.hostname);
    if (!cookies) return undefined;
    const now = Date.now();
    const pairs = [...cookies.entries()]
      .filter(([, c]) => (c.expiresAt === null || c.expiresAt > now) && u.pathname.startsWith(c.path))
      .map(([n, c]) => `${n}=${c.value}`);
    return pairs.length ? pairs.join('; ') : undefined;
  }

  get(host: string, name: string): string | undefined {
    return this.byHost.get(host)?.get(name)?.value;
  }

  set(host: string, name: string, value: string): void {
    const cookies = this.byHost.get(host) ?? new Map<string, StoredCookie>();
    this.byHost.set(host, cookies);
    cookies.set(name, { value, path: '/', expiresAt: null, httpOnly: true, sameSite: 'Lax', secure: false });
  }

  clear(host?: string): void {
    if (host) this.byHost.delete(host);
    else this.byHost.clear();
  }
}

export interface Navigation {
  /** The last URL requested (or the URL we stopped at, not requested). */
  url: string;
  /** The last response received. */
  response: Response;
  /** Every URL visited, in order. */
  hops: string[];
  /** True when `stopAt` matched (the URL was not requested). */
  stopped: boolean;
}

/**
 * GETs `url` and follows redirects with the jar. Stops before requesting a URL for which `stopAt` is true
 * (an instance's callback that no server answers in the test), or at the first non-redirect response.
 */
export async function navigate(
  jar: CookieJar,
  url: string,
  stopAt: (url: string) => boolean = () => false,
  maxHops = 10,
): Promise<Navigation> {
  const hops: string[] = [];
  let current = url;
  let response: Response | null = null;
  for (let i = 0; i < maxHops; i++) {
    if (stopAt(current)) return { url: current, response: response as Response, hops, stopped: true };
    hops.push(current);
    const cookie = jar.header(current);
    response = await fetch(current, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(current, response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location)
      return { url: current, response, hops, stopped: false };
    await response.arrayBuffer();
    current = new URL(location, current).href;
  }
  throw new Error(`too many redirects: ${hops.join(' -> ')}`);
}
