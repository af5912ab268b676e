import {
  ClientConfigError,
  hashClientSecret,
  parseClients,
  parseClientsJson,
  redirectUriProblem,
  type RegisteredClient,
} from './client-config.util';

const prod = { devMode: false };
const dev = { devMode: true };

function client(overrides: Partial<RegisteredClient> & Record<string, unknown> = {}) {
  return {
    client_id: 'trackeep-local',
    name: 'Local Trackeep',
    client_secret_hashes: [hashClientSecret('secret')],
    redirect_uris: ['https://app.example.com/api/v1/auth/oauth/callback'],
    allowed_orgs: [],
    allowed_teams: [],
    ...overrides,
  };
}

function problems(raw: unknown, rules = prod): string[] {
  try {
    parseClients(raw, rules);
    return [];
  } catch (err) {
    if (err instanceof ClientConfigError) return err.problems;
    throw err;
  }
}

describe('registered clients', () => {
  it('accepts the shape tools/stack and generate-secrets write', () => {
    const text = JSON.stringify([
      client({ redirect_uris: ['http://localhost:3000/api/v1/auth/oauth/callback'] }),
    ]);
    expect(parseClientsJson(text, dev)).toEqual([
      expect.objectContaining({ client_id: 'trackeep-local', allowed_orgs: [], allowed_teams: [] }),
    ]);
  });

  it('defaults missing allowed_orgs / allowed_teams to no policy', () => {
    const { allowed_orgs: _o, allowed_teams: _t, ...minimal } = client();
    expect(parseClients([minimal], prod)[0]).toMatchObject({ allowed_orgs: [], allowed_teams: [] });
  });

  it('stores secrets as sha256:<hex>', () => {
    expect(hashClientSecret('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('allows at most two active secrets (rotation) and at least one', () => {
    const h = hashClientSecret;
    expect(problems([client({ client_secret_hashes: [h('a'), h('b')] })])).toEqual([]);
    expect(problems([client({ client_secret_hashes: [h('a'), h('b'), h('c')] })])).toEqual([
      expect.stringMatching(/1 or 2 entries/),
    ]);
    expect(problems([client({ client_secret_hashes: [] })])).toEqual([
      expect.stringMatching(/1 or 2 entries/),
    ]);
    expect(problems([client({ client_secret_hashes: ['plaintext-secret'] })])).toEqual([
      expect.stringMatching(/sha256:<64 lower-case hex>/),
    ]);
  });

  it('requires https redirect URIs in production and allows loopback http only in dev mode', () => {
    expect(redirectUriProblem('http://localhost:3000/cb', prod)).toMatch(/only for localhost in dev mode/);
    expect(redirectUriProblem('http://localhost:3000/cb', dev)).toBeNull();
    expect(redirectUriProblem('http://127.0.0.1:3000/cb', dev)).toBeNull();
    expect(redirectUriProblem('http://trackeep.localhost:3000/cb', dev)).toBeNull();
    expect(redirectUriProblem('http://app.example.com/cb', dev)).toBe('must use https');
    expect(redirectUriProblem('http://localhost.evil.com/cb', dev)).toBe('must use https');
  });

  it.each([
    ['javascript:alert(1)', /must use https/],
    ['/relative/cb', /not an absolute URL/],
    ['https://user:pw@app.example.com/cb', /user information/],
    ['https://app.example.com/cb#frag', /fragment/],
    ['https://APP.example.com/cb', /canonical form \(write it as "https:\/\/app.example.com\/cb"\)/],
    ['https://app.example.com', /canonical form/],
    ['https://app.example.com:443/cb', /canonical form/],
  ])('refuses to register %s', (uri, problem) => {
    expect(redirectUriProblem(uri, dev)).toMatch(problem);
  });

  it('reports unknown fields (typos such as redirect_uri), duplicate ids and bad policy entries, all at once', () => {
    const found = problems([
      client({ redirect_uri: 'https://x' } as Record<string, unknown>),
      client({ allowed_orgs: ['not an org'], allowed_teams: ['no-slash'] }),
      client(),
    ]);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown field "redirect_uri"/),
        expect.stringMatching(/allowed_orgs entry "not an org"/),
        expect.stringMatching(/allowed_teams entry "no-slash" must look like "org\/team-slug"/),
        expect.stringMatching(/client_id is registered twice/),
      ]),
    );
  });

  it('refuses what is not a JSON array', () => {
    expect(() => parseClientsJson('{"client_id": 1}', prod)).toThrow('expected a JSON array of clients');
    expect(() => parseClientsJson('[{', prod)).toThrow(/not valid JSON/);
  });
});
