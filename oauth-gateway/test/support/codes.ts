import { Client } from 'pg';
import { pkceChallenge, randomToken, sealWithCode, sha256Hex } from '../../src/common/crypto.util';
import { subjectOf, type GithubIdentity, type GithubToken } from '../../src/github/github-identity.type';
import { AuthorizationCodeRepository } from '../../src/token/authorization-code.repository';
import { basicAuth, clientOf, type TestClient, type TestGateway } from './test-gateway';

export const OCTOCAT: GithubIdentity = {
  github_host: 'github.example',
  github_id: 583231,
  login: 'octocat',
  name: 'The Octocat',
  email: 'octocat@github.example',
  email_verified: true,
  avatar_url: 'https://avatars.example/u/583231',
};

export interface MintedCode {
  code: string;
  verifier: string;
  githubToken: GithubToken;
}

/**
 * A gateway authorization code as the callback would issue it after a successful GitHub sign-in, written through
 * the app's own repository. Lets token-endpoint tests run without a GitHub round trip.
 */
export async function mintCode(
  t: TestGateway,
  client: TestClient,
  options: {
    nonce?: string;
    redirectUri?: string;
    ttlSeconds?: number;
    scope?: string;
    /** GitHub's answer fields beyond a plain OAuth App token (expiry, refresh token). */
    githubToken?: Partial<GithubToken>;
  } = {},
): Promise<MintedCode> {
  const code = randomToken();
  const verifier = randomToken(48);
  const githubToken: GithubToken = {
    access_token: `gho_${randomToken(27)}`,
    token_type: 'bearer',
    scope: 'read:user repo user:email',
    ...options.githubToken,
  };
  await t.app.get(AuthorizationCodeRepository).create({
    code_hash: sha256Hex(code),
    client_id: client.client_id,
    redirect_uri: options.redirectUri ?? client.redirect_uri,
    code_challenge: pkceChallenge(verifier),
    nonce: options.nonce ?? null,
    scope: options.scope ?? 'openid profile email',
    subject: subjectOf(OCTOCAT),
    identity: OCTOCAT,
    github_token_sealed: sealWithCode(JSON.stringify(githubToken), code),
    ttlSeconds: options.ttlSeconds ?? 60,
  });
  return { code, verifier, githubToken };
}

export interface TokenCall {
  client?: TestClient;
  /** Overrides the secret sent (wrong secret tests); null sends no credentials at all. */
  secret?: string | null;
  code: string;
  verifier: string;
  redirectUri?: string;
  auth?: 'basic' | 'post';
  extra?: Record<string, string>;
}

export function tokenRequest(t: TestGateway, call: TokenCall): Promise<Response> {
  const client = call.client ?? clientOf(t, 'instance-a');
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: call.code,
    redirect_uri: call.redirectUri ?? client.redirect_uri,
    code_verifier: call.verifier,
    ...call.extra,
  });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const secret = call.secret === undefined ? client.secret : call.secret;
  if (secret !== null) {
    if (call.auth === 'post') {
      form.set('client_id', client.client_id);
      form.set('client_secret', secret);
    } else {
      headers['authorization'] = basicAuth(client.client_id, secret);
    }
  }
  return fetch(`${t.url}/oauth/token`, { method: 'POST', headers, body: form });
}

/** Runs SQL on the gateway's test database (to age a code, or inspect what is stored). */
export async function withDb<T>(t: TestGateway, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: t.db.url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
