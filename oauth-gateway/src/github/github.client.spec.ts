import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GatewayEnv } from '../config/gateway-env';
import { GithubClient, GithubError } from './github.client';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A scripted GitHub for answers the simulator never gives (odd but real GitHub behaviours and failures). */
describe(GithubClient.name, () => {
  let server: Server;
  let handler: Handler;
  let sut: GithubClient;
  const seen: Array<{ method: string; url: string; body: string; authorization?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          body,
          authorization: req.headers.authorization,
        });
        handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    sut = new GithubClient({
      SERVICE_DOMAIN: 'https://auth.example.com',
      GITHUB_WEB_URL: url,
      GITHUB_API_URL: `${url}/api/v3`,
      GITHUB_CLIENT_ID: 'app-id',
      GITHUB_CLIENT_SECRET: 'app-secret',
    } as GatewayEnv);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (seen.length = 0));

  const json =
    (status: number, body: unknown): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

  it('exchanges the code with the app credentials, PKCE verifier and callback, normalising the scope list', async () => {
    handler = json(200, { access_token: 'gho_x', token_type: 'bearer', scope: 'repo,read:user,user:email' });
    await expect(sut.exchangeCode('gh-code', 'verifier-123')).resolves.toEqual({
      access_token: 'gho_x',
      token_type: 'bearer',
      scope: 'repo read:user user:email',
    });
    const form = new URLSearchParams(seen[0]?.body);
    expect(seen[0]?.url).toBe('/login/oauth/access_token');
    expect(Object.fromEntries(form)).toEqual({
      client_id: 'app-id',
      client_secret: 'app-secret',
      code: 'gh-code',
      redirect_uri: 'https://auth.example.com/auth/github/callback',
      code_verifier: 'verifier-123',
    });
  });

  it('passes on expires_in of expiring (GitHub App) tokens but never the refresh token', async () => {
    handler = json(200, {
      access_token: 'ghu_x',
      token_type: 'bearer',
      scope: '',
      expires_in: 28800,
      refresh_token: 'ghr_x',
      refresh_token_expires_in: 15897600,
    });
    const token = await sut.exchangeCode('c', 'v');
    expect(token).toEqual({ access_token: 'ghu_x', token_type: 'bearer', scope: '', expires_in: 28800 });
  });

  it('treats GitHub’s 200-with-error answer as a refusal', async () => {
    handler = json(200, {
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
    });
    await expect(sut.exchangeCode('c', 'v')).rejects.toMatchObject({
      kind: 'rejected',
      message: 'token exchange refused: bad_verification_code',
    });
  });

  it('reports 5xx and unreachable GitHub as unavailable', async () => {
    handler = json(502, { message: 'bad gateway' });
    await expect(sut.exchangeCode('c', 'v')).rejects.toMatchObject({ kind: 'unavailable' });
    handler = (_req, res) => res.destroy();
    await expect(sut.exchangeCode('c', 'v')).rejects.toBeInstanceOf(GithubError);
  });

  it('reads the numeric id and the primary verified email, with the token as a bearer', async () => {
    handler = (req, res, body) =>
      req.url === '/api/v3/user'
        ? json(200, {
            id: 42,
            login: 'mona',
            name: '',
            email: 'public@example.com',
            avatar_url: 'https://a/42',
          })(req, res, body)
        : json(200, [
            { email: 'unverified@example.com', primary: true, verified: false },
            { email: 'secondary@example.com', primary: false, verified: true },
          ])(req, res, body);
    const identity = await sut.fetchIdentity('gho_token');
    expect(identity).toEqual({
      github_host: new URL(sutWebUrl()).host,
      github_id: 42,
      login: 'mona',
      name: null,
      email: 'public@example.com',
      email_verified: false,
      avatar_url: 'https://a/42',
    });
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer gho_token', 'Bearer gho_token']);
  });

  it('refuses a /user answer without a numeric id', async () => {
    handler = json(200, { id: '42', login: 'mona' });
    await expect(sut.fetchIdentity('t')).rejects.toMatchObject({ kind: 'rejected' });
  });

  it.each([
    ['204 (member)', 204, true],
    ['302 (asker not a member)', 302, false],
    ['404 (not a member)', 404, false],
    ['200 (unexpected)', 200, false],
    ['403 (OAuth app access restricted)', 403, false],
  ])('counts only 204 as org membership: %s', async (_label, status, member) => {
    handler = (_req, res) => {
      res.writeHead(status, status === 302 ? { location: '/orgs/acme/public_members/mona' } : {});
      res.end();
    };
    await expect(sut.isOrgMember('t', 'acme', 'mona')).resolves.toBe(member);
  });

  it.each([
    ['active', { state: 'active', role: 'member' }, true],
    ['pending', { state: 'pending', role: 'member' }, false],
    ['empty', {}, false],
    ['not JSON', 'oops', false],
  ])('counts only an active team membership: %s', async (_label, body, member) => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    await expect(sut.isActiveTeamMember('t', 'acme', 'core', 'mona')).resolves.toBe(member);
  });

  it('revokes a grant with the app credentials and the token in the body', async () => {
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    await expect(sut.revokeGrant('gho_revoke_me')).resolves.toBe('revoked');
    expect(seen[0]).toMatchObject({
      method: 'DELETE',
      url: '/api/v3/applications/app-id/grant',
      body: JSON.stringify({ access_token: 'gho_revoke_me' }),
    });
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from('app-id:app-secret').toString('base64')}`);
    handler = json(404, { message: 'Not Found' });
    await expect(sut.revokeGrant('gone')).resolves.toBe('gone');
    handler = json(500, {});
    await expect(sut.revokeGrant('x')).rejects.toMatchObject({ kind: 'unavailable' });
  });

  function sutWebUrl(): string {
    return sut.urls.githubWebUrl;
  }
});
