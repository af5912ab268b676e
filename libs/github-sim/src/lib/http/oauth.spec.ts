import { createHash, randomBytes } from 'node:crypto';
import { client } from '../../spec/helpers';
import { DEMO_OAUTH_APP } from '../demo-oauth-app.constant';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

const APP = {
  clientId: 'Iv1.testapp0001',
  clientSecret: 'test-secret-1',
  callbackUrl: 'http://127.0.0.1:4999/auth/callback',
};
const REDIRECT = 'http://127.0.0.1:4999/auth/callback';

describe('OAuth web flow', () => {
  let sim: GithubSimHandle;
  let page: GithubSimHandle;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', autoApproveLogin: 'octocat', oauthApps: [APP] });
    page = await startGithubSim({ preset: 'small', oauthApps: [APP] });
  });
  afterAll(async () => {
    await sim.stop();
    await page.stop();
  });

  async function authorize(target: GithubSimHandle, params: Record<string, string>) {
    const qs = new URLSearchParams({
      client_id: APP.clientId,
      redirect_uri: REDIRECT,
      scope: 'repo read:org',
      state: 's1',
      ...params,
    });
    return fetch(`${target.url}/login/oauth/authorize?${qs}`, { redirect: 'manual' });
  }

  async function codeFor(params: Record<string, string> = {}): Promise<string> {
    const res = await authorize(sim, params);
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location') as string);
    expect(loc.searchParams.get('state')).toBe(params['state'] ?? 's1');
    return loc.searchParams.get('code') as string;
  }

  async function exchange(body: Record<string, string>, accept = 'application/json') {
    const res = await fetch(`${sim.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: APP.clientId,
        client_secret: APP.clientSecret,
        ...body,
      }).toString(),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  it('auto-approves the configured user and returns code + state to the redirect_uri', async () => {
    const code = await codeFor();
    expect(code).toMatch(/^[0-9a-f]{20}$/);
  });

  it('exchanges a code for a gho_ token whose scopes GitHub reports in X-OAuth-Scopes', async () => {
    const res = await exchange({ code: await codeFor(), redirect_uri: REDIRECT });
    const token = JSON.parse(res.text) as { access_token: string; token_type: string; scope: string };
    expect(token).toEqual({
      access_token: expect.stringMatching(/^gho_[A-Za-z0-9]{36}$/),
      token_type: 'bearer',
      scope: 'read:org,repo',
    });
    const me = await client(sim, token.access_token).get<{ login: string; id: number }>('/user');
    expect(me.status).toBe(200);
    expect(me.body.login).toBe('octocat');
    expect(me.body.id).toBe(583231);
    expect(me.headers.get('x-oauth-scopes')).toBe('read:org, repo');
  });

  it('answers form-encoded by default and XML when asked, like GitHub', async () => {
    const form = await exchange({ code: await codeFor() }, '*/*');
    expect(form.type).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(form.text).get('access_token')).toMatch(/^gho_/);
    const xml = await exchange({ code: await codeFor() }, 'application/xml');
    expect(xml.text).toMatch(/^<OAuth><access_token>gho_/);
  });

  it('accepts a JSON request body too', async () => {
    const res = await fetch(`${sim.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: APP.clientId,
        client_secret: APP.clientSecret,
        code: await codeFor(),
      }),
    });
    expect(((await res.json()) as { access_token: string }).access_token).toMatch(/^gho_/);
  });

  it('uses a code only once (bad_verification_code on reuse, HTTP 200 as GitHub does)', async () => {
    const code = await codeFor();
    expect(JSON.parse((await exchange({ code })).text).access_token).toBeDefined();
    const again = await exchange({ code });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: expect.stringContaining('#bad-verification-code'),
    });
  });

  it('rejects an unknown code and wrong client credentials', async () => {
    expect(JSON.parse((await exchange({ code: 'deadbeefdeadbeefdead' })).text).error).toBe(
      'bad_verification_code',
    );
    const wrong = await exchange({ code: await codeFor(), client_secret: 'nope' });
    expect(JSON.parse(wrong.text).error).toBe('incorrect_client_credentials');
    const unknown = await exchange({ code: await codeFor(), client_id: 'Iv1.unknown' });
    expect(JSON.parse(unknown.text).error).toBe('incorrect_client_credentials');
  });

  it('rejects a token request whose redirect_uri differs from the authorize request', async () => {
    const res = await exchange({ code: await codeFor(), redirect_uri: `${REDIRECT}/other` });
    expect(JSON.parse(res.text).error).toBe('redirect_uri_mismatch');
  });

  it('sends redirect_uri_mismatch back to the registered callback when redirect_uri leaves it', async () => {
    for (const bad of [
      'http://127.0.0.1:5000/auth/callback',
      'http://evil.example/auth/callback',
      'http://127.0.0.1:4999/auth/callbackX',
    ]) {
      const res = await authorize(sim, { redirect_uri: bad });
      expect(res.status).toBe(302);
      const loc = new URL(res.headers.get('location') as string);
      expect(loc.origin + loc.pathname).toBe(REDIRECT);
      expect(loc.searchParams.get('error')).toBe('redirect_uri_mismatch');
    }
    const sub = await authorize(sim, { redirect_uri: `${REDIRECT}/deeper` });
    expect(new URL(sub.headers.get('location') as string).searchParams.get('code')).toBeTruthy();
  });

  it('checks the PKCE S256 verifier and rejects a wrong one', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const wrongCode = await codeFor({ code_challenge: challenge, code_challenge_method: 'S256' });
    const wrong = JSON.parse(
      (await exchange({ code: wrongCode, code_verifier: randomBytes(32).toString('base64url') })).text,
    );
    expect(wrong.error).toBe('invalid_grant');
    const missing = JSON.parse(
      (await exchange({ code: await codeFor({ code_challenge: challenge, code_challenge_method: 'S256' }) }))
        .text,
    );
    expect(missing.error).toBe('invalid_grant');
    const ok = JSON.parse(
      (
        await exchange({
          code: await codeFor({ code_challenge: challenge, code_challenge_method: 'S256' }),
          code_verifier: verifier,
        })
      ).text,
    );
    expect(ok.access_token).toMatch(/^gho_/);
  });

  it('refuses the plain PKCE method', async () => {
    const res = await authorize(sim, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
  });

  it('shows a 404 page for an unknown client_id', async () => {
    const res = await authorize(sim, { client_id: 'Iv1.nobody' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
  });

  it('renders a sign-in page listing the simulated users, and signs in the one picked', async () => {
    const res = await authorize(page, {});
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-login="octocat"');
    expect(html).toContain('data-login="monalisa"');
    const requestId = /name="request_id" value="([0-9a-f]+)"/.exec(html)?.[1] as string;
    const pick = await fetch(`${page.url}/login/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId, login: 'monalisa' }).toString(),
    });
    expect(pick.status).toBe(302);
    const code = new URL(pick.headers.get('location') as string).searchParams.get('code') as string;
    const tokenRes = await fetch(`${page.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: APP.clientId, client_secret: APP.clientSecret, code }),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    expect((await client(page, token).get<{ login: string }>('/user')).body.login).toBe('monalisa');
    // The page's request id is single-use too.
    const replay = await fetch(`${page.url}/login/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId, login: 'octocat' }).toString(),
    });
    expect(replay.status).toBe(400);
  });

  it('redirects with access_denied when the user cancels', async () => {
    const html = await (await authorize(page, {})).text();
    const requestId = /name="request_id" value="([0-9a-f]+)"/.exec(html)?.[1] as string;
    const res = await fetch(`${page.url}/login/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId, decision: 'deny' }).toString(),
    });
    const loc = new URL(res.headers.get('location') as string);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('state')).toBe('s1');
  });

  it('registers the demo OAuth app in every simulator', async () => {
    const res = await fetch(
      `${sim.url}/login/oauth/authorize?client_id=${DEMO_OAUTH_APP.clientId}&redirect_uri=http://localhost:4200/cb`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
  });
});

