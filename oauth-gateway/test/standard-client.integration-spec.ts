import { startGithubSim, type GithubSimHandle } from '@trackeep/github-sim';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { CookieJar } from './support/cookie-jar';
import { signIn } from './support/github-browser';
import { clientOf, createTestGateway, type TestClient, type TestGateway } from './support/test-gateway';

// Standards compliance: a stock OAuth 2.0 / OIDC client library (oauth4webapi) signs in through the gateway
// using only RFC 8414 discovery, the authorization code flow with PKCE, RFC 9207 iss checking, id_token claim
// validation, userinfo and RFC 7009 revocation. No Trackeep-specific code below except the simulated browser.
// `allowInsecureRequests` only lets the library talk http to 127.0.0.1 in the test.

const GH_APP = { clientId: 'Iv1.standardclient01', clientSecret: 'standard-client-github-secret' };
const REDIRECT_URI = 'https://rp.example.com/oauth/callback';

describe('a standard OAuth client library (oauth4webapi) against the gateway', () => {
  let sim: GithubSimHandle;
  let t: TestGateway;
  let rp: TestClient;
  const http = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 11, oauthApps: [GH_APP] });
    t = await createTestGateway({
      github: { webUrl: sim.url, apiUrl: sim.apiUrl, ...GH_APP },
      clients: [{ client_id: 'relying-party', redirect_uris: [REDIRECT_URI] }],
    });
    rp = clientOf(t, 'relying-party');
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('discovers the server, signs in with code + PKCE, validates the id_token, reads userinfo and revokes', async () => {
    const issuer = new URL(t.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...http }),
    );
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);

    const client: oauth.Client = { client_id: rp.client_id };
    const clientAuth = oauth.ClientSecretBasic(rp.secret);
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const authorizationUrl = new URL(as.authorization_endpoint as string);
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).toString();

    const nav = await signIn(new CookieJar(), authorizationUrl.href, {
      login: 'octocat',
      redirectUri: REDIRECT_URI,
    });
    const params = oauth.validateAuthResponse(as, client, new URL(nav.url), state);

    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      params,
      REDIRECT_URI,
      codeVerifier,
      http,
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(result) as oauth.IDToken;
    expect(claims.iss).toBe(t.url);
    expect(claims.aud).toBe('relying-party');
    expect(claims.sub).toBe(`${new URL(sim.url).host}|${sim.world.user('octocat')?.id}`);
    expect(result.token_type).toBe('bearer');

    // The library leaves signature checks of back-channel id_tokens to the caller: do it with the discovered JWKS.
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri as string));
    await expect(
      jwtVerify(result.id_token as string, jwks, { issuer: as.issuer, audience: client.client_id }),
    ).resolves.toBeDefined();

    const userinfo = await oauth.processUserInfoResponse(
      as,
      client,
      claims.sub,
      await oauth.userInfoRequest(as, client, result.access_token, http),
    );
    expect(userinfo).toMatchObject({ sub: claims.sub, login: 'octocat', preferred_username: 'octocat' });

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, clientAuth, result.access_token, http),
    );
    await expect(
      oauth.processUserInfoResponse(
        as,
        client,
        claims.sub,
        await oauth.userInfoRequest(as, client, result.access_token, http),
      ),
    ).rejects.toThrow();
  });

  it('also discovers through the OpenID Connect path', async () => {
    const issuer = new URL(t.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...http }),
    );
    expect(as.token_endpoint).toBe(`${t.url}/oauth/token`);
    expect(as.id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('surfaces a refused authorization (PKCE missing) as an OAuth error the library understands', async () => {
    const issuer = new URL(t.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...http }),
    );
    const client: oauth.Client = { client_id: rp.client_id };
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: rp.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state,
    }).toString();
    const nav = await signIn(new CookieJar(), url.href, { login: 'octocat', redirectUri: REDIRECT_URI });
    expect(() => oauth.validateAuthResponse(as, client, new URL(nav.url), state)).toThrow(
      expect.objectContaining({ error: 'invalid_request' }) as unknown as Error,
    );
  });
});
