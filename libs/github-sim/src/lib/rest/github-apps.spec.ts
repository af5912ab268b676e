import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import webhookDefinitions from '@octokit/webhooks-examples';
import { verify } from '@octokit/webhooks-methods';
import { request } from '@octokit/request';
import { Octokit } from '@octokit/rest';
import { importPKCS8, SignJWT } from 'jose';
import { client, control, graphql, webhookReceiver } from '../../spec/helpers';
import { DEMO_GITHUB_APP } from '../demo-github-app.constant';
import { JWT_MESSAGES } from '../http/app-auth';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const WEBHOOK_SECRET = 'app-webhook-secret';

type Example = Record<string, unknown>;
function exampleKeys(event: string, action: string): string[] {
  const def = (webhookDefinitions as unknown as Array<{ name: string; examples: Example[] }>).find(
    (d) => d.name === event,
  );
  const examples = (def?.examples ?? []).filter((e) => e['action'] === action);
  if (!examples.length) throw new Error(`no example for ${event}.${action}`);
  const [first] = examples as [Example];
  return Object.keys(first).filter((k) => examples.every((e) => k in e) && k !== 'enterprise');
}

describe('GitHub Apps', () => {
  let sim: GithubSimHandle;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let appId: number;
  let clientId: string;
  let clientSecret: string;
  let privateKey: string;
  let installationId: number;
  /** acme-corp's repositories: one private (to show 404s outside an installation) and the rest. */
  let privateOrgRepo: string;
  let privateUserRepo: string;

  const appAuth = () =>
    createAppAuth({ appId, privateKey, log: quiet, request: request.defaults({ baseUrl: sim.apiUrl }) });
  const jwtFor = async (claims: Record<string, unknown>, key = privateKey) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .sign(
        await importPKCS8(createPrivateKey(key).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'),
      );
  const now = () => Math.floor(Date.now() / 1000);
  const withBearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });
  const installationToken = async (body: Record<string, unknown> = {}) => {
    const { token } = await appAuth()({ type: 'app' });
    return client(sim).post<{ token: string; expires_at: string; message?: string }>(
      `/app/installations/${installationId}/access_tokens`,
      body,
      withBearer(token),
    );
  };
  const deliveries = (event: string) =>
    receiver.received
      .filter((d) => d.headers['x-github-event'] === event)
      .map((d) => ({ ...d, payload: JSON.parse(d.body) as Example }));

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', sizes: { commitsPerRepo: 20 } });
    receiver = await webhookReceiver();
    const reg = sim.world.registerGithubApp({
      slug: 'tk-test',
      name: 'Trackeep test',
      owner: 'octocat',
      webhookUrl: receiver.url,
      webhookSecret: WEBHOOK_SECRET,
      expireUserTokens: true,
    });
    appId = reg.app.id;
    clientId = reg.app.clientId;
    clientSecret = reg.app.clientSecret;
    privateKey = reg.privateKeyPem as string;
    const inst = await sim.world.installApp({ app: 'tk-test', account: 'acme-corp' });
    installationId = inst.id;
    const orgRepos = [...sim.world.repos.values()].filter(
      (r) => sim.world.ownerLogin(r) === 'acme-corp' && !r.fork,
    );
    const priv = orgRepos.find((r) => r.private) ?? orgRepos[0];
    if (!priv) throw new Error('acme-corp has no repositories');
    if (!priv.private) await sim.world.setVisibility({ owner: 'acme-corp', repo: priv.name, private: true });
    privateOrgRepo = `acme-corp/${priv.name}`;
    const mine = [...sim.world.repos.values()].find((r) => sim.world.ownerLogin(r) === 'octocat' && !r.fork);
    if (!mine) throw new Error('octocat has no repositories');
    if (!mine.private) await sim.world.setVisibility({ owner: 'octocat', repo: mine.name, private: true });
    privateUserRepo = `octocat/${mine.name}`;
    await sim.world.settled();
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  describe('the App JWT', () => {
    it('authenticates GET /app with the JWT @octokit/auth-app makes (iss = app id)', async () => {
      const octokit = new Octokit({
        authStrategy: createAppAuth,
        auth: { appId, privateKey },
        baseUrl: sim.apiUrl,
        log: quiet,
      });
      const { data } = await octokit.rest.apps.getAuthenticated();
      expect(data).toMatchObject({ id: appId, slug: 'tk-test', client_id: clientId });
    });

    it('accepts the client id as issuer and an iat up to 60 s ahead (clock drift)', async () => {
      const jwt = await jwtFor({ iss: clientId, iat: now() + 30, exp: now() + 500 });
      expect((await client(sim).get('/app', withBearer(jwt))).status).toBe(200);
    });

    it.each([
      ['an expired JWT', { iat: -700, exp: -100 }, JWT_MESSAGES.expInvalid],
      ['a JWT without exp', { iat: -30 }, JWT_MESSAGES.expInvalid],
      ['a JWT valid for more than 10 minutes', { iat: -30, exp: 700 }, JWT_MESSAGES.expTooFar],
      ['an iat two minutes in the future', { iat: 120, exp: 500 }, JWT_MESSAGES.iatInvalid],
      ['a JWT without iat', { exp: 500 }, JWT_MESSAGES.iatInvalid],
    ])('refuses %s with GitHub 401 message', async (_what, offsets, message) => {
      const claims: Record<string, unknown> = { iss: appId };
      for (const [k, v] of Object.entries(offsets)) claims[k] = now() + v;
      const res = await client(sim).get<{ message: string }>('/app', withBearer(await jwtFor(claims)));
      expect([res.status, res.body.message]).toEqual([401, message]);
    });

    it('refuses a JWT signed with another key, an unknown issuer or garbage as undecodable', async () => {
      const other = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey;
      const claims = { iss: appId, iat: now() - 30, exp: now() + 500 };
      for (const jwt of [
        await jwtFor(claims, other),
        await jwtFor({ ...claims, iss: 424242 }),
        'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln',
      ]) {
        const res = await client(sim).get<{ message: string }>('/app', withBearer(jwt));
        expect([res.status, res.body.message]).toEqual([401, JWT_MESSAGES.undecodable]);
      }
    });

    it('is only for App endpoints (and public lookups): /user answers 403, and /app refuses a non-JWT credential', async () => {
      const { token } = await appAuth()({ type: 'app' });
      const user = await client(sim).get<{ message: string }>('/user', withBearer(token));
      expect([user.status, user.body.message]).toEqual([403, 'Resource not accessible by integration']);
      expect((await client(sim).get('/rate_limit', withBearer(token))).status).toBe(200);
      expect((await client(sim).get('/apps/tk-test', withBearer(token))).status).toBe(200);
      const app = await client(sim, sim.issueToken('octocat')).get<{ message: string }>('/app');
      expect([app.status, app.body.message]).toEqual([401, JWT_MESSAGES.undecodable]);
    });

    it('lists and gets the App installations', async () => {
      const { token } = await appAuth()({ type: 'app' });
      const list = await client(sim).get<Array<{ id: number; account: { login: string } }>>(
        '/app/installations',
        withBearer(token),
      );
      expect(list.body.map((i) => [i.id, i.account.login])).toEqual([[installationId, 'acme-corp']]);
      const one = await client(sim).get(`/app/installations/${installationId}`, withBearer(token));
      expect(one.status).toBe(200);
      expect((await client(sim).get('/app/installations/1', withBearer(token))).status).toBe(404);
      const org = await client(sim).get<{ id: number }>('/orgs/acme-corp/installation', withBearer(token));
      expect(org.body.id).toBe(installationId);
      const repo = await client(sim).get<{ id: number }>(
        `/repos/${privateOrgRepo}/installation`,
        withBearer(token),
      );
      expect(repo.body.id).toBe(installationId);
      expect((await client(sim).get('/users/hubot/installation', withBearer(token))).status).toBe(404);
    });
  });

  describe('installation tokens', () => {
    it('@octokit/auth-app gets a one-hour ghs_ token that reads the installation repositories (REST and GraphQL)', async () => {
      const auth = await appAuth()({ type: 'installation', installationId });
      expect(auth.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
      const ttl = Date.parse(auth.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(3590_000);
      expect(ttl).toBeLessThanOrEqual(3600_000);
      const octokit = new Octokit({
        authStrategy: createAppAuth,
        auth: { appId, privateKey, installationId },
        baseUrl: sim.apiUrl,
        log: quiet,
      });
      const [owner, repo] = privateOrgRepo.split('/') as [string, string];
      expect((await octokit.rest.repos.get({ owner, repo })).data.full_name).toBe(privateOrgRepo);
      const commits = await octokit.rest.repos.listCommits({ owner, repo, per_page: 2 });
      expect(commits.data).toHaveLength(2);
      const listed = await octokit.rest.apps.listReposAccessibleToInstallation();
      expect(listed.data.repositories.map((r) => r.full_name)).toContain(privateOrgRepo);
      expect(listed.data.repository_selection).toBe('all');
      const q = await graphql<{ repository: { nameWithOwner: string } }>(
        sim,
        auth.token,
        `
          query ($o: String!, $n: String!) {
            repository(owner: $o, name: $n) {
              nameWithOwner
            }
          }
        `,
        { o: owner, n: repo },
      );
      expect(q.data?.repository.nameWithOwner).toBe(privateOrgRepo);
    });

    it('answers 404 for a private repository outside the installation (REST and GraphQL)', async () => {
      const { body } = await installationToken();
      const res = await client(sim, body.token).get(`/repos/${privateUserRepo}`);
      expect(res.status).toBe(404);
      const [o, n] = privateUserRepo.split('/');
      const q = await graphql(sim, body.token, `{ repository(owner: "${o}", name: "${n}") { id } }`);
      expect(q.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
      const user = await client(sim, body.token).get<{ message: string }>('/user');
      expect([user.status, user.body.message]).toEqual([403, 'Resource not accessible by integration']);
    });

    it('narrows a token to some repositories and permissions', async () => {
      const others = sim.world
        .installationRepos(sim.world.requireInstallation(installationId))
        .filter((r) => sim.world.fullName(r) !== privateOrgRepo);
      const target = sim.world.repo('acme-corp', privateOrgRepo.split('/')[1] as string);
      const issued = () => sim.stats().apps.installationTokensByInstallation[String(installationId)] ?? 0;
      const before = issued();
      const narrowed = await installationToken({
        repository_ids: [target?.id],
        permissions: { contents: 'read' },
      });
      expect(issued()).toBe(before + 1);
      expect(narrowed.status).toBe(201);
      expect(narrowed.body).toMatchObject({
        permissions: { contents: 'read', metadata: 'read' },
        repository_selection: 'selected',
      });
      const api = client(sim, narrowed.body.token);
      const listed = await api.get<{ total_count: number }>('/installation/repositories');
      expect(listed.body.total_count).toBe(1);
      expect((await api.get(`/repos/${privateOrgRepo}/commits?per_page=1`)).status).toBe(200);
      const pulls = await api.get<{ message: string }>(`/repos/${privateOrgRepo}/pulls`);
      expect([pulls.status, pulls.body.message]).toEqual([403, 'Resource not accessible by integration']);
      const hidden = others.find((r) => r.private);
      if (hidden) expect((await api.get(`/repos/${sim.world.fullName(hidden)}`)).status).toBe(404);
    });

    it('answers 422 for a permission the installation lacks or a repository outside it', async () => {
      const perm = await installationToken({ permissions: { contents: 'write' } });
      expect([perm.status, perm.body.message]).toEqual([
        422,
        'The permissions requested are not granted to this installation.',
      ]);
      const outside = sim.world.repo('octocat', privateUserRepo.split('/')[1] as string);
      const repo = await installationToken({ repository_ids: [outside?.id] });
      expect(repo.status).toBe(422);
      expect(repo.body.message).toMatch(/not accessible to the parent installation/);
    });

    it('has its own budget (5,000 + 50 per repository above 20) in x-ratelimit-* and /rate_limit', async () => {
      const { body } = await installationToken();
      const api = client(sim, body.token);
      const first = await api.get(`/repos/${privateOrgRepo}`);
      expect(first.headers.get('x-ratelimit-limit')).toBe('5000');
      const used = Number(first.headers.get('x-ratelimit-used'));
      const octocat = client(sim, sim.issueToken('octocat'));
      const userUsed = async () =>
        (await octocat.get<{ resources: { core: { used: number } } }>('/rate_limit')).body.resources.core
          .used;
      const before = await userUsed();
      await api.get(`/repos/${privateOrgRepo}`);
      expect(await userUsed()).toBe(before);
      const have = sim.world.installationRepos(sim.world.requireInstallation(installationId)).length;
      for (let i = have; i < 22; i++) await sim.world.createRepo({ owner: 'acme-corp', name: `bulk-${i}` });
      const after = await api.get(`/repos/${privateOrgRepo}`);
      expect(after.headers.get('x-ratelimit-limit')).toBe(String(5000 + 50 * 22));
      const rl = await api.get<{ resources: { core: { limit: number; used: number } } }>('/rate_limit');
      expect(rl.body.resources.core).toMatchObject({ limit: 6100, used: used + 2 });
    });
  });

  describe('installation webhooks and lifecycle', () => {
    it('sends installation.created, signed with the App secret and shaped like GitHub examples', async () => {
      const [created] = deliveries('installation');
      expect(created?.payload['action']).toBe('created');
      expect(created?.headers['x-github-hook-installation-target-type']).toBe('integration');
      expect(created?.headers['x-github-hook-installation-target-id']).toBe(String(appId));
      const sig = String(created?.headers['x-hub-signature-256']);
      await expect(verify(WEBHOOK_SECRET, created?.body ?? '', sig)).resolves.toBe(true);
      const keys = exampleKeys('installation', 'created').filter((k) => k !== 'requester');
      expect(keys.filter((k) => !(k in (created?.payload ?? {})))).toEqual([]);
      expect((created?.payload['repositories'] as unknown[]).length).toBeGreaterThan(0);
    });

    it('keeps the App delivery log and redelivers with the same X-GitHub-Delivery', async () => {
      const { token } = await appAuth()({ type: 'app' });
      const list = await client(sim).get<Array<{ id: number; guid: string; event: string }>>(
        '/app/hook/deliveries',
        withBearer(token),
      );
      const created = list.body.find((d) => d.event === 'installation');
      expect(created).toBeDefined();
      const one = await client(sim).get<{ request: { payload: { action: string } } }>(
        `/app/hook/deliveries/${created?.id}`,
        withBearer(token),
      );
      expect(one.body.request.payload.action).toBe('created');
      receiver.received.length = 0;
      const again = await client(sim).post(
        `/app/hook/deliveries/${created?.id}/attempts`,
        {},
        withBearer(token),
      );
      expect(again.status).toBe(202);
      await sim.world.settled();
      expect(receiver.received.map((d) => d.headers['x-github-delivery'])).toEqual([created?.guid]);
    });

    it('pages the App delivery log by cursor as GitHub does, and refuses to redeliver what is older than 3 days', async () => {
      for (let i = 0; i < 3; i++) await sim.world.createRepo({ owner: 'acme-corp', name: `app-log-${i}` });
      await sim.world.settled();
      const { token } = await appAuth()({ type: 'app' });
      type Item = { id: number; guid: string };
      const all = (await client(sim).get<Item[]>('/app/hook/deliveries?per_page=100', withBearer(token)))
        .body;
      expect(all.length).toBeGreaterThan(2);
      const seen: Item[] = [];
      let url: string | null = '/app/hook/deliveries?per_page=2';
      while (url) {
        const page: Awaited<ReturnType<ReturnType<typeof client>['get']>> = await client(sim).get<Item[]>(
          url,
          withBearer(token),
        );
        seen.push(...(page.body as Item[]));
        const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
        expect(next ?? '?cursor=v1_0 (last page)').toMatch(/[?&]cursor=v1_\d+/);
        url = next ? next.slice(next.indexOf('/app/')) : null;
      }
      expect(seen.map((d) => d.id)).toEqual(all.map((d) => d.id));
      expect(seen.map((d) => d.id)).toEqual([...seen.map((d) => d.id)].sort((a, b) => b - a));

      const oldest = all[all.length - 1]!;
      const record = sim.world.deliveries.find((d) => d.id === oldest.id)!;
      const deliveredAt = record.deliveredAt;
      record.deliveredAt = Date.now() - 3 * 24 * 3600_000 - 60_000;
      try {
        const refused = await client(sim).post<{ message: string; errors: unknown[] }>(
          `/app/hook/deliveries/${oldest.id}/attempts`,
          {},
          withBearer(token),
        );
        expect(refused.status).toBe(422);
        expect(refused.body).toMatchObject({ message: 'Validation Failed', errors: [expect.anything()] });
      } finally {
        record.deliveredAt = deliveredAt;
      }
    });

    it('a repository created in an all-repositories organization reaches the App as repository.created with installation', async () => {
      receiver.received.length = 0;
      await sim.world.createRepo({ owner: 'acme-corp', name: 'brand-new', private: true });
      await sim.world.settled();
      const created = deliveries('repository').find((d) => d.payload['action'] === 'created');
      expect(created?.payload['installation']).toEqual({ id: installationId, node_id: expect.any(String) });
      expect(deliveries('installation_repositories')).toEqual([]);
      const { body } = await installationToken();
      expect((await client(sim, body.token).get('/repos/acme-corp/brand-new')).status).toBe(200);
    });

    it('every repository event an installed App hears carries installation', async () => {
      receiver.received.length = 0;
      await sim.world.pushCommits({ owner: 'acme-corp', repo: 'brand-new', commits: 1 });
      const [push] = deliveries('push');
      expect(push?.payload['installation']).toEqual({ id: installationId, node_id: expect.any(String) });
    });

    it('removing a repository sends installation_repositories.removed and the token loses it (404)', async () => {
      const { body } = await installationToken();
      receiver.received.length = 0;
      await control(sim).delete(`/installations/${installationId}/repositories`, {
        repositories: ['brand-new'],
      });
      const [removed] = deliveries('installation_repositories');
      expect(removed?.payload).toMatchObject({ action: 'removed', repository_selection: 'selected' });
      expect((removed?.payload['repositories_removed'] as Array<{ full_name: string }>)[0]?.full_name).toBe(
        'acme-corp/brand-new',
      );
      const keys = exampleKeys('installation_repositories', 'removed');
      expect(keys.filter((k) => !(k in (removed?.payload ?? {})))).toEqual([]);
      expect((await client(sim, body.token).get('/repos/acme-corp/brand-new')).status).toBe(404);
      await control(sim).post(`/installations/${installationId}/repositories`, {
        repositories: ['brand-new'],
      });
      const [added] = deliveries('installation_repositories').filter((d) => d.payload['action'] === 'added');
      expect(added?.payload['repositories_added']).toHaveLength(1);
      expect((await client(sim, body.token).get('/repos/acme-corp/brand-new')).status).toBe(200);
    });

    it('a suspended installation refuses new tokens and existing ones with GitHub 403, until unsuspended', async () => {
      const { body } = await installationToken();
      receiver.received.length = 0;
      await control(sim).post(`/installations/${installationId}/suspend`);
      const [suspend] = deliveries('installation');
      expect(suspend?.payload['action']).toBe('suspend');
      expect(
        (suspend?.payload['installation'] as { suspended_at: string | null }).suspended_at,
      ).not.toBeNull();
      const fresh = await installationToken();
      expect([fresh.status, fresh.body.message]).toEqual([403, 'This installation has been suspended']);
      const old = await client(sim, body.token).get<{ message: string }>(`/repos/${privateOrgRepo}`);
      expect([old.status, old.body.message]).toEqual([403, 'This installation has been suspended']);
      await control(sim).post(`/installations/${installationId}/unsuspend`);
      expect(deliveries('installation').map((d) => d.payload['action'])).toEqual(['suspend', 'unsuspend']);
      expect((await client(sim, body.token).get(`/repos/${privateOrgRepo}`)).status).toBe(200);
    });

    it('organization membership changes reach the App as organization member_added / member_removed', async () => {
      sim.world.addUser({ login: 'joiner' });
      receiver.received.length = 0;
      await control(sim).put('/orgs/acme-corp/members/joiner', { role: 'member' });
      await control(sim).delete('/orgs/acme-corp/members/joiner');
      const events = deliveries('organization');
      expect(events.map((d) => d.payload['action'])).toEqual(['member_added', 'member_removed']);
      expect(events[0]?.payload).toMatchObject({
        membership: { role: 'member', user: { login: 'joiner' } },
        organization: { login: 'acme-corp' },
        installation: { id: installationId },
      });
    });

    it('an expired installation token answers 401 Bad credentials', async () => {
      const { body } = await installationToken();
      await control(sim).post('/tokens/expire', { token: body.token });
      const res = await client(sim, body.token).get<{ message: string }>(`/repos/${privateOrgRepo}`);
      expect([res.status, res.body.message]).toEqual([401, 'Bad credentials']);
    });
  });

  describe('user-to-server tokens', () => {
    const signIn = async (login: string) => {
      const url = new URL(`${sim.url}/login/oauth/authorize`);
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('redirect_uri', 'http://127.0.0.1:9/cb');
      const page = await fetch(url, { redirect: 'manual' });
      const requestId = /name="request_id" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const decided = await fetch(`${sim.url}/login/oauth/authorize`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ request_id: requestId, login }),
      });
      const code = new URL(decided.headers.get('location') ?? '').searchParams.get('code') ?? '';
      return exchange({ code });
    };
    const exchange = async (params: Record<string, string>) => {
      const res = await fetch(`${sim.url}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...params }),
      });
      return (await res.json()) as Record<string, string | number>;
    };

    it('expire after 8 hours with a single-use 6-month ghr_ refresh token', async () => {
      const first = await signIn('octocat');
      expect(first).toMatchObject({
        access_token: expect.stringMatching(/^ghu_/),
        expires_in: 28800,
        refresh_token: expect.stringMatching(/^ghr_/),
        refresh_token_expires_in: 15897600,
        scope: '',
        token_type: 'bearer',
      });
      const refreshed = await exchange({
        grant_type: 'refresh_token',
        refresh_token: String(first['refresh_token']),
      });
      expect(refreshed['access_token']).toMatch(/^ghu_/);
      expect(refreshed['refresh_token']).not.toBe(first['refresh_token']);
      const reused = await exchange({
        grant_type: 'refresh_token',
        refresh_token: String(first['refresh_token']),
      });
      expect(reused).toMatchObject({
        error: 'bad_refresh_token',
        error_description: 'The refresh token passed is incorrect or expired.',
      });
      expect(sim.stats().apps).toMatchObject({ userTokenRefreshes: 1, refreshErrors: 1 });
      const old = await client(sim, String(first['access_token'])).get('/user');
      expect(old.status).toBe(401);
      const fresh = String(refreshed['access_token']);
      expect((await client(sim, fresh).get('/user')).status).toBe(200);
      await control(sim).post('/tokens/expire', { token: fresh });
      const expired = await client(sim, fresh).get<{ message: string }>('/user');
      expect([expired.status, expired.body.message]).toEqual([401, 'Bad credentials']);
    });

    it('list only the installations and repositories the person can read', async () => {
      const octocat = String((await signIn('octocat'))['access_token']);
      const mine = await client(sim, octocat).get<{
        total_count: number;
        installations: Array<{ id: number }>;
      }>('/user/installations');
      expect(mine.body.installations.map((i) => i.id)).toEqual([installationId]);
      const repos = await client(sim, octocat).get<{ repositories: Array<{ full_name: string }> }>(
        `/user/installations/${installationId}/repositories?per_page=100`,
      );
      expect(repos.body.repositories.map((r) => r.full_name)).toContain(privateOrgRepo);

      const outsider = sim.world.addUser({ login: 'outsider' });
      const theirs = String((await signIn(outsider.login))['access_token']);
      const none = await client(sim, theirs).get<{ total_count: number }>('/user/installations');
      expect(none.body.total_count).toBe(0);
      expect(
        (await client(sim, theirs).get(`/user/installations/${installationId}/repositories`)).status,
      ).toBe(404);
      const [, name] = privateOrgRepo.split('/') as [string, string];
      await sim.world.grantAccess({
        owner: 'acme-corp',
        repo: name,
        login: outsider.login,
        permission: 'pull',
      });
      const one = await client(sim, theirs).get<{ repositories: Array<{ full_name: string }> }>(
        `/user/installations/${installationId}/repositories`,
      );
      expect(one.body.repositories.map((r) => r.full_name)).toEqual([privateOrgRepo]);

      const classic = await client(sim, sim.issueToken('octocat')).get<{ message: string }>(
        '/user/installations',
      );
      expect(classic.status).toBe(403);
    });
  });

  describe('uninstall', () => {
    it('the App can suspend and unsuspend an installation itself', async () => {
      const { token } = await appAuth()({ type: 'app' });
      const put = await client(sim).call(
        'PUT',
        `/app/installations/${installationId}/suspended`,
        undefined,
        withBearer(token),
      );
      expect(put.status).toBe(204);
      expect(sim.world.requireInstallation(installationId).suspendedAt).not.toBeNull();
      const del = await client(sim).call(
        'DELETE',
        `/app/installations/${installationId}/suspended`,
        undefined,
        withBearer(token),
      );
      expect(del.status).toBe(204);
      expect(sim.world.requireInstallation(installationId).suspendedAt).toBeNull();
    });

    it('revokes the tokens (401 Bad credentials), sends installation.deleted, and new tokens are 404', async () => {
      const { body } = await installationToken();
      receiver.received.length = 0;
      await control(sim).delete(`/installations/${installationId}`);
      const [deleted] = deliveries('installation');
      expect(deleted?.payload['action']).toBe('deleted');
      const keys = exampleKeys('installation', 'deleted');
      expect(keys.filter((k) => !(k in (deleted?.payload ?? {})))).toEqual([]);
      const res = await client(sim, body.token).get<{ message: string }>(`/repos/${privateOrgRepo}`);
      expect([res.status, res.body.message]).toEqual([401, 'Bad credentials']);
      expect((await installationToken()).status).toBe(404);
    });
  });

  describe('the install page', () => {
    it('installs on the chosen account and sends the browser to the setup URL with installation_id', async () => {
      await control(sim).patch('/apps/tk-test', { setup_url: 'http://127.0.0.1:9/setup' });
      const page = await fetch(`${sim.url}/apps/tk-test/installations/new?state=s1`, {
        headers: { accept: 'text/html' },
      });
      expect(await page.text()).toContain('data-account="acme-corp"');
      receiver.received.length = 0;
      const res = await fetch(`${sim.url}/apps/tk-test/installations/new`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ account: 'acme-corp', repository_selection: 'all', state: 's1' }),
      });
      expect(res.status).toBe(302);
      const to = new URL(res.headers.get('location') ?? '');
      const inst = [...sim.world.installations.values()].find((i) => i.appId === appId);
      expect([to.pathname, to.searchParams.get('setup_action'), to.searchParams.get('state')]).toEqual([
        '/setup',
        'install',
        's1',
      ]);
      expect(to.searchParams.get('installation_id')).toBe(String(inst?.id));
      expect(deliveries('installation').map((d) => d.payload['action'])).toEqual(['created']);
      const app = await client(sim).get<{ slug: string }>('/apps/tk-test');
      expect(app.body.slug).toBe('tk-test');
    });
  });

  describe('the demo App', () => {
    it('is installed on the demo organization with all repositories and works with the exported key', async () => {
      const demo = await startGithubSim({ preset: 'demo', sizes: { commitsPerRepo: 5, pullsPerRepo: 2 } });
      try {
        const auth = createAppAuth({
          appId: DEMO_GITHUB_APP.id,
          privateKey: DEMO_GITHUB_APP.privateKey,
          log: quiet,
        });
        const { token } = await auth({ type: 'app' });
        const list = await client(demo).get<
          Array<{ id: number; account: { login: string }; repository_selection: string }>
        >('/app/installations', withBearer(token));
        expect(list.body.map((i) => [i.account.login, i.repository_selection])).toEqual([
          [DEMO_GITHUB_APP.demoOrganization, 'all'],
        ]);
        const receiver2 = await webhookReceiver();
        try {
          const patched = await client(demo).patch('/app/hook/config', { url: receiver2.url });
          expect(patched.status).toBe(401);
          const set = await client(demo).call(
            'PATCH',
            '/app/hook/config',
            { url: receiver2.url },
            withBearer(token),
          );
          expect(set.status).toBe(200);
          await demo.world.createRepo({ owner: DEMO_GITHUB_APP.demoOrganization, name: 'demo-new' });
          await demo.world.settled();
          const hit = receiver2.received.find((d) => d.headers['x-github-event'] === 'repository');
          await expect(
            verify(
              DEMO_GITHUB_APP.webhookSecret,
              hit?.body ?? '',
              String(hit?.headers['x-hub-signature-256']),
            ),
          ).resolves.toBe(true);
        } finally {
          await receiver2.close();
        }
      } finally {
        await demo.stop();
      }
    });
  });
});
