// A tiny cookie-keeping "browser" for end-to-end sign-in tests: follows redirects by hand (so every hop's
// Set-Cookie is kept, as a browser would) and answers the GitHub simulator's sign-in page as a chosen user.

export interface Hop {
  url: string;
  status: number;
  location: string | null;
  setCookies: string[];
  body: string;
  headers: Record<string, string>;
}

export class Browser {
  /** hostname → cookie name → value (browsers scope cookies by host, not port). */
  private readonly jar = new Map<string, Map<string, string>>();
  readonly hops: Hop[] = [];

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).hostname)?.get(name);
  }

  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).hostname;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, value);
  }

  async request(
    url: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Hop> {
    const jar = this.jar.get(new URL(url).hostname);
    const cookieHeader = jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      body: init.body,
      redirect: 'manual',
      headers: { ...(cookieHeader ? { cookie: cookieHeader } : {}), ...init.headers },
    });
    const setCookies = res.headers.getSetCookie();
    for (const raw of setCookies) {
      const [pair] = raw.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = /max-age=0|expires=thu, 01 jan 1970/i.test(raw) || value === '';
      const host = new URL(url).hostname;
      if (!this.jar.has(host)) this.jar.set(host, new Map());
      if (expired) this.jar.get(host)!.delete(name);
      else this.jar.get(host)!.set(name, value);
    }
    const hop: Hop = {
      url,
      status: res.status,
      location: res.headers.get('location') ? new URL(res.headers.get('location')!, url).toString() : null,
      setCookies,
      body: await res.text(),
      headers: headersOf(res.headers),
    };
    this.hops.push(hop);
    return hop;
  }

  /**
   * Navigates from `url`, following redirects; on the simulator's consent page signs in as `login`. Stops at
   * the first response that is not a redirect, or at the redirect leaving `stopAtPath` (the API callback).
   */
  async navigate(url: string, options: { login: string; stopAtPath?: string }): Promise<Hop> {
    let hop = await this.request(url);
    for (let i = 0; i < 20; i++) {
      if (options.stopAtPath && new URL(hop.url).pathname === options.stopAtPath) return hop;
      if (hop.status === 200 && hop.body.includes('name="request_id"')) {
        const requestId = /name="request_id" value="([^"]+)"/.exec(hop.body)![1]!;
        const form = new URL('/login/oauth/authorize', hop.url).toString();
        hop = await this.request(form, {
          method: 'POST',
          body: new URLSearchParams({ request_id: requestId, login: options.login }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        continue;
      }
      if (hop.status >= 300 && hop.status < 400 && hop.location) {
        hop = await this.request(hop.location);
        continue;
      }
      return hop;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => (out[key] = value));
  return out;
}
