import { githubIdentityFrom, type GithubIdentity } from './github-identity.type';

describe('githubIdentityFrom', () => {
  const stored: GithubIdentity = {
    github_host: 'github.example',
    github_id: 583231,
    login: 'octocat',
    name: null,
    email: 'octocat@github.example',
    email_verified: true,
    avatar_url: null,
  };

  it('reads an identity as the gateway stores it', () => {
    expect(githubIdentityFrom(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });

  it('refuses a value that is not an identity', () => {
    expect(() => githubIdentityFrom(null)).toThrow('not an object');
    expect(() => githubIdentityFrom([stored])).toThrow('not an object');
    expect(() => githubIdentityFrom({ ...stored, github_id: '583231' })).toThrow('wrong type');
    const { login: _login, ...withoutLogin } = stored;
    expect(() => githubIdentityFrom(withoutLogin)).toThrow('lacks a field');
  });
});
