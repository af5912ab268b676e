import { CredentialLimitsRegistry } from '../src/sync/github/credential-limits';
import { PageSizeGovernor } from '../src/sync/github/page-size.governor';
import {
  OrgPolicyBlockedError,
  RepoUnavailableError,
  UnexpectedGithubAnswerError,
} from '../src/sync/github/sync-github.errors';
import { SyncGithubGateway, SyncMeter, type OctokitLike } from '../src/sync/github/sync-github.gateway';
import { RepoSyncEngine } from '../src/sync/engine/repo-sync.engine';
import {
  createSyncDb,
  githubStores,
  must,
  startSim,
  syncClient,
  syncDb,
  type GithubSimHandle,
  type SyncDbFixture,
} from './sync-support/sync-harness';

// GraphQL refusals the simulator's faults only produce together with a REST refusal (REST is asked first):
// here REST answers normally and the page query's answer is replaced by GitHub's body for the case.
// Bodies: GitHub's SAML answer ("Resource protected by organization SAML enforcement", FORBIDDEN, null node),
// "Could not resolve to a node with the global id of …" (NOT_FOUND), and an unrelated error with a null node.
const SAML = {
  data: { rateLimit: null, node: null },
  errors: [
    {
      type: 'FORBIDDEN',
      path: ['node'],
      extensions: { saml_failure: true },
      message:
        'Resource protected by organization SAML enforcement. You must grant your OAuth token access to this organization.',
    },
  ],
};
const NOT_FOUND = {
  data: { rateLimit: null, node: null },
  errors: [
    { type: 'NOT_FOUND', path: ['node'], message: "Could not resolve to a node with the global id of 'R_x'" },
  ],
};
const OTHER = {
  data: { rateLimit: null, node: null },
  errors: [{ type: 'SERVICE_UNAVAILABLE', path: ['node'], message: 'Something unexpected happened' }],
};

describe('a page query answered without the repository', () => {
  let sim: GithubSimHandle;
  let fx: SyncDbFixture;

  beforeAll(async () => {
    sim = await startSim({ sizes: { commitsPerRepo: 20, pullsPerRepo: 3, reposPerOwner: 1 } });
    fx = await createSyncDb(sim, 'octocat', 1);
  });
  afterAll(async () => {
    await fx.close();
    await sim.stop();
  });

  /** The engine with a client whose page queries get `body` (HTTP 200); REST goes to the simulator. */
  function engineAnswering(body: unknown): RepoSyncEngine {
    const stores = githubStores(fx.ds);
    const real = syncClient(sim, fx.userId, { stores });
    const client: OctokitLike = {
      request: async (route, params) =>
        route.startsWith('POST ')
          ? { status: 200, headers: {}, data: JSON.stringify(body) }
          : real.request(route, params),
    };
    const registry = new CredentialLimitsRegistry(stores.rateLimits);
    const gateway = new SyncGithubGateway({
      client,
      credential: fx.userId,
      graphqlUrl: sim.graphqlUrl,
      etags: stores.etags,
      limits: registry.for(fx.userId),
      meter: new SyncMeter(),
    });
    return new RepoSyncEngine({
      db: syncDb(fx.ds),
      gateway,
      governor: new PageSizeGovernor(),
      hooks: { onPage: async () => undefined },
    });
  }

  it('FORBIDDEN for SAML enforcement is an SSO block of the owner, not a missing repository', async () => {
    const err = await engineAnswering(SAML)
      .run(must(fx.repos[0], 'the fixture’s repository').id)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgPolicyBlockedError);
    expect((err as OrgPolicyBlockedError).blockFor('octocat')).toEqual({
      kind: 'sso',
      org: 'octocat',
      url: null,
    });
  });

  it('NOT_FOUND is GraphQL’s evidence that the repository is gone for this credential', async () => {
    const err = await engineAnswering(NOT_FOUND)
      .run(must(fx.repos[0], 'the fixture’s repository').id)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepoUnavailableError);
    expect(err).toMatchObject({ status: 404, source: 'graphql' });
  });

  it('any other error with a null repository is retried later, never taken for "gone"', async () => {
    const err = await engineAnswering(OTHER)
      .run(must(fx.repos[0], 'the fixture’s repository').id)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedGithubAnswerError);
    expect(err).not.toBeInstanceOf(RepoUnavailableError);
  });
});
