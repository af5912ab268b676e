import { generateKeyPairSync } from 'node:crypto';

let demoKey: string | undefined;

/**
 * The GitHub App every simulator registers, so App mode works against it without any setup. With the `demo`
 * preset it is installed on the first organization (acme-corp) with all repositories.
 */
export const DEMO_GITHUB_APP = {
  id: 1_099_001,
  slug: 'trackeep-demo',
  name: 'Trackeep (demo App)',
  clientId: 'Iv23litrackeepdemo01',
  clientSecret: 'trackeep-demo-app-secret',
  webhookSecret: 'trackeep-demo-app-webhook-secret',
  /** Organization the `demo` preset installs it on. */
  demoOrganization: 'acme-corp',
  permissions: {
    metadata: 'read',
    contents: 'read',
    pull_requests: 'read',
    issues: 'read',
    deployments: 'read',
    members: 'read',
    actions: 'read',
  },
  events: [
    'create',
    'delete',
    'deployment',
    'deployment_status',
    'issues',
    'member',
    'membership',
    'organization',
    'pull_request',
    'pull_request_review',
    'push',
    'release',
    'repository',
    'team',
    'workflow_run',
  ],
  /**
   * PKCS#1 PEM, as GitHub hands it out. Made once per process rather than committed: the simulator registers
   * the demo App again at every start, so the key only has to agree within the process that runs it.
   */
  get privateKey(): string {
    demoKey ??= generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    }).privateKey;
    return demoKey;
  },
} as const;

/** The GITHUB_APP_* variables that make a Trackeep API run as the demo App (tests, benchmarks, the local stack). */
export function demoGithubAppEnv(): Record<string, string> {
  return {
    GITHUB_APP_ID: String(DEMO_GITHUB_APP.id),
    GITHUB_APP_PRIVATE_KEY: DEMO_GITHUB_APP.privateKey,
    GITHUB_APP_WEBHOOK_SECRET: DEMO_GITHUB_APP.webhookSecret,
    GITHUB_APP_SLUG: DEMO_GITHUB_APP.slug,
  };
}
