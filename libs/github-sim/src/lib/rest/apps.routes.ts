import { createHash } from 'node:crypto';
import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { notFound, validationFailed } from '../world/sim-error';
import type { SimUser } from '../world/world.types';
import { bodyObject } from './access';
import { iso, simpleUser, type Schemas } from './serializers';

/** OAuth app token management (basic auth with client_id:client_secret) and /rate_limit. */
export function registerAppRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;

  const tokenFromBody = (r: ApiRequest) => {
    if (r.auth?.kind !== 'app' || r.auth.app.clientId !== r.params['client_id']) throw notFound();
    const body = bodyObject(r);
    const token = body['access_token'];
    if (typeof token !== 'string' || !token)
      throw validationFailed([{ resource: 'OauthAccess', field: 'access_token', code: 'missing_field' }]);
    const rec = w.tokens.get(token);
    if (!rec || rec.clientId !== r.auth.app.clientId) throw notFound();
    return rec;
  };

  const authorization = (
    r: ApiRequest,
    rec: NonNullable<ReturnType<typeof w.tokens.get>>,
  ): Schemas['authorization'] => {
    const user = w.users.get(rec.userId) as SimUser;
    const app = w.oauthApps.get(rec.clientId as string);
    return {
      id: Number.parseInt(createHash('sha1').update(rec.token).digest('hex').slice(0, 7), 16),
      url: `${r.urls.api}/authorizations/${rec.userId}`,
      app: { client_id: rec.clientId as string, name: app?.name ?? '', url: app?.callbackUrl ?? r.urls.web },
      token: rec.token,
      hashed_token: createHash('sha256').update(rec.token).digest('base64'),
      token_last_eight: rec.token.slice(-8),
      note: null,
      note_url: null,
      created_at: iso(rec.createdAt),
      updated_at: iso(rec.createdAt),
      scopes: rec.scopes,
      fingerprint: null,
      expires_at: null,
      user: simpleUser(r.urls, user),
    };
  };

  api.post(
    '/applications/:client_id/token',
    '/applications/{client_id}/token',
    (r) => ({ body: authorization(r, tokenFromBody(r)) }),
    { auth: 'app' },
  );

  api.patch(
    '/applications/:client_id/token',
    '/applications/{client_id}/token',
    (r) => {
      const rec = tokenFromBody(r);
      const user = w.users.get(rec.userId) as SimUser;
      w.revokeToken(rec.token);
      const fresh = w.issueToken(user.login, rec.scopes, rec.clientId);
      return { body: authorization(r, w.tokens.get(fresh) as NonNullable<ReturnType<typeof w.tokens.get>>) };
    },
    { auth: 'app' },
  );

  api.delete(
    '/applications/:client_id/token',
    '/applications/{client_id}/token',
    (r) => {
      w.revokeToken(tokenFromBody(r).token);
      return { status: 204 };
    },
    { auth: 'app' },
  );

  api.delete(
    '/applications/:client_id/grant',
    '/applications/{client_id}/grant',
    (r) => {
      const rec = tokenFromBody(r);
      w.revokeGrant(rec.clientId as string, rec.userId);
      return { status: 204 };
    },
    { auth: 'app' },
  );

  // Does not count against the primary limit (GitHub documents this).
  api.get(
    '/rate_limit',
    '/rate_limit',
    (r) => {
      // The same keys the router charges: an installation's budget is its own, separate from any user's.
      const key =
        r.viewerId !== null
          ? `u:${r.viewerId}`
          : r.installation
            ? `inst:${r.installation.installation.id}`
            : r.auth?.kind === 'app'
              ? `app:${r.auth.app.clientId}`
              : r.auth?.kind === 'appJwt'
                ? `jwt:${r.auth.githubApp.id}`
                : `ip:${r.req.ip ?? 'local'}`;
      const view = (res: 'core' | 'graphql' | 'search') => {
        const b = ctx.limiter.bucket(key, res);
        return {
          limit: b.limit,
          used: ctx.limiter.used(b),
          remaining: ctx.limiter.remaining(b),
          reset: b.reset,
        };
      };
      const core = view('core');
      const body: Schemas['rate-limit-overview'] = {
        resources: { core, graphql: view('graphql'), search: view('search') },
        rate: core,
      };
      const b = ctx.limiter.bucket(key, 'core');
      return { body, headers: ctx.limiter.headers(b, 'core') };
    },
    { resource: 'none', allowJwt: true },
  );
}
