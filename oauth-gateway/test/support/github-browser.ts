import { CookieJar, navigate, type Navigation } from './cookie-jar';

/** Where the flow ended: the instance callback URL the gateway redirected to (not requested). */
export interface SignInResult extends Navigation {
  callback: URL;
}

/**
 * Drives a sign-in like a browser: starts at `authorizeUrl` (the gateway), follows redirects to the simulated
 * GitHub, picks `login` on its consent page (or presses Cancel when login is null), and follows redirects back
 * through the gateway until the browser is about to load the instance's `redirectUri`.
 * `pauseAtGatewayCallback` stops on the way back before GitHub's redirect reaches the gateway, for tampering.
 */
export async function signIn(
  jar: CookieJar,
  authorizeUrl: string,
  options: { login: string | null; redirectUri: string; pauseAtGatewayCallback?: boolean },
): Promise<Navigation> {
  const atInstance = (url: string) => url.startsWith(options.redirectUri);
  const atGatewayCallback = (url: string) =>
    !!options.pauseAtGatewayCallback && new URL(url).pathname === '/auth/github/callback';
  const stop = (url: string) => atInstance(url) || atGatewayCallback(url);
  const first = await navigate(jar, authorizeUrl, stop);
  if (
    first.stopped ||
    first.response.status !== 200 ||
    !new URL(first.url).pathname.startsWith('/login/oauth/authorize')
  )
    return first;

  const page = await first.response.text();
  const requestId = /name="request_id" value="([^"]+)"/.exec(page)?.[1];
  if (!requestId) throw new Error('the simulated GitHub consent page has no request_id');
  const form = new URLSearchParams({
    request_id: requestId,
    ...(options.login ? { login: options.login } : { decision: 'deny' }),
  });
  const action = new URL('/login/oauth/authorize', first.url).href;
  const cookie = jar.header(action);
  const posted = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: form,
  });
  jar.store(action, posted);
  const location = posted.headers.get('location');
  if (!location) throw new Error(`GitHub consent answered ${posted.status} without a redirect`);
  await posted.arrayBuffer();
  const rest = await navigate(jar, new URL(location, action).href, stop);
  return { ...rest, hops: [...first.hops, action, ...rest.hops] };
}

/** Continues a paused flow (after tampering) to the instance callback. */
export function resume(jar: CookieJar, url: string, redirectUri: string): Promise<Navigation> {
  return navigate(jar, url, (u) => u.startsWith(redirectUri));
}

export function callbackParams(nav: Navigation): URLSearchParams {
  if (!nav.stopped)
    throw new Error(
      `the flow ended at ${nav.url} with status ${nav.response?.status}, not at the instance callback`,
    );
  return new URL(nav.url).searchParams;
}
