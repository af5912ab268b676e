import { compactVerify, decodeJwt, decodeProtectedHeader, importSPKI, type CryptoKey } from 'jose';
import type { SimWorld } from '../world/sim-world';
import { SimError } from '../world/sim-error';
import type {
  SimGithubApp,
  SimInstallation,
  SimInstallationToken,
  SimToken,
  SimUser,
} from '../world/world.types';
import { SUSPENDED_MESSAGE } from '../world/capabilities/github-apps';

/** GitHub's 401 messages for App JWTs (the three time-claim ones are what @octokit/auth-app's clock-skew retry matches). */
export const JWT_MESSAGES = {
  undecodable: 'A JSON web token could not be decoded',
  expTooFar: "'Expiration time' claim ('exp') is too far in the future",
  expInvalid:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  iatInvalid:
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
} as const;

export const NOT_ACCESSIBLE_BY_INTEGRATION = 'Resource not accessible by integration';

/** GitHub: a JWT lives at most 10 minutes; `iat` may run ahead of the server clock by up to 60 s (clock drift). */
const MAX_JWT_LIFETIME_S = 600;
const CLOCK_SKEW_S = 60;

const keys = new WeakMap<SimGithubApp, { pem: string; key: Promise<CryptoKey> }>();

function keyOf(app: SimGithubApp): Promise<CryptoKey> {
  const cached = keys.get(app);
  if (cached && cached.pem === app.publicKeyPem) return cached.key;
  const key = importSPKI(app.publicKeyPem, 'RS256');
  keys.set(app, { pem: app.publicKeyPem, key });
  return key;
}

/** Does this credential look like a JWT (three base64url parts)? GitHub tells JWTs from tokens this way. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

/**
 * Authenticates an App JWT as GitHub does: RS256 signed with the App's key, `iss` the App id or client id,
 * `iat` not ahead of the server by more than the skew, `exp` in the future and at most 10 minutes away.
 * Throws GitHub's 401 with its message otherwise.
 */
export async function verifyAppJwt(world: SimWorld, jwt: string): Promise<SimGithubApp> {
  const fail = (message: string) => new SimError(401, message);
  let claims: ReturnType<typeof decodeJwt>;
  try {
    if (decodeProtectedHeader(jwt).alg !== 'RS256') throw new Error('alg');
    claims = decodeJwt(jwt);
  } catch {
    throw fail(JWT_MESSAGES.undecodable);
  }
  const iss = claims.iss as unknown;
  const app =
    typeof iss === 'number' || typeof iss === 'string' ? world.githubApp(iss as number | string) : undefined;
  if (!app) throw fail(JWT_MESSAGES.undecodable);
  try {
    await compactVerify(jwt, await keyOf(app), { algorithms: ['RS256'] });
  } catch {
    // A key that is not the App's (e.g. the wrong App id with a valid key) reads as undecodable on GitHub.
    throw fail(JWT_MESSAGES.undecodable);
  }
  const now = Math.floor(Date.now() / 1000);
  const { iat, exp } = claims as { iat?: unknown; exp?: unknown };
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + CLOCK_SKEW_S)
    throw fail(JWT_MESSAGES.iatInvalid);
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now) throw fail(JWT_MESSAGES.expInvalid);
  if (exp - iat > MAX_JWT_LIFETIME_S || exp > now + MAX_JWT_LIFETIME_S + CLOCK_SKEW_S)
    throw fail(JWT_MESSAGES.expTooFar);
  return app;
}

export interface InstallationAuth {
  token: SimInstallationToken;
  installation: SimInstallation;
  githubApp: SimGithubApp;
}

/**
 * An installation token (`ghs_`): unknown, expired or uninstalled → 401 Bad credentials; a suspended
 * installation → 403 with GitHub's message.
 */
export function installationAuth(world: SimWorld, value: string): InstallationAuth | null {
  const token = world.installationTokens.get(value);
  if (!token || token.expiresAt <= Date.now()) return null;
  const installation = world.installations.get(token.installationId);
  const githubApp = installation ? world.githubApps.get(installation.appId) : undefined;
  if (!installation || !githubApp) return null;
  if (installation.suspendedAt !== null) throw new SimError(403, SUSPENDED_MESSAGE);
  return { token, installation, githubApp };
}

/** A user token that still works: known and, for expiring user tokens, not past its 8 hours. */
export function userTokenAuth(world: SimWorld, value: string): { token: SimToken; user: SimUser } | null {
  const token = world.tokens.get(value);
  const user = token ? world.users.get(token.userId) : undefined;
  if (!token || !user) return null;
  if (token.expiresAt != null && token.expiresAt <= Date.now()) return null;
  return { token, user };
}

/** The repositories an installation token reaches: its installation's, narrowed to the token's list if any. */
export function tokenCovers(world: SimWorld, auth: InstallationAuth, repoId: number): boolean {
  const repo = world.repos.get(repoId);
  if (!repo || !world.installationCovers(auth.installation, repo)) return false;
  return !auth.token.repoIds || auth.token.repoIds.includes(repoId);
}

/**
 * The primary limit of an installation (GitHub's docs, "Rate limits for GitHub Apps"): 5,000 per hour, plus 50
 * per repository when it has more than 20, plus 50 per organization member when the organization has more than
 * 20; at most 12,500.
 */
export function installationRateLimit(world: SimWorld, inst: SimInstallation, base = 5000): number {
  const repos = world.installationRepos(inst).length;
  const users = inst.accountType === 'Organization' ? (world.orgs.get(inst.accountId)?.members.size ?? 0) : 0;
  const extra = (repos > 20 ? 50 * repos : 0) + (users > 20 ? 50 * users : 0);
  return Math.min(12_500, base + extra);
}
