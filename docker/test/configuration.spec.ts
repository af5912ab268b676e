import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DOCKER_DIR, K8S_DIR, parseManifests, renderKustomization } from './support/kustomize';

// The configuration a deployment hands each server is configuration that server accepts: every variable set
// in compose, the ConfigMaps and the Secret examples is one the server reads (no typos that would be
// silently ignored), and the complete environment passes the server's own start-up validation.

const ROOT = join(DOCKER_DIR, '..');
type EnvClass = new () => object;
// Server code is loaded by path: deploy-tests (scope:tooling) may not import server libraries or apps.
const { EnvValidationError, parseEnv } = require(join(ROOT, 'libs/server-core/src')) as {
  EnvValidationError: new (...args: never[]) => Error & { problems: string[] };
  parseEnv(schema: EnvClass, env: Record<string, string | undefined>): object;
};
const SERVERS: Record<
  'api' | 'gateway',
  { envClass: EnvClass; source: string; configMap: string; secrets: string[] }
> = {
  api: {
    envClass: (require(join(ROOT, 'trackeep-api/src/config/api-env')) as { ApiEnv: EnvClass }).ApiEnv,
    source: 'trackeep-api/src/config/api-env.ts',
    configMap: 'trackeep-api-config',
    secrets: ['trackeep-api-secrets'],
  },
  gateway: {
    envClass: (require(join(ROOT, 'oauth-gateway/src/config/gateway-env')) as { GatewayEnv: EnvClass })
      .GatewayEnv,
    source: 'oauth-gateway/src/config/gateway-env.ts',
    configMap: 'trackeep-gateway-config',
    secrets: ['trackeep-gateway-secrets'],
  },
};

/** Variable names declared as properties of the env class. */
function declaredVariables(source: string): Set<string> {
  const text = readFileSync(join(ROOT, source), 'utf8');
  return new Set([...text.matchAll(/^ {2}([A-Z][A-Z0-9_]+)[!?]?\s*[:=]/gm)].map((m) => m[1]!));
}

function validate(server: keyof typeof SERVERS, env: Record<string, string>): string[] {
  try {
    parseEnv(SERVERS[server].envClass, env);
    return [];
  } catch (err) {
    if (err instanceof EnvValidationError) return err.problems;
    throw err;
  }
}

const envFile = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('deployment configuration', () => {
  let dir: string;
  let generated: Record<'api' | 'gateway', Record<string, string>>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trackeep-config-'));
    const run = spawnSync(
      process.execPath,
      [join(DOCKER_DIR, 'scripts', 'generate-secrets.mjs'), '--out', dir],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env['PATH'] ?? '',
          GITHUB_CLIENT_ID: 'Iv1.0123456789abcdef',
          GITHUB_CLIENT_SECRET: 'f'.repeat(40),
        },
      },
    );
    expect(run.status).toBe(0);
    generated = {
      api: envFile(readFileSync(join(dir, 'api.env'), 'utf8')),
      gateway: envFile(readFileSync(join(dir, 'gateway.env'), 'utf8')),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe.each(['dev', 'prod'])('Kubernetes overlay %s', (overlay) => {
    const objects = renderKustomization(join(K8S_DIR, 'overlays', overlay));
    const examples = parseManifests(readFileSync(join(K8S_DIR, 'examples', 'secrets.example.yaml'), 'utf8'));

    it.each(['api', 'gateway'] as const)(
      'gives the %s only variables it reads, and a complete valid environment',
      (server) => {
        const s = SERVERS[server];
        const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === s.configMap)?.[
          'data'
        ] as Record<string, string>;
        const secretKeys = examples
          .filter((e) => s.secrets.includes(e.metadata.name))
          .flatMap((e) => Object.keys(e['stringData'] as object));
        const known = declaredVariables(s.source);
        expect([...Object.keys(config), ...secretKeys].filter((name) => !known.has(name))).toEqual([]);
        // The Secret's keys filled with well-formed values, as an operator would.
        expect(secretKeys.filter((k) => generated[server][k] === undefined)).toEqual([]);
        const secrets = Object.fromEntries(secretKeys.map((k) => [k, generated[server][k]!]));
        expect(validate(server, { ...config, ...secrets })).toEqual([]);
      },
    );
  });

  describe('docker-compose.yml', () => {
    const compose = parse(readFileSync(join(DOCKER_DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    /** Compose's ${VAR:-default} with nothing set. */
    const defaults = (env: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1')]),
      );

    it.each(['api', 'gateway'] as const)(
      'gives the %s only variables it reads, and a complete valid environment',
      (server) => {
        const env = { ...generated[server], ...defaults(compose.services[server]!.environment ?? {}) };
        const known = declaredVariables(SERVERS[server].source);
        expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
        expect(validate(server, { NODE_ENV: 'production', ...env })).toEqual([]);
      },
    );

    it.each(['api', 'gateway'] as const)(
      'sets each %s variable in one place: an env file or `environment:`, never both',
      (server) => {
        const environment = Object.keys(compose.services[server]!.environment ?? {});
        expect(environment.filter((name) => name in generated[server])).toEqual([]);
      },
    );
  });

  it('catches a misspelt variable', () => {
    expect(declaredVariables(SERVERS.api.source).has('DATABASE_URL')).toBe(true);
    expect(declaredVariables(SERVERS.api.source).has('DATABSE_URL')).toBe(false);
    expect(validate('api', { DATABASE_URL: 'mysql://nope' })).not.toEqual([]);
  });
});
