import type { components } from '@octokit/openapi-types';
import { client, missingKeys, requiredKeys } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

type S = components['schemas'];

/**
 * Every REST body Trackeep reads must carry all the keys GitHub's OpenAPI description marks as required.
 * The required keys are read from the installed @octokit/openapi-types at test time, so updating that package
 * re-checks the simulator against GitHub's current description (the serializers are typed by it too).
 */
describe('REST responses against @octokit/openapi-types', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;
  let hookId: number;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small' });
    const token = sim.issueToken('octocat', ['repo', 'read:org', 'user', 'admin:repo_hook']);
    api = client(sim, token);
    const hook = await api.post<S['hook']>('/repos/octocat/Hello-World/hooks', { config: { url: 'http://127.0.0.1:9/unreachable', content_type: 'json' }, events: ['push'] });
    hookId = hook.body.id;
    await api.post(`/repos/octocat/Hello-World/hooks/${hookId}/pings`);
  });
  afterAll(() => sim.stop());

  const cases: Array<[string, string, (body: unknown) => unknown]> = [
    ['private-user', '/user', (b) => b],
    ['email', '/user/emails', (b) => (b as unknown[])[0]],
    ['organization-simple', '/user/orgs', (b) => (b as unknown[])[0]],
    ['repository', '/user/repos', (b) => (b as unknown[])[0]],
    ['simple-user', '/user/repos', (b) => (b as S['repository'][])[0].owner],
    ['full-repository', '/repos/octocat/Hello-World', (b) => b],
    ['nullable-license-simple', '/repos/octocat/Hello-World', (b) => (b as S['full-repository']).license ?? { key: '', name: '', url: null, spdx_id: null, node_id: '' }],
    ['minimal-repository', '/orgs/acme-corp/repos', (b) => (b as unknown[])[0]],
    ['commit', '/repos/octocat/Hello-World/commits?per_page=3', (b) => (b as unknown[])[0]],
    ['commit', '/repos/octocat/Hello-World/commits/main', (b) => b],
    ['diff-entry', '/repos/octocat/Hello-World/commits/main', (b) => (b as S['commit']).files?.[0]],
    ['verification', '/repos/octocat/Hello-World/commits/main', (b) => (b as S['commit']).commit.verification],
    ['pull-request-simple', '/repos/octocat/Hello-World/pulls?state=all', (b) => (b as unknown[])[0]],
    ['pull-request', '/repos/octocat/Hello-World/pulls/1', (b) => b],
    ['short-branch', '/repos/octocat/Hello-World/branches', (b) => (b as unknown[])[0]],
    ['branch-with-protection', '/repos/octocat/Hello-World/branches/main', (b) => b],
    ['event', '/repos/octocat/Hello-World/events', (b) => (b as unknown[])[0]],
    ['actor', '/repos/octocat/Hello-World/events', (b) => (b as S['event'][])[0].actor],
    ['issue', '/repos/octocat/Hello-World/issues?state=all', (b) => (b as unknown[])[0]],
    ['label', '/repos/octocat/Hello-World/pulls/1', (b) => (b as S['pull-request']).labels[0] ?? { id: 0, node_id: '', url: '', name: '', description: null, color: '', default: false }],
    ['team-membership', '/orgs/acme-corp/teams/core/memberships/octocat', (b) => b],
    ['team', '/orgs/acme-corp/teams', (b) => (b as unknown[])[0]],
    ['org-membership', '/user/memberships/orgs/acme-corp', (b) => b],
    ['rate-limit-overview', '/rate_limit', (b) => b],
    ['rate-limit', '/rate_limit', (b) => (b as S['rate-limit-overview']).resources.core],
    ['hook', '/repos/octocat/Hello-World/hooks', (b) => (b as unknown[])[0]],
    ['stargazer', '/repos/octocat/Hello-World/stargazers', (b) => (b as unknown[])[0]],
  ];

  it.each(cases)('%s from GET %s has every required key', async (schema, path, pick) => {
    const headers: Record<string, string> = path.endsWith('stargazers') ? { accept: 'application/vnd.github.star+json' } : {};
    const res = await api.get(path, headers);
    expect(res.status).toBe(200);
    const obj = pick(res.body);
    expect(obj).toBeDefined();
    expect(missingKeys(obj, requiredKeys(schema))).toEqual([]);
  });

  it('pull request reviews have every required key', async () => {
    const pulls = (await api.get<S['pull-request-simple'][]>('/repos/octocat/Hello-World/pulls?state=all&per_page=100')).body;
    let checked = 0;
    for (const p of pulls) {
      const reviews = (await api.get<S['pull-request-review'][]>(`/repos/octocat/Hello-World/pulls/${p.number}/reviews`)).body;
      for (const r of reviews) {
        expect(missingKeys(r, requiredKeys('pull-request-review'))).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('hook deliveries have every required key', async () => {
    const list = await api.get<S['hook-delivery-item'][]>(`/repos/octocat/Hello-World/hooks/${hookId}/deliveries`);
    expect(list.body.length).toBeGreaterThan(0);
    expect(missingKeys(list.body[0], requiredKeys('hook-delivery-item'))).toEqual([]);
    const one = await api.get(`/repos/octocat/Hello-World/hooks/${hookId}/deliveries/${list.body[0].id}`);
    expect(missingKeys(one.body, requiredKeys('hook-delivery'))).toEqual([]);
  });

  it('reads required keys from the OpenAPI types (the check itself can fail)', () => {
    expect(requiredKeys('simple-user')).toEqual(expect.arrayContaining(['login', 'id', 'node_id', 'avatar_url', 'type', 'site_admin']));
    expect(requiredKeys('simple-user')).not.toContain('email');
    expect(missingKeys({ login: 'x' }, requiredKeys('simple-user'))).toContain('node_id');
  });
});
