import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { UserTokenGrant } from '../world/capabilities/github-apps';
import type { SimOAuthApp, SimUser } from '../world/world.types';
import { commonHeaders, requestIdOf } from './api-router';
import type { SimContext } from './sim-context';

const CODE_TTL_MS = 10 * 60_000;
const TROUBLESHOOTING =
  'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | undefined;
  expiresAt: number;
}

interface IssuedCode extends AuthorizeRequest {
  userId: number;
  /** Whether redirect_uri was passed to /authorize (then the token request must repeat it). */
  redirectUriGiven: boolean;
}

/** OAuth web application flow exactly as github.com runs it (authorize page, code, token exchange). */
export class OAuthServer {
  private readonly codes = new Map<string, IssuedCode>();
  private readonly pending = new Map<string, AuthorizeRequest & { redirectUriGiven: boolean }>();

  constructor(private readonly ctx: SimContext) {}

  reset(): void {
    this.codes.clear();
    this.pending.clear();
  }

  router(): Router {
    const r = express.Router();
    r.get('/login/oauth/authorize', (req, res) => this.authorize(req, res));
    r.post('/login/oauth/authorize', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) =>
      this.decide(req, res),
    );
    r.post(
      '/login/oauth/access_token',
      express.urlencoded({ extended: false, limit: '16kb' }),
      express.json({ limit: '16kb' }),
      (req, res, next) => {
        this.accessToken(req, res).catch(next);
      },
    );
    return r;
  }

  private authorize(req: Request, res: Response): void {
    const q = (n: string) => (typeof req.query[n] === 'string' ? (req.query[n] as string) : undefined);
    const app = this.ctx.world.oauthApps.get(q('client_id') ?? '');
    if (!app)
      return htmlPage(
        res,
        404,
        'Not Found',
        '<p>No OAuth application is registered with this client_id.</p>',
      );
    const given = q('redirect_uri');
    const redirectUri = given ?? app.callbackUrl;
    if (!redirectUri || !isHttpUrl(redirectUri)) {
      return htmlPage(
        res,
        400,
        'Bad redirect_uri',
        '<p>The redirect_uri is missing or is not an http(s) URL, and the application has no registered callback URL.</p>',
      );
    }
    const state = q('state');
    if (!redirectAllowed(app, redirectUri)) {
      // GitHub sends the user back to the registered callback with the error.
      return redirectWith(res, app.callbackUrl as string, {
        error: 'redirect_uri_mismatch',
        error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
        error_uri: `${TROUBLESHOOTING}#redirect-uri-mismatch2`,
        state,
      });
    }
    const challenge = q('code_challenge');
    const method = q('code_challenge_method');
    if (challenge !== undefined || method !== undefined) {
      if (method !== 'S256' || !challenge || !/^[A-Za-z0-9_-]{43,128}$/.test(challenge)) {
        return redirectWith(res, redirectUri, {
          error: 'invalid_request',
          error_description:
            'PKCE requires code_challenge (base64url) with code_challenge_method=S256; plain is not supported.',
          state,
        });
      }
    }
    const pending: AuthorizeRequest & { redirectUriGiven: boolean } = {
      clientId: app.clientId,
      redirectUri,
      scopes: parseScopes(q('scope')),
      state,
      codeChallenge: challenge,
      expiresAt: Date.now() + CODE_TTL_MS,
      redirectUriGiven: given !== undefined,
    };
    const auto = this.ctx.autoApproveLogin ? this.ctx.world.user(this.ctx.autoApproveLogin) : undefined;
    if (auto) return this.approve(res, pending, auto);
    const requestId = randomBytes(16).toString('hex');
    this.pending.set(requestId, pending);
    this.sweep();
    htmlPage(res, 200, `Sign in to ${escapeHtml(app.name)}`, signInPage(this.ctx, app, pending, requestId));
  }

  private decide(req: Request, res: Response): void {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const requestId = typeof body['request_id'] === 'string' ? body['request_id'] : '';
    const pending = this.pending.get(requestId);
    if (!pending || pending.expiresAt < Date.now())
      return htmlPage(
        res,
        400,
        'Expired',
        '<p>This authorization request has expired. Start the sign-in again.</p>',
      );
    this.pending.delete(requestId);
    if (body['decision'] === 'deny') {
      return redirectWith(res, pending.redirectUri, {
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        error_uri: `${TROUBLESHOOTING}#access-denied`,
        state: pending.state,
      });
    }
    const user = typeof body['login'] === 'string' ? this.ctx.world.user(body['login']) : undefined;
    if (!user) return htmlPage(res, 400, 'Unknown user', '<p>Pick one of the listed users.</p>');
    this.approve(res, pending, user);
  }

  private approve(
    res: Response,
    pending: AuthorizeRequest & { redirectUriGiven: boolean },
    user: SimUser,
  ): void {
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, { ...pending, userId: user.id, expiresAt: Date.now() + CODE_TTL_MS });
    this.ctx.stats.data.oauth.authorizations++;
    redirectWith(res, pending.redirectUri, { code, state: pending.state });
  }

  private async accessToken(req: Request, res: Response): Promise<void> {
    const requestId = requestIdOf();
    commonHeaders(res, requestId);
    const injected = await this.ctx.faults.before(req.path, requestId);
    if (injected) {
      res
        .status(injected.status)
        .type('application/json')
        .send(JSON.stringify({ message: injected.message }));
      return;
    }
    const body =
      typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
    const p = (n: string) => {
      const v = body[n] ?? req.query[n];
      return typeof v === 'string' ? v : undefined;
    };
    const reply = (payload: Record<string, string | number>) => {
      if ('error' in payload) this.ctx.stats.data.oauth.tokenErrors++;
      else this.ctx.stats.data.oauth.tokensIssued++;
      sendOAuthReply(req, res, payload);
    };
    const app = this.ctx.world.oauthApps.get(p('client_id') ?? '');
    if (!app || !safeEqual(app.clientSecret, p('client_secret') ?? '')) {
      return reply({
        error: 'incorrect_client_credentials',
        error_description: 'The client_id and/or client_secret passed are incorrect.',
        error_uri: `${TROUBLESHOOTING}#incorrect-client-credentials`,
      });
    }
    const grantType = p('grant_type');
    if (grantType === 'refresh_token') {
      // Single use: the refresh token (and the access token issued with it) is gone whatever happens next.
      const grant = this.ctx.world.refreshUserToken(app.clientId, p('refresh_token') ?? '');
      if (grant) this.ctx.stats.data.apps.userTokenRefreshes++;
      else this.ctx.stats.data.apps.refreshErrors++;
      if (!grant)
        return reply({
          error: 'bad_refresh_token',
          error_description: 'The refresh token passed is incorrect or expired.',
          error_uri: `${TROUBLESHOOTING}#bad-refresh-token`,
        });
      return reply(userTokenReply(grant));
    }
    if (grantType !== undefined && grantType !== 'authorization_code') {
      return reply({
        error: 'unsupported_grant_type',
        error_description: 'The grant type is not supported.',
        error_uri: TROUBLESHOOTING,
      });
    }
    const codeValue = p('code') ?? '';
    const code = this.codes.get(codeValue);
    const badCode = {
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: `${TROUBLESHOOTING}#bad-verification-code`,
    };
    if (!code || code.clientId !== app.clientId || code.expiresAt < Date.now()) return reply(badCode);
    const redirectUri = p('redirect_uri');
    if (redirectUri !== undefined && redirectUri !== code.redirectUri) {
      return reply({
        error: 'redirect_uri_mismatch',
        error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
        error_uri: `${TROUBLESHOOTING}#redirect-uri-mismatch2`,
      });
    }
    if (code.codeChallenge) {
      const verifier = p('code_verifier') ?? '';
      const expected = createHash('sha256').update(verifier).digest('base64url');
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !safeEqual(expected, code.codeChallenge)) {
        return reply({
          error: 'invalid_grant',
          error_description:
            'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
          error_uri: TROUBLESHOOTING,
        });
      }
    }
    // Single use: the code is gone whatever happens next.
    this.codes.delete(codeValue);
    const user = this.ctx.world.users.get(code.userId) as SimUser;
    // A GitHub App's user token: `ghu_`, no scopes, and with expiring tokens on, 8 hours plus a refresh token.
    if (app.githubAppId)
      return reply(userTokenReply(this.ctx.world.issueUserToken(app.githubAppId, user.login)));
    const token = this.ctx.world.issueToken(user.login, code.scopes, app.clientId);
    reply({ access_token: token, token_type: 'bearer', scope: code.scopes.join(',') });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, v] of this.pending) if (v.expiresAt < now) this.pending.delete(k);
    for (const [k, v] of this.codes) if (v.expiresAt < now) this.codes.delete(k);
  }
}

