import { readFileSync } from 'node:fs';
import type { ApiEnv } from '../config/api-env';
import type { GithubSettings } from '../github/github-settings';

/** The App's credentials, when App mode is configured. */
export interface GithubAppCredentials {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  slug: string;
}

/**
 * GitHub App mode, resolved once from GITHUB_APP_* (api-env validated their shapes): the App's credentials and
 * where its install page is, on github.com or a GitHub Enterprise Server. `app` is null when App mode is off.
 */
export class GithubAppSettings {
  readonly app: GithubAppCredentials | null;
  /** Where an administrator installs the App; null when App mode is off. */
  readonly installUrl: string | null;
  readonly refreshMinutes: number;
  readonly admins: ReadonlySet<string>;
  /** Installations Trackeep learns of start with auto-track on. */
  readonly autoTrackNew: boolean;

  constructor(env: ApiEnv, github: GithubSettings) {
    this.refreshMinutes = env.GITHUB_APP_REFRESH_MINUTES;
    this.autoTrackNew = env.GITHUB_APP_AUTO_TRACK;
    this.admins = new Set(env.TRACKEEP_ADMINS.map((login) => login.toLowerCase()));
    if (!env.GITHUB_APP_ID) {
      this.app = null;
      this.installUrl = null;
      return;
    }
    const privateKey = readPrivateKey(env);
    this.app = {
      appId: Number(env.GITHUB_APP_ID),
      privateKey,
      webhookSecret: env.GITHUB_APP_WEBHOOK_SECRET ?? '',
      slug: env.GITHUB_APP_SLUG ?? '',
    };
    // GHES (REST under /api/v3) serves App pages under /github-apps; github.com (and GHE.com) under /apps.
    const segment = /\/api\/v3$/.test(new URL(github.apiUrl).pathname) ? 'github-apps' : 'apps';
    this.installUrl = `${github.webUrl}/${segment}/${encodeURIComponent(this.app.slug)}/installations/new`;
  }
}

function readPrivateKey(env: ApiEnv): string {
  if (env.GITHUB_APP_PRIVATE_KEY && env.GITHUB_APP_PRIVATE_KEY_FILE)
    throw new Error('Set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE, not both');
  let pem = env.GITHUB_APP_PRIVATE_KEY;
  if (!pem && env.GITHUB_APP_PRIVATE_KEY_FILE) {
    try {
      pem = readFileSync(env.GITHUB_APP_PRIVATE_KEY_FILE, 'utf8');
    } catch (err) {
      throw new Error(
        `GITHUB_APP_PRIVATE_KEY_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (!pem)
    throw new Error(
      'GITHUB_APP_ID is set: GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE is required',
    );
  // Environment files often carry the PEM on one line with literal \n.
  pem = pem.replace(/\\n/g, '\n').trim();
  if (!/^-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----$/.test(pem))
    throw new Error("the GitHub App's private key is not a PEM private key as GitHub generates it");
  return `${pem}\n`;
}
