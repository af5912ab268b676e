import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey } from 'jose';

// A minimal authorization server speaking the oauth-gateway protocol (RFC 8414 metadata, JWKS, authorization
// endpoint with PKCE, token endpoint with client_secret_basic, revocation), so the API's client side can be
// tested against every id_token defect the real gateway never produces. End-to-end tests use the real one.

export interface FakeGatewayOptions {
  clientId: string;
  clientSecret: string;
  /** GitHub host named in id_tokens (must equal the API's GITHUB_WEB_URL host). */
  githubHost: string;
  /** Issues the GitHub token handed to the API (e.g. the simulator's issueToken). */
  issueGithubToken: (login: string) => string;
  /** GitHub users by login: numeric id and profile. */
  users: Record<string, { id: number; name?: string; email?: string }>;
}

interface IssuedCode {
  login: string;
  clientId: string;
  redirectUri: string;
  nonce: string | undefined;
  challenge: string;
}

/** Tamper with the next id_token: claims to override or remove, or sign with another key/algorithm. */
export interface IdTokenDefect {
  claims?: Partial<JWTPayload> & Record<string, unknown>;
  omit?: string[];
  signWith?: 'foreign-key' | 'hs256';
}

export interface FakeGateway {
  url: string;
  /** Login the next authorization approves. */
  nextLogin: string;
  /** Applied to the next id_token only. */
  nextIdTokenDefect: IdTokenDefect | null;
  revocations: Array<{ token: string; hint: string | undefined }>;
  tokenRequests: number;
  /** Merged into the next token responses (e.g. an expiring GitHub token with its refresh token). */
  githubTokenExtras: Record<string, unknown> | null;
  /** Answers `POST /oauth/github/refresh` (client authentication already checked); 400 invalid_grant if unset. */
  onGithubRefresh: ((refreshToken: string) => Promise<GatewayAnswer> | GatewayAnswer) | null;
  /** The refresh tokens presented at the refresh endpoint, in order. */
  githubRefreshes: string[];
  close(): Promise<void>;
}

export interface GatewayAnswer {
  /** 0 drops the connection without an answer. */
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export async function startFakeGateway(options: FakeGatewayOptions): Promise<FakeGateway> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const foreign = await generateKeyPair('ES256');
  const kid = 'fake-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const codes = new Map<string, IssuedCode>();

  const state: FakeGateway = {
    url: '',
    nextLogin: 'octocat',
    nextIdTokenDefect: null,
    revocations: [],
    tokenRequests: 0,
    githubTokenExtras: null,
    onGithubRefresh: null,
    githubRefreshes: [],
    close: async () => undefined,
  };

  const signIdToken = async (code: IssuedCode): Promise<string> => {
    const user = options.users[code.login];
    if (!user) throw new Error(`fake gateway: unknown user ${code.login}`);
    const defect = state.nextIdTokenDefect;
    state.nextIdTokenDefect = null;
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: state.url,
      aud: code.clientId,
      sub: `${options.githubHost}|${user.id}`,
      iat: now,
      exp: now + 300,
      auth_time: now,
      nonce: code.nonce,
      github_host: options.githubHost,
      github_id: user.id,
      login: code.login,
      preferred_username: code.login,
      name: user.name ?? null,
      email: user.email,
      avatar_url: `https://avatars.example/${user.id}`,
      ...defect?.claims,
    };
    for (const key of defect?.omit ?? []) delete claims[key];
    if (defect?.signWith === 'hs256') {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid })
        .sign(new TextEncoder().encode(options.clientSecret));
    }
    const key: CryptoKey = defect?.signWith === 'foreign-key' ? foreign.privateKey : privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(key);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', state.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: state.url,
        authorization_endpoint: `${state.url}/auth/github`,
        token_endpoint: `${state.url}/oauth/token`,
        jwks_uri: `${state.url}/.well-known/jwks.json`,
        revocation_endpoint: `${state.url}/oauth/revoke`,
        github_refresh_endpoint: `${state.url}/oauth/github/refresh`,
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['ES256'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json') return json(200, { keys: [jwk] });
    if (req.method === 'GET' && url.pathname === '/auth/github') {
      const q = url.searchParams;
      if (
        q.get('client_id') !== options.clientId ||
        q.get('code_challenge_method') !== 'S256' ||
        !q.get('code_challenge') ||
        q.get('response_type') !== 'code'
      ) {
        return json(400, { error: 'invalid_request' });
      }
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        login: state.nextLogin,
        clientId: options.clientId,
        redirectUri: q.get('redirect_uri') ?? '',
        nonce: q.get('nonce') ?? undefined,
        challenge: q.get('code_challenge') ?? '',
      });
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      back.searchParams.set('iss', state.url);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    const authenticated = ['/oauth/token', '/oauth/revoke', '/oauth/github/refresh'];
    if (req.method === 'POST' && authenticated.includes(url.pathname)) {
      const body = new URLSearchParams(await readBody(req));
      const expected = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return json(401, { error: 'invalid_client' });
      if (url.pathname === '/oauth/github/refresh') {
        const refreshToken = body.get('refresh_token') ?? '';
        state.githubRefreshes.push(refreshToken);
        const answer = state.onGithubRefresh
          ? await state.onGithubRefresh(refreshToken)
          : { status: 400, body: { error: 'invalid_grant' } };
        if (answer.status === 0) return void req.socket.destroy();
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          ...answer.headers,
        });
        return res.end(JSON.stringify(answer.body));
      }
      if (url.pathname === '/oauth/revoke') {
        state.revocations.push({
          token: body.get('token') ?? '',
          hint: body.get('token_type_hint') ?? undefined,
        });
        return json(200, {});
      }
      state.tokenRequests++;
      const code = codes.get(body.get('code') ?? '');
      codes.delete(body.get('code') ?? '');
      const verifier = body.get('code_verifier') ?? '';
      if (
        !code ||
        body.get('grant_type') !== 'authorization_code' ||
        body.get('redirect_uri') !== code.redirectUri ||
        createHash('sha256').update(verifier).digest('base64url') !== code.challenge
      ) {
        return json(400, { error: 'invalid_grant' });
      }
      return json(200, {
        token_type: 'Bearer',
        access_token: `gw_at_${randomBytes(32).toString('base64url')}`,
        expires_in: 3600,
        scope: 'openid profile email',
        id_token: await signIdToken(code),
        github_access_token: options.issueGithubToken(code.login),
        github_token_type: 'bearer',
        github_token_scope: 'read:user repo user:email',
        github_host: options.githubHost,
        ...state.githubTokenExtras,
      });
    }
    json(404, { error: 'not_found' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