function userTokenReply(grant: UserTokenGrant): Record<string, string | number> {
  return {
    access_token: grant.accessToken,
    ...(grant.expiresIn !== undefined ? { expires_in: grant.expiresIn } : {}),
    ...(grant.refreshToken !== undefined
      ? { refresh_token: grant.refreshToken, refresh_token_expires_in: grant.refreshTokenExpiresIn ?? 0 }
      : {}),
    scope: '',
    token_type: 'bearer',
  };
}

/** JSON keeps numbers (expires_in); the form and XML answers carry every value as text. */
function sendOAuthReply(req: Request, res: Response, payload: Record<string, string | number>): void {
  const accept = (req.header('accept') ?? '').toLowerCase();
  res.setHeader('Cache-Control', 'no-store');
  if (accept.includes('application/json')) {
    res.status(200).type('application/json; charset=utf-8').send(JSON.stringify(payload));
  } else if (accept.includes('application/xml')) {
    const inner = Object.entries(payload)
      .map(([k, v]) => `<${k}>${escapeHtml(String(v))}</${k}>`)
      .join('');
    res.status(200).type('application/xml; charset=utf-8').send(`<OAuth>${inner}</OAuth>`);
  } else {
    res
      .status(200)
      .type('application/x-www-form-urlencoded; charset=utf-8')
      .send(new URLSearchParams(Object.entries(payload).map(([k, v]) => [k, String(v)])).toString());
  }
}

