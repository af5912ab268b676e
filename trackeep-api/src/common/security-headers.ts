import type { HelmetOptions } from 'helmet';
import type { ApiEnv } from '../config/api-env';

/**
 * helmet's defaults, with a Content-Security-Policy in production that lets the dashboard show avatars:
 * github.com serves them from avatars.githubusercontent.com, GitHub Enterprise Server from its own host.
 * Development builds (and the e2e stack) run without a CSP so the Angular dev tooling keeps working.
 */
export function helmetOptions(env: Pick<ApiEnv, 'NODE_ENV' | 'GITHUB_WEB_URL'>): HelmetOptions {
  if (env.NODE_ENV !== 'production') return { contentSecurityPolicy: false };
  const github = new URL(env.GITHUB_WEB_URL).origin;
  return {
    contentSecurityPolicy: {
      directives: {
        'img-src': ["'self'", 'data:', 'https://avatars.githubusercontent.com', github],
      },
    },
  };
}
