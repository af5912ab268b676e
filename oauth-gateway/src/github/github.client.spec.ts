import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GatewayEnv } from '../config/gateway-env';
import { GithubClient } from './github.client';

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

  it('finds the primary verified email, with the token as a bearer', async () => {
    handler = json(200, [
      { email: 'secondary@example.com', primary: false, verified: true },
      { email: 'mona@example.com', primary: true, verified: true },
    ]);
    await expect(sut.primaryVerifiedEmail('gho_token')).resolves.toBe('mona@example.com');
    expect(seen[0]).toMatchObject({ url: '/api/v3/user/emails', authorization: 'Bearer gho_token' });
  });

  it.each([
    ['an unverified primary', json(200, [{ email: 'm@example.com', primary: true, verified: false }])],
    ['a 404 (no user:email scope)', json(404, { message: 'Not Found' })],
    ['a 5xx', json(502, { message: 'bad gateway' })],
    ['an answer that is not a list', json(200, { email: 'm@example.com' })],
    ['a dropped connection', ((_req, res) => res.destroy()) as Handler],
  ])('answers no verified email for %s', async (_label, answer) => {
    handler = answer;
    await expect(sut.primaryVerifiedEmail('t')).resolves.toBeNull();
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

  describe('refreshUserToken', () => {
    it('sends the refresh grant with the app credentials to the web token URL and reads the rotated token', async () => {
      handler = json(200, {
        access_token: 'ghu_new',
        expires_in: 28800,
        refresh_token: 'ghr_new',
        refresh_token_expires_in: 15897600,
        scope: '',
        token_type: 'bearer',
      });
      await expect(sut.refreshUserToken('ghr_old')).resolves.toEqual({
        access_token: 'ghu_new',
        token_type: 'bearer',
        scope: '',
        expires_in: 28800,
        refresh_token: 'ghr_new',
        refresh_token_expires_in: 15897600,
      });
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/login/oauth/access_token' });
      expect(Object.fromEntries(new URLSearchParams(seen[0]?.body))).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'ghr_old',
        client_id: 'app-id',
        client_secret: 'app-secret',
      });
    });

    it('reads a form-encoded answer too', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' });
        res.end(
          'access_token=ghu_f&expires_in=28800&refresh_token=ghr_f&refresh_token_expires_in=100&scope=&token_type=bearer',
        );
      };
      await expect(sut.refreshUserToken('ghr_old')).resolves.toMatchObject({
        access_token: 'ghu_f',
        refresh_token: 'ghr_f',
        refresh_token_expires_in: 100,
      });
    });

    it('reports GitHub’s 200-with-error as a refusal naming GitHub’s code, without the token', async () => {
      handler = json(200, {
        error: 'bad_refresh_token',
        error_description: 'The refresh token passed is incorrect or expired.',
      });
      const err = await sut.refreshUserToken('ghr_secret_value').catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'rejected', githubCode: 'bad_refresh_token' });
      expect(String((err as Error).message)).not.toContain('ghr_secret_value');
    });

    it.each([
      ['a 5xx', json(503, { message: 'unavailable' })],
      ['a dropped connection', ((_req, res) => res.destroy()) as Handler],
      ['a 200 without a token', json(200, { scope: '' })],
      ['an HTML error page', ((_req, res) => res.end('<html>oops</html>')) as Handler],
    ])('reports %s as GitHub unavailable', async (_label, answer) => {
      handler = answer;
      await expect(sut.refreshUserToken('ghr_x')).rejects.toMatchObject({ kind: 'unavailable' });
    });
  });
});
