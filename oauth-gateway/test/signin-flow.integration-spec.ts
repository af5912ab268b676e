import { startGithubSim, type GithubSimHandle, type SimOrg, type SimUser } from '@trackeep/github-sim';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { pkceChallenge, randomToken, sha256Hex } from '../src/common/crypto.util';
import { CookieJar } from './support/cookie-jar';
import { tokenRequest, withDb } from './support/codes';
import { callbackParams, resume, signIn } from './support/github-browser';
import {
  basicAuth,
  clientOf,
  createTestGateway,
  type TestClient,
  type TestGateway,
} from './support/test-gateway';

// The whole sign-in against the GitHub simulator, driven like a browser with a cookie jar: gateway → GitHub
// consent page → gateway callback → instance callback → back-channel token exchange.

const GH_APP = { clientId: 'Iv1.gatewaytest0001', clientSecret: 'gateway-test-github-secret' };
const A_CALLBACK = 'https://app.example.com/api/v1/auth/oauth/callback';

describe('sign-in through the gateway against the GitHub simulator', () => {
  let sim: GithubSimHandle;
  let t: TestGateway;
  let a: TestClient;
  let org: SimOrg;
  let outsider: SimUser;
  /** Every secret value seen in this file; none may appear in a log line. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 7, oauthApps: [GH_APP] });
    const [firstOrg] = sim.world.orgs.values();
    if (!firstOrg) throw new Error('the small preset has an org');
    org = firstOrg;
    const octocat = sim.world.user('octocat') as SimUser;
    outsider = sim.world.addUser({ login: 'outsider-dev', name: 'Not In Any Org' });
    const team = org.teams.find((tm) => tm.members.has(octocat.id));
    t = await createTestGateway({
      github: { webUrl: sim.url, apiUrl: sim.apiUrl, ...GH_APP },
      clients: [
        { client_id: 'instance-a', redirect_uris: [A_CALLBACK] },
        {
          client_id: 'instance-org',
          redirect_uris: ['https://org.example.com/cb'],
          allowed_orgs: [org.login],
        },
        {
          client_id: 'instance-team',
          redirect_uris: ['https://team.example.com/cb'],
          allowed_teams: [`${org.login}/${team?.slug}`],
        },
        {
          client_id: 'instance-ghost-org',
          redirect_uris: ['https://ghost.example.com/cb'],
          allowed_orgs: ['no-such-org-here'],
        },
      ],
    });
    a = clientOf(t, 'instance-a');
    for (const c of Object.values(t.clients)) secrets.add(c.secret);
    secrets.add(GH_APP.clientSecret);
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  interface Started {
    url: string;
    state: string;
    verifier: string;
    nonce: string;
  }

  function authorizeUrl(client: TestClient, extra: Record<string, string> = {}): Started {
    const verifier = randomToken(48);
    const state = randomToken(16);
    const nonce = randomToken(16);
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uri,
      state,
      nonce,
      code_challenge: pkceChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    });
    return { url: `${t.url}/auth/github?${params}`, state, verifier, nonce };
  }

  const exchanges = () => sim.stats().oauth.tokensIssued + sim.stats().oauth.tokenErrors;
  const codesIssued = async () =>
    (await withDb(t, (db) => db.query('SELECT count(*)::int AS n FROM authorization_codes'))).rows[0]
      .n as number;

  describe('the happy path', () => {
    let jar: CookieJar;
    let started: Started;
    let params: URLSearchParams;
    let body: Record<string, unknown>;
    let hops: string[];

    beforeAll(async () => {
      jar = new CookieJar();
      started = authorizeUrl(a);
      const nav = await signIn(jar, started.url, { login: 'octocat', redirectUri: A_CALLBACK });
      params = callbackParams(nav);
      hops = nav.hops;
      const code = params.get('code') as string;
      secrets.add(code);
      const res = await tokenRequest(t, { client: a, code, verifier: started.verifier });
      expect(res.status).toBe(200);
      body = (await res.json()) as Record<string, unknown>;
      for (const key of ['access_token', 'id_token', 'github_access_token']) secrets.add(body[key] as string);
    });

    it('returns to the instance with code, the instance state and iss (RFC 9207)', () => {
      expect(params.get('state')).toBe(started.state);
      expect(params.get('iss')).toBe(t.url);
      expect(params.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('counts the completed sign-in and the issued token in /metrics', async () => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const value = (name: string, result: string) =>
        Number(new RegExp(`^${name}\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      expect(value('gateway_sign_ins_total', 'completed')).toBeGreaterThanOrEqual(1);
      expect(value('gateway_token_requests_total', 'issued')).toBeGreaterThanOrEqual(1);
      expect(value('gateway_sign_ins_total', 'denied_by_policy')).toBe(0);
    });

    it('clears the gateway sign-in cookie on the way back', () => {
      expect(jar.get('127.0.0.1', 'gw_signin')).toBeUndefined();
      expect(jar.seen.some((c) => /^gw_signin=;/.test(c))).toBe(true);
    });

    it('hands over the identity GitHub reports and a working GitHub token', async () => {
      const octocat = sim.world.user('octocat') as SimUser;
      const claims = decodeJwt(body['id_token'] as string);
      expect(claims).toMatchObject({
        sub: `${new URL(sim.url).host}|${octocat.id}`,
        github_id: octocat.id,
        login: 'octocat',
        nonce: started.nonce,
        aud: 'instance-a',
        iss: t.url,
        email: octocat.email,
        email_verified: true,
      });
      expect(String(body['github_token_scope']).split(' ').sort()).toEqual([
        'read:user',
        'repo',
        'user:email',
      ]);
      const user = await fetch(`${sim.apiUrl}/user`, {
        headers: { authorization: `Bearer ${body['github_access_token']}` },
      });
      expect(user.status).toBe(200);
      expect(((await user.json()) as { login: string }).login).toBe('octocat');
    });

    it('sent GitHub its own state and PKCE challenge, and the simulator accepted the matching verifier', () => {
      const toGithub = new URL(hops.find((h) => h.startsWith(`${sim.url}/login/oauth/authorize`)) as string);
      expect(toGithub.searchParams.get('code_challenge_method')).toBe('S256');
      expect(toGithub.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(toGithub.searchParams.get('code_challenge')).not.toBe(pkceChallenge(started.verifier));
      expect(toGithub.searchParams.get('state')).not.toBe(started.state);
      // The simulator, like GitHub, refuses an exchange whose verifier does not match the challenge.
      expect(sim.stats().oauth.tokenErrors).toBe(0);
      expect(sim.stats().oauth.tokensIssued).toBe(1);
    });
  });

  describe('the callback refuses a state that fails, and never exchanges GitHub’s code', () => {
    /** Runs the flow up to GitHub's redirect back to the gateway, returning that URL. */
    async function pausedAtCallback(jar: CookieJar): Promise<URL> {
      const nav = await signIn(jar, authorizeUrl(a).url, {
        login: 'octocat',
        redirectUri: A_CALLBACK,
        pauseAtGatewayCallback: true,
      });
      expect(nav.stopped).toBe(true);
      const url = new URL(nav.url);
      expect(url.searchParams.get('code')).toBeTruthy();
      secrets.add(url.searchParams.get('code') as string);
      return url;
    }

    async function expectRefused(jar: CookieJar, callback: string): Promise<void> {
      const exchangesBefore = exchanges();
      const codesBefore = await codesIssued();
      const nav = await resume(jar, callback, A_CALLBACK);
      expect(nav.stopped).toBe(false);
      expect(nav.response.status).toBe(403);
      expect(nav.response.headers.get('location')).toBeNull();
      expect(await nav.response.text()).toContain('Sign-in could not be verified');
      expect(exchanges()).toBe(exchangesBefore);
      expect(await codesIssued()).toBe(codesBefore);
    }

    it('without state', async () => {
      const jar = new CookieJar();
      const url = await pausedAtCallback(jar);
      url.searchParams.delete('state');
      await expectRefused(jar, url.href);
    });

    it('with a mismatched state', async () => {
      const jar = new CookieJar();
      const url = await pausedAtCallback(jar);
      url.searchParams.set('state', randomToken());
      await expectRefused(jar, url.href);
    });

    it('without the state cookie (another browser, or cookies blocked)', async () => {
      const url = await pausedAtCallback(new CookieJar());
      await expectRefused(new CookieJar(), url.href);
    });

    it('with the state of a sign-in started in another browser (login CSRF)', async () => {
      const victim = new CookieJar();
      await pausedAtCallback(victim); // the victim has a cookie of their own sign-in
      const attackerUrl = await pausedAtCallback(new CookieJar());
      await expectRefused(victim, attackerUrl.href);
    });

    it('with a state already used', async () => {
      const jar = new CookieJar();
      const url = await pausedAtCallback(jar);
      const cookie = jar.get('127.0.0.1', 'gw_signin') as string;
      const first = await resume(jar, url.href, A_CALLBACK);
      expect(callbackParams(first).get('code')).toBeTruthy();
      jar.set('127.0.0.1', 'gw_signin', cookie); // even with the cookie put back
      await expectRefused(jar, url.href);
    });

    it('with an expired state', async () => {
      const jar = new CookieJar();
      const url = await pausedAtCallback(jar);
      const state = url.searchParams.get('state') as string;
      await withDb(t, (db) =>
        db.query(
          `UPDATE pending_authorizations SET expires_at = now() - interval '1 second' WHERE state_hash = $1`,
          [sha256Hex(state)],
        ),
      );
      await expectRefused(jar, url.href);
    });
  });

  it('sends access_denied to the instance when the user cancels at GitHub', async () => {
    const started = authorizeUrl(a);
    const params = callbackParams(
      await signIn(new CookieJar(), started.url, { login: null, redirectUri: A_CALLBACK }),
    );
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(started.state);
    expect(params.get('iss')).toBe(t.url);
    expect(params.get('code')).toBeNull();
  });

  describe('org and team policy (fails closed)', () => {
    const client = (id: string) => clientOf(t, id);

    async function attempt(clientId: string, login: string): Promise<URLSearchParams> {
      const c = client(clientId);
      const params = callbackParams(
        await signIn(new CookieJar(), authorizeUrl(c).url, { login, redirectUri: c.redirect_uri }),
      );
      if (params.get('code')) secrets.add(params.get('code') as string);
      return params;
    }

    it('lets a member of an allowed org in', async () => {
      expect((await attempt('instance-org', 'octocat')).get('code')).toBeTruthy();
    });

    it('denies a user outside the allowed org, with no code issued', async () => {
      const before = await codesIssued();
      const params = await attempt('instance-org', outsider.login);
      expect(params.get('error')).toBe('access_denied');
      expect(params.get('code')).toBeNull();
      expect(await codesIssued()).toBe(before);
    });

    it('lets a member of an allowed team in and keeps a non-member out', async () => {
      expect((await attempt('instance-team', 'octocat')).get('code')).toBeTruthy();
      expect((await attempt('instance-team', outsider.login)).get('error')).toBe('access_denied');
    });

    it('denies when the allowed org does not exist (GitHub answers 404)', async () => {
      expect((await attempt('instance-ghost-org', 'octocat')).get('error')).toBe('access_denied');
    });

    it('denies a member when the membership lookup fails', async () => {
      sim.setFaults({ errorRate: 1, errorStatus: 502, pathPattern: '/orgs/' });
      try {
        const before = await codesIssued();
        expect((await attempt('instance-org', 'octocat')).get('error')).toBe('access_denied');
        expect((await attempt('instance-team', 'octocat')).get('error')).toBe('access_denied');
        expect(await codesIssued()).toBe(before);
      } finally {
        sim.setFaults({});
      }
    });
  });

  it('tells the instance temporarily_unavailable when GitHub’s token endpoint fails', async () => {
    sim.setFaults({ errorRate: 1, errorStatus: 503, pathPattern: '/login/oauth/access_token' });
    try {
      const params = callbackParams(
        await signIn(new CookieJar(), authorizeUrl(a).url, { login: 'octocat', redirectUri: A_CALLBACK }),
      );
      expect(params.get('error')).toBe('temporarily_unavailable');
      expect(params.get('code')).toBeNull();
    } finally {
      sim.setFaults({});
    }
  });

  it('revokes the GitHub grant on request (token_type_hint=github_access_token)', async () => {
    const started = authorizeUrl(a);
    const code = callbackParams(
      await signIn(new CookieJar(), started.url, { login: 'octocat', redirectUri: A_CALLBACK }),
    ).get('code') as string;
    const tokens = (await (
      await tokenRequest(t, { client: a, code, verifier: started.verifier })
    ).json()) as Record<string, string>;
    const githubToken = tokens['github_access_token'] as string;
    secrets.add(code);
    secrets.add(githubToken);
    const asUser = () => fetch(`${sim.apiUrl}/user`, { headers: { authorization: `Bearer ${githubToken}` } });
    expect((await asUser()).status).toBe(200);
    const res = await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(a.client_id, a.secret),
      },
      body: new URLSearchParams({ token: githubToken, token_type_hint: 'github_access_token' }),
    });
    expect(res.status).toBe(200);
    expect((await asUser()).status).toBe(401);
  });

  it('never writes tokens, codes, secrets, states or cookies to the logs', async () => {
    expect(t.logs.length).toBeGreaterThan(20);
    const jar = new CookieJar();
    const nav = await signIn(jar, authorizeUrl(a).url, {
      login: 'octocat',
      redirectUri: A_CALLBACK,
      pauseAtGatewayCallback: true,
    });
    const callback = new URL(nav.url);
    secrets.add(callback.searchParams.get('state') as string);
    secrets.add(jar.get('127.0.0.1', 'gw_signin') as string);
    secrets.add(callback.searchParams.get('code') as string);
    await resume(jar, callback.href, A_CALLBACK);
    const all = t.logs.join('\n');
    expect(all).toContain('/auth/github/callback?code=[Redacted]&state=[Redacted]');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(10);
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/gho_|gw_at_[A-Za-z0-9]/);
  });
});

