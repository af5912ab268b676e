import { Logger } from '@nestjs/common';
import type { RegisteredClient } from '../clients/client-config.util';
import { GithubError, type GithubClient } from '../github/github.client';
import { MembershipPolicy } from './membership-policy.service';

const client = (policy: Partial<RegisteredClient>): RegisteredClient => ({
  client_id: 'c',
  name: 'c',
  client_secret_hashes: [],
  redirect_uris: [],
  allowed_orgs: [],
  allowed_teams: [],
  ...policy,
});

/** A GitHub that answers membership questions from a table; anything else is a failure. */
function github(answers: {
  orgs?: Record<string, boolean | 'error'>;
  teams?: Record<string, boolean | 'error'>;
}): GithubClient {
  const answer = (value: boolean | 'error' | undefined) => {
    if (value === 'error') return Promise.reject(new GithubError('unavailable', 'timed out'));
    return Promise.resolve(value === true);
  };
  return {
    isOrgMember: (_t: string, org: string) => answer(answers.orgs?.[org]),
    isActiveTeamMember: (_t: string, org: string, slug: string) => answer(answers.teams?.[`${org}/${slug}`]),
  } as unknown as GithubClient;
}

describe(MembershipPolicy.name, () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('lets everyone in when the client has no policy, without asking GitHub', async () => {
    const sut = new MembershipPolicy(github({ orgs: { acme: 'error' } }));
    await expect(sut.allows(client({}), 'token', 'octocat')).resolves.toBe(true);
  });

  it('lets a member of any allowed org or team in', async () => {
    const sut = new MembershipPolicy(
      github({ orgs: { acme: false, beta: true }, teams: { 'acme/core': true } }),
    );
    await expect(sut.allows(client({ allowed_orgs: ['acme', 'beta'] }), 't', 'u')).resolves.toBe(true);
    await expect(sut.allows(client({ allowed_teams: ['acme/core'] }), 't', 'u')).resolves.toBe(true);
  });

  it('denies a non-member', async () => {
    const sut = new MembershipPolicy(github({ orgs: { acme: false }, teams: { 'acme/core': false } }));
    await expect(
      sut.allows(client({ allowed_orgs: ['acme'], allowed_teams: ['acme/core'] }), 't', 'u'),
    ).resolves.toBe(false);
  });

  it('denies when every lookup fails (fails closed), and still accepts a later positive answer', async () => {
    const failing = new MembershipPolicy(
      github({ orgs: { acme: 'error' }, teams: { 'acme/core': 'error' } }),
    );
    await expect(
      failing.allows(client({ allowed_orgs: ['acme'], allowed_teams: ['acme/core'] }), 't', 'u'),
    ).resolves.toBe(false);
    const mixed = new MembershipPolicy(github({ orgs: { acme: 'error' }, teams: { 'acme/core': true } }));
    await expect(
      mixed.allows(client({ allowed_orgs: ['acme'], allowed_teams: ['acme/core'] }), 't', 'u'),
    ).resolves.toBe(true);
  });
});
