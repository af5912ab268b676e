// Writes the secrets a single-host (compose) install needs into docker/secrets/, all consistent:
//   postgres.env               POSTGRES_PASSWORD
//   gateway.env                DATABASE_URL (trackeep_gateway), GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, METRICS_TOKEN
//   api.env                    DATABASE_URL (trackeep), JWT_SECRET, TOKEN_ENCRYPTION_KEYS, GATEWAY_CLIENT_SECRET, METRICS_TOKEN
//                              (secrets only: the env files double as Kubernetes Secrets, and a non-secret variable in a
//                              Secret would silently override the ConfigMap's value)
//   gateway-signing-keys.json  private JWKS (ES256) the gateway signs with
//   gateway-clients.json       this instance registered with the gateway (secret stored as a SHA-256 hash)
// Usage: GITHUB_CLIENT_ID=... GITHUB_CLIENT_SECRET=... node docker/scripts/generate-secrets.mjs [--out DIR] [--force]
// Optional: TRACKEEP_PUBLIC_URL (default http://localhost:3000), GATEWAY_CLIENT_ID (default trackeep-local: the id
// compose gives the API; any other id must also be set where the API's non-secret settings live).
// Nothing here needs the repository's node_modules: Node's own crypto only.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The API's client id at the gateway when none is given; docker-compose.yml uses the same default. */
export const DEFAULT_CLIENT_ID = 'trackeep-local';

const random = (bytes) => randomBytes(bytes).toString('hex');

export function generateSecrets(env = {}) {
  const publicUrl = (env.TRACKEEP_PUBLIC_URL || 'http://localhost:3000').replace(/\/+$/, '');
  const clientId = env.GATEWAY_CLIENT_ID || DEFAULT_CLIENT_ID;
  const pgPassword = random(24);
  const clientSecret = random(32);
  const metricsToken = random(24); // one token for both servers: one Prometheus scrape job
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `${new Date().toISOString().slice(0, 10)}-${random(3)}`;
  const signingKeys = {
    signing_kid: kid,
    keys: [{ ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }],
  };
  const clients = [
    {
      client_id: clientId,
      name: 'Trackeep',
      client_secret_hashes: [`sha256:${createHash('sha256').update(clientSecret).digest('hex')}`],
      redirect_uris: [`${publicUrl}/api/v1/auth/oauth/callback`],
      allowed_orgs: [],
      allowed_teams: [],
    },
  ];
  const db = (name) => `postgres://trackeep:${pgPassword}@postgres:5432/${name}`;
  const envFile = (vars) =>
    `${Object.entries(vars)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`;
  return {
    'postgres.env': envFile({ POSTGRES_PASSWORD: pgPassword }),
    'gateway.env': envFile({
      DATABASE_URL: db('trackeep_gateway'),
      GITHUB_CLIENT_ID: env.GITHUB_CLIENT_ID || 'replace-with-your-github-oauth-app-client-id',
      GITHUB_CLIENT_SECRET: env.GITHUB_CLIENT_SECRET || 'replace-with-your-github-oauth-app-client-secret',
      METRICS_TOKEN: metricsToken,
    }),
    'api.env': envFile({
      DATABASE_URL: db('trackeep'),
      GATEWAY_CLIENT_SECRET: clientSecret,
      JWT_SECRET: random(32),
      TOKEN_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
      METRICS_TOKEN: metricsToken,
    }),
    'gateway-signing-keys.json': `${JSON.stringify(signingKeys, null, 2)}\n`,
    'gateway-clients.json': `${JSON.stringify(clients, null, 2)}\n`,
  };
}

function main(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const outIndex = argv.indexOf('--out');
  const out = resolve(outIndex >= 0 ? argv[outIndex + 1] : join(here, '..', 'secrets'));
  const files = generateSecrets(process.env);
  const existing = Object.keys(files).filter((name) => existsSync(join(out, name)));
  if (existing.length && !argv.includes('--force')) {
    process.stderr.write(
      `generate-secrets: ${out} already holds ${existing.join(', ')}; pass --force to replace them all\n`,
    );
    process.exit(1);
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  chmodSync(out, 0o700);
  // The directory keeps other users out; the files stay readable to the containers' uid 1000, because compose
  // bind-mounts them as they are.
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(out, name), content, { mode: 0o644 });
  process.stdout.write(`generate-secrets: wrote ${Object.keys(files).length} files to ${out}\n`);
  if (process.env.GATEWAY_CLIENT_ID && process.env.GATEWAY_CLIENT_ID !== DEFAULT_CLIENT_ID)
    process.stdout.write(
      `generate-secrets: registered the API as "${process.env.GATEWAY_CLIENT_ID}"; set GATEWAY_CLIENT_ID=${process.env.GATEWAY_CLIENT_ID} in docker/.env (compose) or the API ConfigMap\n`,
    );
  if (!process.env.GITHUB_CLIENT_ID)
    process.stdout.write('generate-secrets: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET in gateway.env\n');
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
