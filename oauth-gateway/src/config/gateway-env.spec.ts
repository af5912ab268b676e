import { EnvValidationError } from '@trackeep/server-core';
import { gatewayUrls, parseGatewayEnv } from './gateway-env';

const base = {
  DATABASE_URL: 'postgres://u@h/trackeep_gateway',
  GITHUB_CLIENT_ID: 'id',
  GITHUB_CLIENT_SECRET: 'secret',
  SERVICE_DOMAIN: 'https://auth.example.com',
  GATEWAY_CLIENTS_FILE: '/etc/gw/clients.json',
  GATEWAY_SIGNING_KEYS_FILE: '/etc/gw/keys.json',
  METRICS_TOKEN: 'metrics-token-0123456789',
};

function problems(env: Record<string, string>): string[] {
  try {
    parseGatewayEnv(env);
    return [];
  } catch (err) {
    if (err instanceof EnvValidationError) return err.problems;
    throw err;
  }
}

describe(parseGatewayEnv.name, () => {
  it('accepts a production configuration', () => {
    expect(problems(base)).toEqual([]);
  });

  it('requires METRICS_TOKEN outside dev mode, so /metrics is never public in production', () => {
    const { METRICS_TOKEN: _m, ...withoutToken } = base;
    expect(problems(withoutToken)).toEqual([
      expect.stringMatching(/^METRICS_TOKEN: expected .*found nothing \(unset\)$/),
    ]);
    expect(problems({ ...withoutToken, NODE_ENV: 'production' })).toHaveLength(1);
    expect(problems({ ...withoutToken, GATEWAY_DEV_MODE: 'true' })).toEqual([]);
  });

  it('requires an https issuer outside dev mode, and a loopback one in dev mode', () => {
    expect(problems({ ...base, SERVICE_DOMAIN: 'http://auth.example.com' })).toEqual([
      expect.stringMatching(/^SERVICE_DOMAIN: expected an https:\/\/ URL/),
    ]);
    expect(problems({ ...base, SERVICE_DOMAIN: 'http://localhost:3100' })).toHaveLength(1);
    expect(problems({ ...base, SERVICE_DOMAIN: 'http://localhost:3100', GATEWAY_DEV_MODE: 'true' })).toEqual(
      [],
    );
    expect(
      problems({ ...base, SERVICE_DOMAIN: 'http://gateway.localhost:3100', GATEWAY_DEV_MODE: 'true' }),
    ).toEqual([]);
    expect(
      problems({ ...base, SERVICE_DOMAIN: 'http://auth.example.com', GATEWAY_DEV_MODE: 'true' }),
    ).toHaveLength(1);
  });

  it('requires GITHUB_WEB_URL and GITHUB_API_URL to share a scheme', () => {
    expect(problems({ ...base, GITHUB_API_URL: 'http://api.github.com' })).toEqual([
      expect.stringMatching(/^GITHUB_API_URL: expected the same scheme as GITHUB_WEB_URL \(https:\/\/\)/),
    ]);
    expect(
      problems({
        ...base,
        GITHUB_WEB_URL: 'http://127.0.0.1:4010',
        GITHUB_API_URL: 'http://127.0.0.1:4010/api/v3',
      }),
    ).toEqual([]);
  });

  it('requires exactly one source of clients and, outside dev mode, a keys file', () => {
    const { GATEWAY_CLIENTS_FILE: _c, GATEWAY_SIGNING_KEYS_FILE: _k, ...bare } = base;
    expect(problems(bare)).toEqual([
      expect.stringMatching(/^GATEWAY_CLIENTS_FILE: expected the registered clients/),
      expect.stringMatching(/^GATEWAY_SIGNING_KEYS_FILE: expected the path/),
    ]);
    expect(problems({ ...base, GATEWAY_CLIENTS: '[]' })).toEqual([
      expect.stringMatching(/either GATEWAY_CLIENTS or GATEWAY_CLIENTS_FILE, not both/),
    ]);
    expect(
      problems({
        ...bare,
        GATEWAY_CLIENTS: '[]',
        GATEWAY_DEV_MODE: 'true',
        SERVICE_DOMAIN: 'http://localhost:3100',
      }),
    ).toEqual([]);
  });

  it('derives the callback, GitHub host and GraphQL URL for github.com', () => {
    expect(gatewayUrls(parseGatewayEnv({ ...base, SERVICE_DOMAIN: 'https://auth.example.com/' }))).toEqual({
      issuer: 'https://auth.example.com',
      githubRedirectUrl: 'https://auth.example.com/auth/github/callback',
      githubWebUrl: 'https://github.com',
      githubApiUrl: 'https://api.github.com',
      githubGraphqlUrl: 'https://api.github.com/graphql',
      githubHost: 'github.com',
    });
  });

  it('derives the GraphQL URL of GitHub Enterprise Server from its /api/v3 base', () => {
    const urls = gatewayUrls(
      parseGatewayEnv({
        ...base,
        GITHUB_WEB_URL: 'https://ghe.corp.example',
        GITHUB_API_URL: 'https://ghe.corp.example/api/v3/',
      }),
    );
    expect(urls).toMatchObject({
      githubApiUrl: 'https://ghe.corp.example/api/v3',
      githubGraphqlUrl: 'https://ghe.corp.example/api/graphql',
      githubHost: 'ghe.corp.example',
    });
  });

  it('derives the GraphQL URL of GHE.com', () => {
    const urls = gatewayUrls(
      parseGatewayEnv({
        ...base,
        GITHUB_WEB_URL: 'https://acme.ghe.com',
        GITHUB_API_URL: 'https://api.acme.ghe.com',
      }),
    );
    expect(urls).toMatchObject({
      githubGraphqlUrl: 'https://api.acme.ghe.com/graphql',
      githubHost: 'acme.ghe.com',
    });
  });

  it('lists CORS origins and refuses values that are not origins', () => {
    expect(
      parseGatewayEnv({ ...base, CORS_ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com' })
        .CORS_ALLOWED_ORIGINS,
    ).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(problems({ ...base, CORS_ALLOWED_ORIGINS: '*' })).toEqual([
      expect.stringMatching(/^CORS_ALLOWED_ORIGINS:/),
    ]);
  });
});
