import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGithubOctokit } from './github-octokit';

// Big GraphQL pages are parsed with JSON.parse, not Octokit's bigint-safe parser (several times slower). The
// two tell apart on an integer beyond 2^53: JSON.parse makes it a number, Octokit's parser a bigint.
describe('GitHub client', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(
        req.url?.startsWith('/graphql')
          ? '{"data":{"big":12345678901234567890}}'
          : '{"big":12345678901234567890}',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const mode of ['interactive', 'background', 'paced'] as const) {
    it(`parses GraphQL answers natively, and REST ones with Octokit's parser (${mode})`, async () => {
      const octokit = createGithubOctokit({
        credential: { kind: 'user', userId: 'u1', token: 'gho_test' },
        baseUrl,
        timeoutMs: 5_000,
        mode,
      });
      const gql = await octokit.request(`POST ${baseUrl}/graphql`, {
        data: JSON.stringify({ query: '{ viewer { login } }' }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(typeof (gql.data as { data: { big: unknown } }).data.big).toBe('number');
      const rest = await octokit.request('GET /big-number');
      expect(typeof (rest.data as { big: unknown }).big).toBe('bigint');
    });
  }
});
