import {
  createServer,
  get as httpGet,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { pkceChallenge, randomToken } from '../common/crypto.util';
import type { GatewayEnv } from '../config/gateway-env';
import { GithubClient } from './github.client';
import { GithubStateStore } from './github-state-store';
import { deadlineAgent, GithubStrategy, type GithubCallbackRequest } from './github.strategy';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** Keeps started sign-ins in memory; the gateway's own store (Postgres) is tested end to end. */
class MemoryStateStore extends GithubStateStore {
  readonly started = new Map<string, { verifier: string; start: object }>();

  store(_req: object, verifier: string, start: object, _meta: unknown, done: (e: null, s: string) => void) {
    const state = randomToken();
    this.started.set(state, { verifier, start });
    done(null, state);
  }

  verify(_req: object, state: unknown, _meta: unknown, done: (e: null, v: string | false) => void) {
    const entry = typeof state === 'string' ? this.started.get(state) : undefined;
    if (typeof state === 'string') this.started.delete(state);
    done(null, entry ? entry.verifier : false);
  }
}

/** A scripted GitHub for answers the simulator never gives (odd but real GitHub behaviours and failures). */
describe(GithubStrategy.name, () => {
  let server: Server;
  let url: string;
  let routes: Record<string, Handler>;
  let store: MemoryStateStore;
  let sut: GithubStrategy;
  const seen: Array<{ method: string; url: string; body: string; headers: IncomingMessage['headers'] }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
        const route = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
        if (route) route(req, res, body);
        else json(404, { message: 'Not Found' })(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const env = {
      SERVICE_DOMAIN: 'https://auth.example.com',
      GITHUB_WEB_URL: url,
      GITHUB_API_URL: `${url}/api/v3`,
      GITHUB_CLIENT_ID: 'app-id',
      GITHUB_CLIENT_SECRET: 'app-secret',
    } as GatewayEnv;
    store = new MemoryStateStore();
    sut = new GithubStrategy(env, store, new GithubClient(env));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    seen.length = 0;
    routes = {};
  });

  const json =
    (status: number, body: unknown): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
  const token = json(200, {
    access_token: 'gho_x',
    token_type: 'bearer',
    scope: 'repo,read:user,user:email',
  });
  const mona = json(200, {
    id: 42,
    login: 'mona',
    name: '',
    email: 'public@example.com',
    avatar_url: 'https://a/42',
  });

  /** Starts a sign-in and comes back from GitHub with `code`. */
  async function signIn(code = 'gh-code'): Promise<{ callback: GithubCallbackRequest; verifier: string }> {
    const location = new URL(await sut.authorizeUrl('read:user user:email', { n: 1 }));
    const state = location.searchParams.get('state') as string;
    const verifier = store.started.get(state)?.verifier as string;
    return { callback: { query: { code, state } }, verifier };
  }

  it('sends the browser to GitHub with the app, its callback, the scope, a stored state and S256 PKCE', async () => {
    const location = new URL(await sut.authorizeUrl('read:user user:email read:org', { pending: 'x' }));
    expect(location.origin + location.pathname).toBe(`${url}/login/oauth/authorize`);
    expect(location.searchParams.get('client_id')).toBe('app-id');
    expect(location.searchParams.get('redirect_uri')).toBe('https://auth.example.com/auth/github/callback');
    expect(location.searchParams.get('scope')).toBe('read:user user:email read:org');
    const started = store.started.get(location.searchParams.get('state') as string);
    expect(started?.start).toEqual({ pending: 'x' });
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toBe(pkceChallenge(started?.verifier as string));
    expect(seen).toEqual([]);
  });

  it('exchanges the code with the app credentials, the stored verifier and the callback, then reads /user', async () => {
    routes = {
      'POST /login/oauth/access_token': token,
      'GET /api/v3/user': mona,
      'GET /api/v3/user/emails': json(200, [
        { email: 'unverified@example.com', primary: true, verified: false },
        { email: 'secondary@example.com', primary: false, verified: true },
      ]),
    };
    const { callback, verifier } = await signIn();
    await expect(sut.complete(callback)).resolves.toEqual({
      outcome: 'signed-in',
      signIn: {
        token: { access_token: 'gho_x', token_type: 'bearer', scope: 'repo read:user user:email' },
        identity: {
          github_host: new URL(url).host,
          github_id: 42,
          login: 'mona',
          name: null,
          email: 'public@example.com',
          email_verified: false,
          avatar_url: 'https://a/42',
        },
      },
    });
    expect(Object.fromEntries(new URLSearchParams(seen[0]?.body))).toEqual({
      grant_type: 'authorization_code',
      client_id: 'app-id',
      client_secret: 'app-secret',
      code: 'gh-code',
      redirect_uri: 'https://auth.example.com/auth/github/callback',
      code_verifier: verifier,
    });
    expect(seen.map((s) => `${s.method} ${s.url} ${s.headers.authorization ?? '-'}`)).toEqual([
      'POST /login/oauth/access_token -',
      'GET /api/v3/user Bearer gho_x',
      'GET /api/v3/user/emails Bearer gho_x',
    ]);
    expect(seen.every((s) => s.headers['user-agent'] === 'trackeep-oauth-gateway')).toBe(true);
    expect(seen.some((s) => s.url.includes('gho_') || s.url.includes('access_token='))).toBe(false);
  });

  it('marks the primary email verified when GitHub says so', async () => {
    routes = {
      'POST /login/oauth/access_token': token,
      'GET /api/v3/user': mona,
      'GET /api/v3/user/emails': json(200, [{ email: 'mona@example.com', primary: true, verified: true }]),
    };
    const outcome = await sut.complete((await signIn()).callback);
    expect(outcome.outcome === 'signed-in' && outcome.signIn.identity).toMatchObject({
      email: 'mona@example.com',
      email_verified: true,
    });
  });

  it('passes on the expiry and the refresh token of expiring (GitHub App) tokens from a form-encoded answer', async () => {
    routes = {
      'POST /login/oauth/access_token': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' });
        res.end(
          'access_token=ghu_x&expires_in=28800&refresh_token=ghr_x&refresh_token_expires_in=15897600&scope=&token_type=bearer',
        );
      },
      'GET /api/v3/user': mona,
    };
    const outcome = await sut.complete((await signIn()).callback);
    expect(outcome.outcome === 'signed-in' && outcome.signIn.token).toEqual({
      access_token: 'ghu_x',
      token_type: 'bearer',
      scope: '',
      expires_in: 28800,
      refresh_token: 'ghr_x',
      refresh_token_expires_in: 15897600,
    });
  });

  it('refuses a state the store does not know, without calling GitHub', async () => {
    await signIn();
    await expect(sut.complete({ query: { code: 'c', state: randomToken() } })).resolves.toEqual({
      outcome: 'refused',
    });
    expect(seen).toEqual([]);
  });

  it('treats GitHub’s 200-with-error answer as a refusal naming GitHub’s error', async () => {
    routes = {
      'POST /login/oauth/access_token': json(200, {
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      }),
    };
    await expect(sut.complete((await signIn()).callback)).resolves.toMatchObject({
      outcome: 'failed',
      error: { kind: 'rejected', message: 'token exchange refused: bad_verification_code' },
    });
  });

  it.each([
    ['a 401 without a JSON body', ((_req, res) => res.writeHead(401).end('no')) as Handler, 'rejected'],
    ['a 502', json(502, { message: 'bad gateway' }), 'unavailable'],
    ['a dropped connection', ((_req, res) => res.destroy()) as Handler, 'unavailable'],
  ])('reports a token exchange ending in %s as %s', async (_label, answer, kind) => {
    routes = { 'POST /login/oauth/access_token': answer };
    await expect(sut.complete((await signIn()).callback)).resolves.toMatchObject({
      outcome: 'failed',
      error: { kind },
    });
  });

  it.each([
    ['without a numeric id', json(200, { id: '42', login: 'mona' }), 'rejected'],
    ['with 401', json(401, { message: 'Bad credentials' }), 'rejected'],
    ['with 503', json(503, {}), 'unavailable'],
    [
      'with a body that is not JSON',
      ((_req, res) => res.writeHead(200).end('<html>')) as Handler,
      'unavailable',
    ],
  ])('reports /user answering %s as %s', async (_label, answer, kind) => {
    routes = { 'POST /login/oauth/access_token': token, 'GET /api/v3/user': answer };
    await expect(sut.complete((await signIn()).callback)).resolves.toMatchObject({
      outcome: 'failed',
      error: { kind },
    });
  });
});

describe(deadlineAgent.name, () => {
  it.each([
    ['http', httpGet],
    ['https', httpsGet],
  ])('fails an %s request whose answer stalls', async (scheme, get) => {
    const accepted: Socket[] = [];
    const stalled = createNetServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const address = stalled.address();
    const target = `${scheme}://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    try {
      const failure = await new Promise<Error>((resolve, reject) =>
        get(target, { agent: deadlineAgent(target, 200) }, () => reject(new Error('answered'))).on(
          'error',
          resolve,
        ),
      );
      expect(failure.message).toBe('timed out');
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});
