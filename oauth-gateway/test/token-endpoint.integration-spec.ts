import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { ExpiredRowsCleaner } from '../src/authorize/expired-rows.cleaner';
import { PendingAuthorizationRepository } from '../src/authorize/pending-authorization.repository';
import { randomToken, sha256Hex } from '../src/common/crypto.util';
import { mintCode, OCTOCAT, tokenRequest, withDb } from './support/codes';
import {
  basicAuth,
  clientOf,
  createTestGateway,
  type TestClient,
  type TestGateway,
} from './support/test-gateway';

describe('POST /oauth/token', () => {
  let t: TestGateway;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    t = await createTestGateway();
    a = clientOf(t, 'instance-a');
    b = clientOf(t, 'instance-b');
  });
  afterAll(() => t.close());

  async function expectError(res: Response, status: number, error: string): Promise<Record<string, string>> {
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, string>;
    expect(body.error).toBe(error);
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
    return body;
  }

  const me = (token: string) =>
    fetch(`${t.url}/api/v1/user/me`, { headers: { authorization: `Bearer ${token}` } });

  describe('a valid exchange', () => {
    let minted: Awaited<ReturnType<typeof mintCode>>;
    let res: Response;
    let body: Record<string, unknown>;

    beforeAll(async () => {
      minted = await mintCode(t, a, { nonce: 'nonce-abc' });
      res = await tokenRequest(t, { code: minted.code, verifier: minted.verifier });
      body = (await res.json()) as Record<string, unknown>;
    });

    it('answers 200 with Cache-Control: no-store and exactly the documented fields', () => {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(Object.keys(body).sort()).toEqual(
        [
          'access_token',
          'expires_in',
          'github_access_token',
          'github_api_url',
          'github_graphql_url',
          'github_host',
          'github_token_scope',
          'github_token_type',
          'id_token',
          'scope',
          'token_type',
        ].sort(),
      );
      expect(body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid profile email',
        github_access_token: minted.githubToken.access_token,
        github_token_type: 'bearer',
        github_token_scope: 'read:user repo user:email',
        github_host: '127.0.0.1:9',
        github_api_url: 'http://127.0.0.1:9',
        github_graphql_url: 'http://127.0.0.1:9/graphql',
      });
      expect(body['access_token']).toMatch(/^gw_at_[A-Za-z0-9_-]{43}$/);
    });

    it('signs an id_token with a published key (kid), bound to the client, issuer and nonce', async () => {
      const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      const idToken = body['id_token'] as string;
      expect(decodeProtectedHeader(idToken)).toEqual({ alg: 'ES256', kid: 'test-key-1', typ: 'JWT' });
      const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
        issuer: t.url,
        audience: 'instance-a',
        algorithms: ['ES256', 'EdDSA'],
      });
      expect(payload).toMatchObject({
        iss: t.url,
        aud: 'instance-a',
        azp: 'instance-a',
        sub: 'github.example|583231',
        nonce: 'nonce-abc',
        github_host: 'github.example',
        github_id: 583231,
        login: 'octocat',
        preferred_username: 'octocat',
        name: 'The Octocat',
        email: 'octocat@github.example',
        email_verified: true,
        avatar_url: OCTOCAT.avatar_url,
        picture: OCTOCAT.avatar_url,
      });
      expect((payload.exp as number) - (payload.iat as number)).toBe(300);
      expect(typeof payload.auth_time).toBe('number');
    });

    it('gives an access token that reads the identity at /api/v1/user/me', async () => {
      const res2 = await me(body['access_token'] as string);
      expect(res2.status).toBe(200);
      expect(await res2.json()).toMatchObject({
        sub: 'github.example|583231',
        login: 'octocat',
        github_id: 583231,
        email: 'octocat@github.example',
      });
    });

    it('keeps no copy of the GitHub token and stores codes and tokens only as hashes', async () => {
      const dump = await withDb(t, async (db) => {
        const tables = ['pending_authorizations', 'authorization_codes', 'access_tokens'];
        const rows: unknown[] = [];
        for (const name of tables) rows.push((await db.query(`SELECT * FROM ${name}`)).rows);
        return JSON.stringify(rows);
      });
      expect(dump).not.toContain(minted.githubToken.access_token);
      expect(dump).not.toContain(minted.code);
      expect(dump).not.toContain(body['access_token'] as string);
      expect(dump).toContain(sha256Hex(minted.code));
      const sealed = await withDb(t, (db) =>
        db.query('SELECT github_token_sealed, used_at FROM authorization_codes WHERE code_hash = $1', [
          sha256Hex(minted.code),
        ]),
      );
      expect(sealed.rows[0].github_token_sealed).toBeNull();
      expect(sealed.rows[0].used_at).not.toBeNull();
    });
  });

  it('accepts client_secret_post as well as client_secret_basic', async () => {
    const minted = await mintCode(t, a);
    const res = await tokenRequest(t, { code: minted.code, verifier: minted.verifier, auth: 'post' });
    expect(res.status).toBe(200);
  });

  it('refuses a replayed code with invalid_grant and revokes the token issued from it', async () => {
    const minted = await mintCode(t, a);
    const first = await tokenRequest(t, { code: minted.code, verifier: minted.verifier });
    expect(first.status).toBe(200);
    const { access_token } = (await first.json()) as { access_token: string };
    expect((await me(access_token)).status).toBe(200);

    const replay = await tokenRequest(t, { code: minted.code, verifier: minted.verifier });
    const err = await expectError(replay, 400, 'invalid_grant');
    expect(err['error_description']).toMatch(/already used/);
    expect((await me(access_token)).status).toBe(401);
  });

  it('lets exactly one of two concurrent redemptions of a code win', async () => {
    for (let round = 0; round < 5; round++) {
      const minted = await mintCode(t, a);
      const results = await Promise.all(
        [0, 1].map(() => tokenRequest(t, { code: minted.code, verifier: minted.verifier })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 400]);
      const loser = results.find((r) => r.status === 400) as Response;
      expect(((await loser.json()) as { error: string }).error).toBe('invalid_grant');
      await Promise.all(results.filter((r) => r.status === 200).map((r) => r.arrayBuffer()));
    }
  });

  it('lets exactly one of eight concurrent redemptions win', async () => {
    const minted = await mintCode(t, a);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => tokenRequest(t, { code: minted.code, verifier: minted.verifier })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(7);
    await Promise.all(results.map((r) => r.arrayBuffer()));
  });

  it('refuses a code presented by another (authenticated) client, and that burns the code', async () => {
    const minted = await mintCode(t, a);
    const stolen = await tokenRequest(t, {
      client: b,
      code: minted.code,
      verifier: minted.verifier,
      redirectUri: a.redirect_uri,
    });
    const err = await expectError(stolen, 400, 'invalid_grant');
    expect(err['error_description']).toMatch(/another client/);
    await expectError(
      await tokenRequest(t, { code: minted.code, verifier: minted.verifier }),
      400,
      'invalid_grant',
    );
  });

  it('refuses a redirect_uri other than the one of the authorization request, even one registered for the client', async () => {
    const minted = await mintCode(t, a);
    const other = a.registered.redirect_uris[1];
    if (!other) throw new Error('instance-a is registered with a second redirect_uri');
    const err = await expectError(
      await tokenRequest(t, { code: minted.code, verifier: minted.verifier, redirectUri: other }),
      400,
      'invalid_grant',
    );
    expect(err['error_description']).toMatch(/redirect_uri/);
  });

  it('refuses a wrong code_verifier, and the code gets no second try', async () => {
    const minted = await mintCode(t, a);
    const wrong = `${minted.verifier.slice(0, -1)}${minted.verifier.endsWith('A') ? 'B' : 'A'}`;
    const err = await expectError(
      await tokenRequest(t, { code: minted.code, verifier: wrong }),
      400,
      'invalid_grant',
    );
    expect(err['error_description']).toMatch(/code_verifier/);
    await expectError(
      await tokenRequest(t, { code: minted.code, verifier: minted.verifier }),
      400,
      'invalid_grant',
    );
  });

  it('refuses an expired code', async () => {
    const minted = await mintCode(t, a);
    await withDb(t, (db) =>
      db.query(
        `UPDATE authorization_codes SET expires_at = now() - interval '1 second' WHERE code_hash = $1`,
        [sha256Hex(minted.code)],
      ),
    );
    const err = await expectError(
      await tokenRequest(t, { code: minted.code, verifier: minted.verifier }),
      400,
      'invalid_grant',
    );
    expect(err['error_description']).toMatch(/expired/);
  });

  it('issues codes that live 60 seconds', async () => {
    const minted = await mintCode(t, a);
    const { rows } = await withDb(t, (db) =>
      db.query(
        `SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM authorization_codes WHERE code_hash = $1`,
        [sha256Hex(minted.code)],
      ),
    );
    expect(rows[0].ttl).toBe(60);
  });

  it('refuses an unknown code', async () => {
    await expectError(
      await tokenRequest(t, { code: 'not-a-code-we-issued', verifier: 'v'.repeat(43) }),
      400,
      'invalid_grant',
    );
  });

  describe('client authentication', () => {
    it('answers 401 invalid_client with WWW-Authenticate for a wrong secret, and leaves the code usable', async () => {
      const minted = await mintCode(t, a);
      const res = await tokenRequest(t, {
        code: minted.code,
        verifier: minted.verifier,
        secret: 'wrong-secret',
      });
      await expectError(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="oauth-gateway"/);
      expect((await tokenRequest(t, { code: minted.code, verifier: minted.verifier })).status).toBe(200);
    });

    it('answers 401 invalid_client without credentials', async () => {
      const minted = await mintCode(t, a);
      await expectError(
        await tokenRequest(t, { code: minted.code, verifier: minted.verifier, secret: null }),
        401,
        'invalid_client',
      );
    });

    it('answers 401 invalid_client for a wrong client_secret_post secret and for another client’s secret', async () => {
      const minted = await mintCode(t, a);
      await expectError(
        await tokenRequest(t, { code: minted.code, verifier: minted.verifier, auth: 'post', secret: 'nope' }),
        401,
        'invalid_client',
      );
      await expectError(
        await tokenRequest(t, { code: minted.code, verifier: minted.verifier, secret: b.secret }),
        401,
        'invalid_client',
      );
    });

    it('answers 401 invalid_client for an unknown client', async () => {
      const res = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth('nobody', 'x'),
        },
        body: 'grant_type=authorization_code&code=x&redirect_uri=x&code_verifier=x',
      });
      await expectError(res, 401, 'invalid_client');
    });

    it('refuses two authentication methods in one request', async () => {
      const minted = await mintCode(t, a);
      const res = await tokenRequest(t, {
        code: minted.code,
        verifier: minted.verifier,
        extra: { client_secret: a.secret },
      });
      await expectError(res, 400, 'invalid_request');
    });
  });

  describe('malformed requests', () => {
    it('refuses other grant types with unsupported_grant_type', async () => {
      const minted = await mintCode(t, a);
      await expectError(
        await tokenRequest(t, {
          code: minted.code,
          verifier: minted.verifier,
          extra: { grant_type: 'password' },
        }),
        400,
        'unsupported_grant_type',
      );
    });

    it('requires code_verifier (PKCE) in the right format', async () => {
      const minted = await mintCode(t, a);
      await expectError(
        await tokenRequest(t, { code: minted.code, verifier: 'short' }),
        400,
        'invalid_request',
      );
    });

    it('requires a form-encoded body', async () => {
      const res = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(a.client_id, a.secret) },
        body: JSON.stringify({ grant_type: 'authorization_code' }),
      });
      await expectError(res, 400, 'invalid_request');
    });

    it('refuses a repeated parameter', async () => {
      const minted = await mintCode(t, a);
      const res = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(a.client_id, a.secret),
        },
        body: `grant_type=authorization_code&code=${minted.code}&code=${minted.code}&redirect_uri=${encodeURIComponent(a.redirect_uri)}&code_verifier=${minted.verifier}`,
      });
      await expectError(res, 400, 'invalid_request');
    });
  });
});