describe('two gateway replicas behind a round-robin balancer', () => {
  it('complete a sign-in whose steps land on different replicas', async () => {
    const { createServer, request } = await import('node:http');
    const sim = await startGithubSim({ preset: 'small', seed: 3, oauthApps: [GH_APP] });
    const ports: number[] = [];
    const hits: number[] = [];
    let next = 0;
    const balancer = createServer((req, res) => {
      const index = next++ % 2;
      hits.push(index);
      const upstream = request(
        { host: '127.0.0.1', port: ports[index], path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
    const address = balancer.address();
    const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const github = { webUrl: sim.url, apiUrl: sim.apiUrl, ...GH_APP };
    const one = await createTestGateway({
      github,
      env: { SERVICE_DOMAIN: issuer },
      clients: [{ client_id: 'instance-a', redirect_uris: [A_CALLBACK] }],
    });
    const two = await createTestGateway({ github, env: { SERVICE_DOMAIN: issuer }, replicaOf: one });
    ports.push(Number(new URL(one.url).port), Number(new URL(two.url).port));
    try {
      const a = clientOf(one, 'instance-a');
      const verifier = randomToken(48);
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: 'instance-a',
        redirect_uri: A_CALLBACK,
        state: 'xyz',
        code_challenge: pkceChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const back = callbackParams(
        await signIn(new CookieJar(), `${issuer}/auth/github?${params}`, {
          login: 'octocat',
          redirectUri: A_CALLBACK,
        }),
      );
      const res = await fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(a.client_id, a.secret),
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: back.get('code') as string,
          redirect_uri: A_CALLBACK,
          code_verifier: verifier,
        }),
      });
      expect(res.status).toBe(200);
      const { id_token } = (await res.json()) as { id_token: string };
      const jwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      await expect(
        jwtVerify(id_token, createLocalJWKSet(jwks), { issuer, audience: 'instance-a' }),
      ).resolves.toBeDefined();
      expect(hits.slice(0, 3)).toEqual([0, 1, 0]); // authorize, callback, token: alternate replicas
    } finally {
      await two.close();
      await one.close();
      await new Promise((resolve) => balancer.close(resolve));
      await sim.stop();
    }
  });
});
