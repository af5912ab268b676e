import { graphql as octokitGraphql } from '@octokit/graphql';
import { Octokit } from '@octokit/rest';
import { startGithubSim } from './server';
import type { GithubSimHandle } from './sim.types';

/** The official clients, pointed at the simulator through baseUrl only, work unchanged (github.com and GHES style). */
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe('official Octokit clients against the simulator', () => {
  let sim: GithubSimHandle;
  let token: string;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', sizes: { commitsPerRepo: 120 } });
    token = sim.issueToken('octocat');
  });
  afterAll(() => sim.stop());

  it.each([
    ['github.com style', () => sim.apiUrl],
    ['GHES style', () => `${sim.url}/api/v3`],
  ])('paginates REST with octokit.paginate (%s)', async (_label, base) => {
    const octokit = new Octokit({ auth: token, baseUrl: base(), log: quiet });
    const repos = await octokit.paginate(octokit.rest.repos.listForAuthenticatedUser, { per_page: 2 });
    expect(repos.length).toBeGreaterThan(2);
    const commits = await octokit.paginate(octokit.rest.repos.listCommits, {
      owner: 'octocat',
      repo: 'Hello-World',
      per_page: 50,
    });
    expect(commits).toHaveLength(120);
    const { data: me, headers } = await octokit.rest.users.getAuthenticated();
    expect(me.login).toBe('octocat');
    expect(headers['x-ratelimit-resource']).toBe('core');
  });

  it('paginates workflow runs with octokit.paginate, which unwraps { total_count, workflow_runs }', async () => {
    const octokit = new Octokit({ auth: token, baseUrl: sim.apiUrl, log: quiet });
    const repo = sim.world.repo('octocat', 'Hello-World');
    const expected = repo ? sim.world.detail(repo).workflowRuns.length : 0;
    expect(expected).toBeGreaterThan(3);
    const runs = await octokit.paginate(octokit.rest.actions.listWorkflowRunsForRepo, {
      owner: 'octocat',
      repo: 'Hello-World',
      per_page: 2,
    });
    expect(runs).toHaveLength(expected);
    const { data } = await octokit.rest.actions.getWorkflowRun({
      owner: 'octocat',
      repo: 'Hello-World',
      run_id: runs[0]?.id as number,
    });
    expect(data.id).toBe(runs[0]?.id);
    const { data: workflows } = await octokit.rest.actions.listRepoWorkflows({
      owner: 'octocat',
      repo: 'Hello-World',
    });
    expect(workflows.workflows.map((x) => x.name)).toContain('CI');
  });

  it('raises RequestError with status 404 for a missing repo', async () => {
    const octokit = new Octokit({ auth: token, baseUrl: sim.apiUrl, log: quiet });
    await expect(octokit.rest.repos.get({ owner: 'octocat', repo: 'missing' })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('runs GraphQL through @octokit/graphql, which throws GraphqlResponseError on schema errors', async () => {
    const gql = octokitGraphql.defaults({
      baseUrl: sim.apiUrl,
      headers: { authorization: `token ${token}` },
    });
    const ok = await gql<{ viewer: { login: string } }>('{ viewer { login } }');
    expect(ok.viewer.login).toBe('octocat');
    await expect(gql('{ viewer { loginn } }')).rejects.toMatchObject({
      errors: [expect.objectContaining({ message: "Field 'loginn' doesn't exist on type 'User'" })],
    });
    const ghes = octokitGraphql.defaults({
      baseUrl: `${sim.url}/api`,
      headers: { authorization: `token ${token}` },
    });
    expect((await ghes<{ viewer: { login: string } }>('{ viewer { login } }')).viewer.login).toBe('octocat');
  });
});