describe('OAuth app token endpoints', () => {
  let sim: GithubSimHandle;
  const basic = (id: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
  });

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', autoApproveLogin: 'octocat', oauthApps: [APP] });
  });
  afterAll(() => sim.stop());

  const tokenFromFlow = async () => {
    const auth = await fetch(`${sim.url}/login/oauth/authorize?client_id=${APP.clientId}&scope=repo`, {
      redirect: 'manual',
    });
    const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
    const res = await fetch(`${sim.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: APP.clientId, client_secret: APP.clientSecret, code }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };

  it('checks a token with POST /applications/{client_id}/token', async () => {
    const token = await tokenFromFlow();
    const res = await client(sim).post<{ token: string; scopes: string[]; user: { login: string } }>(
      `/applications/${APP.clientId}/token`,
      { access_token: token },
      basic(APP.clientId, APP.clientSecret),
    );
    expect(res.status).toBe(200);
    expect(res.body.user.login).toBe('octocat');
    expect(res.body.scopes).toEqual(['repo']);
  });

  it('revokes one token with DELETE /applications/{client_id}/token (then 401 Bad credentials)', async () => {
    const token = await tokenFromFlow();
    const other = await tokenFromFlow();
    const res = await client(sim).delete(
      `/applications/${APP.clientId}/token`,
      { access_token: token },
      { ...basic(APP.clientId, APP.clientSecret), 'content-type': 'application/json' },
    );
    expect(res.status).toBe(204);
    const after = await client(sim, token).get<{ message: string }>('/user');
    expect(after.status).toBe(401);
    expect(after.body.message).toBe('Bad credentials');
    expect((await client(sim, other).get('/user')).status).toBe(200);
  });

  it('revokes the whole grant with DELETE /applications/{client_id}/grant', async () => {
    const a = await tokenFromFlow();
    const b = await tokenFromFlow();
    const res = await client(sim).delete(
      `/applications/${APP.clientId}/grant`,
      { access_token: a },
      { ...basic(APP.clientId, APP.clientSecret), 'content-type': 'application/json' },
    );
    expect(res.status).toBe(204);
    expect((await client(sim, a).get('/user')).status).toBe(401);
    expect((await client(sim, b).get('/user')).status).toBe(401);
  });

  it('requires the app credentials, and the token in the body', async () => {
    const token = await tokenFromFlow();
    expect(
      (await client(sim).delete(`/applications/${APP.clientId}/token`, { access_token: token })).status,
    ).toBe(401);
    expect(
      (
        await client(sim).delete(
          `/applications/${APP.clientId}/token`,
          { access_token: token },
          basic(APP.clientId, 'wrong'),
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await client(sim).delete(
          `/applications/${DEMO_OAUTH_APP.clientId}/token`,
          { access_token: token },
          basic(APP.clientId, APP.clientSecret),
        )
      ).status,
    ).toBe(404);
    const missing = await client(sim).delete(
      `/applications/${APP.clientId}/token`,
      {},
      basic(APP.clientId, APP.clientSecret),
    );
    expect(missing.status).toBe(422);
    expect((await client(sim, token).get('/user')).status).toBe(200);
  });
});