export function parseScopes(raw: string | undefined): string[] {
  if (!raw) return [];
  const scopes = raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => /^[a-z_:]{1,40}$/.test(s));
  return [...new Set(scopes)].sort();
}

function isHttpUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** GitHub: same host and port as the registered callback, and a path at or below its path. */
function redirectAllowed(app: SimOAuthApp, redirectUri: string): boolean {
  if (!app.callbackUrl) return true;
  const reg = new URL(app.callbackUrl);
  const got = new URL(redirectUri);
  if (reg.protocol !== got.protocol || reg.host !== got.host) return false;
  const base = reg.pathname.endsWith('/') ? reg.pathname : `${reg.pathname}/`;
  return got.pathname === reg.pathname || got.pathname.startsWith(base);
}

function redirectWith(res: Response, target: string, params: Record<string, string | undefined>): void {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  res.redirect(302, url.toString());
}

function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return x.equals(y) && a.length === b.length;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export function htmlPage(res: Response, status: number, title: string, body: string): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action *",
  );
  res.setHeader('X-Frame-Options', 'deny');
  res
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · GitHub (simulated)</title>` +
        `<style>body{font:14px -apple-system,Segoe UI,Helvetica,Arial,sans-serif;background:#f6f8fa;color:#1f2328;margin:0}main{max-width:440px;margin:48px auto;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:24px}` +
        `h1{font-size:20px;font-weight:400;text-align:center}ul{list-style:none;padding:0}li{margin:6px 0}button{width:100%;display:flex;align-items:center;gap:10px;padding:8px 12px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;cursor:pointer;font:inherit;text-align:left}` +
        `button:hover,button:focus{background:#eaeef2}img{border-radius:50%}.deny{justify-content:center;background:#fff;color:#cf222e}.scopes{color:#59636e}.note{font-size:12px;color:#59636e;text-align:center}</style></head>` +
        `<body><main>${body}</main></body></html>`,
    );
}

function signInPage(ctx: SimContext, app: SimOAuthApp, p: AuthorizeRequest, requestId: string): string {
  const users = [...ctx.world.users.values()].slice(0, 200);
  const items = users
    .map(
      (u) =>
        `<li><button type="submit" name="login" value="${escapeHtml(u.login)}" data-login="${escapeHtml(u.login)}">` +
        `<img src="/avatars/u/${u.id}?s=32" width="32" height="32" alt=""><span><strong>${escapeHtml(u.login)}</strong><br>${escapeHtml(u.name)}</span></button></li>`,
    )
    .join('');
  const scopes = p.scopes.length
    ? p.scopes.map(escapeHtml).join(', ')
    : '(no scopes: public information only)';
  return (
    `<h1>Authorize <strong>${escapeHtml(app.name)}</strong></h1>` +
    `<p class="scopes">Requested scopes: ${scopes}</p>` +
    `<p>Sign in as one of the simulated users:</p>` +
    `<form method="post" action="/login/oauth/authorize"><input type="hidden" name="request_id" value="${requestId}"><ul>${items}</ul>` +
    `<button class="deny" type="submit" name="decision" value="deny">Cancel</button></form>` +
    `<p class="note">Offline GitHub simulator. Redirects to ${escapeHtml(new URL(p.redirectUri).origin)}.</p>`
  );
}