describe('GET /api/v1/user/me and POST /oauth/revoke', () => {
  let t: TestGateway;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    t = await createTestGateway();
    a = clientOf(t, 'instance-a');
    b = clientOf(t, 'instance-b');
  });
  afterAll(() => t.close());

  async function accessToken(): Promise<string> {
    const minted = await mintCode(t, a);
    const res = await tokenRequest(t, { code: minted.code, verifier: minted.verifier });
    return ((await res.json()) as { access_token: string }).access_token;
  }
  const me = (authorization?: string) =>
    fetch(`${t.url}/api/v1/user/me`, { headers: authorization ? { authorization } : {} });
  const revoke = (client: TestClient, form: Record<string, string>) =>
    fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.client_id, client.secret),
      },
      body: new URLSearchParams(form),
    });

  it('answers 401 with a Bearer challenge without a token, and invalid_token for a bad one', async () => {
    const none = await me();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const bad = await me('Bearer gw_at_not-a-real-token');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await bad.json()).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('answers 401 for an expired access token', async () => {
    const token = await accessToken();
    await withDb(t, (db) =>
      db.query(`UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        sha256Hex(token),
      ]),
    );
    expect((await me(`Bearer ${token}`)).status).toBe(401);
  });

  it('revokes a gateway access token for the client it was issued to', async () => {
    const token = await accessToken();
    const res = await revoke(a, { token, token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect((await me(`Bearer ${token}`)).status).toBe(401);
  });

  it('answers 200 but revokes nothing when another client presents the token (RFC 7009 §2.2)', async () => {
    const token = await accessToken();
    expect((await revoke(b, { token })).status).toBe(200);
    expect((await me(`Bearer ${token}`)).status).toBe(200);
  });

  it('answers 200 for an unknown token', async () => {
    expect((await revoke(a, { token: 'gw_at_unknown' })).status).toBe(200);
  });

  it('requires client authentication', async () => {
    const token = await accessToken();
    const res = await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    expect((await me(`Bearer ${token}`)).status).toBe(200);
  });

  it('deletes expired sign-ins, codes and tokens past their grace period, keeping recent ones for replay detection', async () => {
    const age = (table: string, key: string, hash: string, interval: string) =>
      withDb(t, (db) =>
        db.query(`UPDATE ${table} SET expires_at = now() - $2::interval WHERE ${key} = $1`, [hash, interval]),
      );
    const pending = t.app.get(PendingAuthorizationRepository);
    const newPending = async (interval: string) => {
      const stateHash = sha256Hex(randomToken());
      await pending.create({
        state_hash: stateHash,
        browser_binding_hash: sha256Hex(randomToken()),
        client_id: a.client_id,
        redirect_uri: a.redirect_uri,
        client_state: 'client-state',
        code_challenge: 'challenge',
        nonce: null,
        scope: 'openid',
        github_scope: 'read:user',
        pkce_verifier_sealed: null,
        ttlSeconds: 600,
      });
      await age('pending_authorizations', 'state_hash', stateHash, interval);
      return stateHash;
    };
    const newCode = async (interval: string) => {
      const codeHash = sha256Hex((await mintCode(t, a)).code);
      await age('authorization_codes', 'code_hash', codeHash, interval);
      return codeHash;
    };
    const newToken = async (interval: string) => {
      const tokenHash = sha256Hex(await accessToken());
      await age('access_tokens', 'token_hash', tokenHash, interval);
      return tokenHash;
    };
    const gone = {
      pending: await newPending('2 hours'),
      code: await newCode('2 days'),
      token: await newToken('2 days'),
    };
    const kept = {
      pending: await newPending('30 minutes'),
      code: await newCode('2 hours'),
      token: await newToken('2 hours'),
    };

    expect(await t.app.get(ExpiredRowsCleaner).run()).toBe(3);

    const present = (table: string, key: string, hash: string) =>
      withDb(t, async (db) => (await db.query(`SELECT 1 FROM ${table} WHERE ${key} = $1`, [hash])).rowCount);
    expect(await present('pending_authorizations', 'state_hash', gone.pending)).toBe(0);
    expect(await present('authorization_codes', 'code_hash', gone.code)).toBe(0);
    expect(await present('access_tokens', 'token_hash', gone.token)).toBe(0);
    expect(await present('pending_authorizations', 'state_hash', kept.pending)).toBe(1);
    expect(await present('authorization_codes', 'code_hash', kept.code)).toBe(1);
    expect(await present('access_tokens', 'token_hash', kept.token)).toBe(1);
  });
});
