import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAgainstSchema } from './support/k8s-schema';
import {
  DOCKER_DIR,
  K8S_DIR,
  parseManifests,
  podContainers,
  podSpec,
  renderKustomization,
  type K8sObject,
  type PodContainer,
} from './support/kustomize';

// Every overlay is rendered and every object is checked against the Kubernetes schema and against the
// properties an operator relies on. Workloads: the two server Deployments and their migration Jobs.

interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}
type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

const OVERLAYS = [
  { name: 'dev', namespace: 'trackeep-dev', minReplicas: 1 },
  { name: 'prod', namespace: 'trackeep', minReplicas: 2 },
];
const SERVERS = [
  { deployment: 'trackeep-api', service: 'trackeep-api', job: 'trackeep-api-migrate', host: 0 },
  { deployment: 'trackeep-gateway', service: 'trackeep-gateway', job: 'trackeep-gateway-migrate', host: 1 },
];

const spec = <T>(o: K8sObject) => o['spec'] as T;
/** The value, or a failed test naming what was missing. */
function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}
const selects = (selector: LabelSelector, labels: Record<string, string> = {}) =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector.matchExpressions ?? []).every((e) =>
    e.operator === 'In'
      ? e.values?.some((v) => v === labels[e.key])
      : e.operator === 'Exists'
        ? e.key in labels
        : false,
  );
const templateLabels = (o: K8sObject) =>
  (o['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const cpuMillis = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
const memBytes = (q: string) => {
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  return Number(m[1]) * (m[2] ? must(units[m[2]], `unit ${m[2]}`) : 1);
};

describe.each(OVERLAYS)('Kubernetes overlay $name', (overlay) => {
  const objects = renderKustomization(join(K8S_DIR, 'overlays', overlay.name));
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const get = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`${kind}/${name} is missing from overlay ${overlay.name}`);
    return found;
  };
  const workloads = objects.filter((o) => podSpec(o));
  const deployments = of('Deployment');

  it('validates every object against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThan(15);
    for (const o of objects) validateAgainstSchema(o);
  });

  it('puts every object in the overlay namespace with unique names per kind', () => {
    for (const o of objects)
      expect(`${o.kind}/${o.metadata.name}:${o.metadata.namespace}`).toBe(
        `${o.kind}/${o.metadata.name}:${overlay.namespace}`,
      );
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a Deployment and a migration Job for each server', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(SERVERS.map((s) => s.deployment).sort());
    expect(
      of('Job')
        .map((j) => j.metadata.name)
        .sort(),
    ).toEqual(SERVERS.map((s) => s.job).sort());
  });

  describe.each(['every workload container'])('%s', () => {
    const containers = workloads.flatMap((w) => podContainers(w).map((c) => ({ w, c })));

    it('sets CPU and memory requests and limits, requests not above limits', () => {
      expect(containers.length).toBe(4);
      for (const { w, c } of containers) {
        const r = c['resources'] as Resources;
        const where = `${w.kind}/${w.metadata.name}/${c.name}`;
        expect({
          where,
          cpu: r?.requests?.cpu,
          memory: r?.requests?.memory,
          cpuLimit: r?.limits?.cpu,
          memoryLimit: r?.limits?.memory,
        }).toEqual({
          where,
          cpu: expect.any(String),
          memory: expect.any(String),
          cpuLimit: expect.any(String),
          memoryLimit: expect.any(String),
        });
        expect(cpuMillis(must(r.requests?.cpu, 'cpu request'))).toBeLessThanOrEqual(
          cpuMillis(must(r.limits?.cpu, 'cpu limit')),
        );
        expect(memBytes(must(r.requests?.memory, 'memory request'))).toBeLessThanOrEqual(
          memBytes(must(r.limits?.memory, 'memory limit')),
        );
      }
    });

    it('runs as non-root on a read-only root filesystem, without privilege escalation or capabilities', () => {
      for (const { w, c } of containers) {
        const sc = c['securityContext'] as SecurityContext;
        const pod = podSpec(w) as {
          securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
        };
        const where = `${w.kind}/${w.metadata.name}/${c.name}`;
        expect({
          where,
          runAsNonRoot: sc?.runAsNonRoot,
          readOnlyRootFilesystem: sc?.readOnlyRootFilesystem,
          allowPrivilegeEscalation: sc?.allowPrivilegeEscalation,
          drop: sc?.capabilities?.drop,
          add: sc?.capabilities?.add,
        }).toEqual({
          where,
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          drop: ['ALL'],
          add: undefined,
        });
        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          runAsUser: expect.any(Number),
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      }
    });

    it('gives a writable /tmp as an emptyDir, the only writable path', () => {
      for (const { w, c } of containers) {
        const mounts = (c['volumeMounts'] as { name: string; mountPath: string; readOnly?: boolean }[]) ?? [];
        const volumes =
          (must(podSpec(w), 'pod spec')['volumes'] as {
            name: string;
            emptyDir?: object;
            secret?: object;
          }[]) ?? [];
        const tmp = mounts.find((m) => m.mountPath === '/tmp');
        expect(tmp && volumes.find((v) => v.name === tmp.name)?.emptyDir).toBeDefined();
        for (const m of mounts.filter((m) => m.mountPath !== '/tmp'))
          expect({ mount: m.mountPath, readOnly: m.readOnly }).toEqual({
            mount: m.mountPath,
            readOnly: true,
          });
      }
    });

    it('mounts no service account token', () => {
      for (const w of workloads)
        expect({
          w: w.metadata.name,
          automount: must(podSpec(w), 'pod spec')['automountServiceAccountToken'],
        }).toEqual({
          w: w.metadata.name,
          automount: false,
        });
    });

    it('reads configuration from ConfigMaps in the overlay and from the documented Secrets', () => {
      const exampleSecrets = parseManifests(
        readFileSync(join(K8S_DIR, 'examples', 'secrets.example.yaml'), 'utf8'),
      ).map((s) => s.metadata.name);
      for (const { c } of containers) {
        for (const from of (c['envFrom'] as {
          configMapRef?: { name: string };
          secretRef?: { name: string };
        }[]) ?? []) {
          if (from.configMapRef) expect(get('ConfigMap', from.configMapRef.name)).toBeDefined();
          if (from.secretRef) expect(exampleSecrets).toContain(from.secretRef.name);
        }
      }
    });
  });

  describe.each(SERVERS)('server $deployment', (server) => {
    const deployment = () => get('Deployment', server.deployment);
    const container = () => must(podContainers(deployment())[0], `${server.deployment} container`);
    const ports = (c: PodContainer) => (c['ports'] as { name: string; containerPort: number }[]) ?? [];

    it('has startup, liveness and readiness probes on /healthz and /readyz at a declared port', () => {
      const c = container();
      const probe = (name: string) => c[name] as Probe;
      expect(probe('startupProbe')?.httpGet?.path).toBe('/healthz');
      expect(probe('livenessProbe')?.httpGet?.path).toBe('/healthz');
      expect(probe('readinessProbe')?.httpGet?.path).toBe('/readyz');
      for (const name of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        expect(ports(c).map((p) => p.name)).toContain(must(probe(name).httpGet, name).port);
      // The startup probe gives a cold start (TLS to the database, module init) a minute before liveness applies.
      expect(
        (probe('startupProbe').periodSeconds ?? 10) * (probe('startupProbe').failureThreshold ?? 3),
      ).toBeGreaterThanOrEqual(60);
    });

    it('drains before it is killed: preStop pause plus shutdown timeout fit in the grace period', () => {
      const pod = must(podSpec(deployment()), 'pod spec');
      const c = container();
      const preStop = (c['lifecycle'] as { preStop?: { exec?: { command: string[] } } })?.preStop?.exec
        ?.command;
      expect(preStop?.[0]).toBe('sleep');
      const config = get('ConfigMap', `${server.deployment}-config`)['data'] as Record<string, string>;
      const shutdownSeconds = Number(config['SHUTDOWN_TIMEOUT_MS']) / 1000;
      expect(shutdownSeconds).toBeGreaterThan(0);
      expect(Number(must(preStop, 'preStop')[1]) + shutdownSeconds).toBeLessThan(
        pod['terminationGracePeriodSeconds'] as number,
      );
    });

    it('rolls out without dropping below the current capacity', () => {
      expect(spec<{ strategy: object }>(deployment()).strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
      });
    });

    it('leaves the replica count to a HorizontalPodAutoscaler with sane bounds', () => {
      expect(spec<{ replicas?: number }>(deployment()).replicas).toBeUndefined();
      const hpa = objects.filter(
        (o) =>
          o.kind === 'HorizontalPodAutoscaler' &&
          spec<{ scaleTargetRef: { name: string } }>(o).scaleTargetRef.name === server.deployment,
      );
      expect(hpa).toHaveLength(1);
      const s = spec<{
        scaleTargetRef: { kind: string; apiVersion: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: unknown[];
      }>(hpa[0]!);
      expect(s.scaleTargetRef).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1' });
      expect(s.minReplicas).toBeGreaterThanOrEqual(overlay.minReplicas);
      expect(s.maxReplicas).toBeGreaterThan(s.minReplicas);
      expect(s.metrics.length).toBeGreaterThan(0);
    });

    it('has a PodDisruptionBudget that selects its pods and still lets a node drain', () => {
      const pdbs = of('PodDisruptionBudget').filter((p) =>
        selects(spec<{ selector: LabelSelector }>(p).selector, templateLabels(deployment())),
      );
      expect(pdbs).toHaveLength(1);
      const s = spec<{ minAvailable?: number; maxUnavailable?: number }>(pdbs[0]!);
      const hpa = must(
        objects.find(
          (o) =>
            o.kind === 'HorizontalPodAutoscaler' &&
            spec<{ scaleTargetRef: { name: string } }>(o).scaleTargetRef.name === server.deployment,
        ),
        'HPA',
      );
      const minReplicas = spec<{ minReplicas: number }>(hpa).minReplicas;
      if (s.minAvailable !== undefined) expect(s.minAvailable).toBeLessThan(minReplicas);
      else expect(s.maxUnavailable).toBeGreaterThanOrEqual(1);
    });

    it('is reached through a Service whose selector and target port match the pods', () => {
      const svc = get('Service', server.service);
      const s = spec<{
        selector: Record<string, string>;
        ports: { name: string; port: number; targetPort: string }[];
      }>(svc);
      expect(selects({ matchLabels: s.selector }, templateLabels(deployment()))).toBe(true);
      for (const p of s.ports) expect(ports(container()).map((cp) => cp.name)).toContain(p.targetPort);
    });

    it('is migrated by a Job that runs migrate.js from the same image with the same configuration', () => {
      const job = get('Job', server.job);
      const jobSpec = spec<{
        backoffLimit: number;
        activeDeadlineSeconds: number;
        ttlSecondsAfterFinished: number;
      }>(job);
      const migrate = must(podContainers(job)[0], `${server.job} container`);
      expect(migrate.image).toBe(container().image);
      expect(migrate['command']).toEqual(['node', 'migrate.js']);
      expect(migrate['envFrom']).toEqual(container()['envFrom']);
      expect(must(podSpec(job), 'pod spec')['restartPolicy']).toBe('Never');
      expect(jobSpec.backoffLimit).toBeGreaterThan(0);
      expect(jobSpec.activeDeadlineSeconds).toBeGreaterThan(0);
      // The servers never migrate on their own: no replica races another over the schema.
      const config = get('ConfigMap', `${server.deployment}-config`)['data'] as Record<string, string>;
      expect(config['DB_MIGRATE_ON_START']).toBe('false');
    });

    it('lets the ingress controller reach it only on its HTTP port, and denies everything else by default', () => {
      const labels = templateLabels(deployment());
      const policies = of('NetworkPolicy').filter((p) =>
        selects(spec<{ podSelector: LabelSelector }>(p).podSelector, labels),
      );
      const denyAll = policies.filter((p) => {
        const s = spec<{ policyTypes: string[]; ingress?: unknown[]; egress?: unknown[] }>(p);
        return (
          s.policyTypes.includes('Ingress') && s.policyTypes.includes('Egress') && !s.ingress && !s.egress
        );
      });
      expect(denyAll).toHaveLength(1);
      const ingressRules = policies.flatMap(
        (p) =>
          spec<{
            ingress?: { from: { namespaceSelector?: LabelSelector }[]; ports: { port: string | number }[] }[];
          }>(p).ingress ?? [],
      );
      const fromIngressController = ingressRules.filter((r) =>
        r.from.some(
          (f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx',
        ),
      );
      expect(fromIngressController.length).toBeGreaterThan(0);
      for (const rule of ingressRules) expect(rule.ports.map((p) => p.port)).toEqual(['http']);
      const egress = policies
        .flatMap((p) => spec<{ egress?: { ports: { port: number }[] }[] }>(p).egress ?? [])
        .flatMap((r) => r.ports.map((p) => p.port));
      expect(egress).toEqual(expect.arrayContaining([53, 5432, 443]));
    });
  });

  describe('Ingress', () => {
    const ingress = () => get('Ingress', 'trackeep');
    type Rule = {
      host: string;
      http: {
        paths: {
          path: string;
          pathType: string;
          backend: { service: { name: string; port: { name: string } } };
        }[];
      };
    };
    const rules = () => spec<{ rules: Rule[] }>(ingress()).rules;
    /** The instance's host (first rule) and the gateway's (second). */
    const hosts = () => {
      const [instance, gateway] = rules();
      return {
        instance: must(instance, 'the instance ingress rule').host,
        gateway: must(gateway, 'the gateway ingress rule').host,
      };
    };
    /** The backend the ingress controller picks for a request: the longest matching Prefix path. */
    const route = (host: string, path: string) => {
      const rule = rules().find((r) => r.host === host);
      const matches = (rule?.http.paths ?? []).filter(
        (p) =>
          p.pathType === 'Prefix' &&
          (p.path === '/' || path === p.path || path.startsWith(`${p.path.replace(/\/$/, '')}/`)),
      );
      matches.sort((a, b) => b.path.length - a.path.length);
      return matches[0] && { path: matches[0].path, service: matches[0].backend.service.name };
    };

    it('routes the dashboard, the API, SSE and GitHub webhooks to the API, and the gateway host to the gateway', () => {
      const { instance, gateway } = hosts();
      expect(route(instance, '/')).toEqual({ path: '/', service: 'trackeep-api' });
      expect(route(instance, '/repos/octo/hello')).toEqual({ path: '/', service: 'trackeep-api' });
      expect(route(instance, '/api/v1/repos')).toEqual({ path: '/api', service: 'trackeep-api' });
      expect(route(instance, '/api/v1/events/stream')).toEqual({ path: '/api', service: 'trackeep-api' });
      expect(route(instance, '/api/v1/webhooks/github')).toEqual({
        path: '/api/v1/webhooks',
        service: 'trackeep-api',
      });
      expect(route(gateway, '/authorize')).toEqual({ path: '/', service: 'trackeep-gateway' });
      expect(route(gateway, '/.well-known/oauth-authorization-server')).toEqual({
        path: '/',
        service: 'trackeep-gateway',
      });
    });

    it('points every backend at an existing Service port and serves both hosts over TLS', () => {
      for (const rule of rules())
        for (const p of rule.http.paths) {
          const svc = get('Service', p.backend.service.name);
          expect(spec<{ ports: { name: string }[] }>(svc).ports.map((sp) => sp.name)).toContain(
            p.backend.service.port.name,
          );
        }
      const tlsHosts = spec<{ tls: { hosts: string[]; secretName: string }[] }>(ingress()).tls.flatMap(
        (t) => t.hosts,
      );
      expect(tlsHosts.sort()).toEqual(
        rules()
          .map((r) => r.host)
          .sort(),
      );
    });

    it('uses the same public hosts as the servers are configured with', () => {
      const { instance, gateway } = hosts();
      const api = get('ConfigMap', 'trackeep-api-config')['data'] as Record<string, string>;
      const gw = get('ConfigMap', 'trackeep-gateway-config')['data'] as Record<string, string>;
      expect(api['FRONTEND_URL']).toBe(`https://${instance}`);
      expect(api['PUBLIC_URL']).toBe(`https://${instance}`);
      expect(api['GATEWAY_URL']).toBe(`https://${gateway}`);
      expect(gw['SERVICE_DOMAIN']).toBe(`https://${gateway}`);
    });

    it("accepts webhook bodies up to GitHub's 25 MB", () => {
      expect(ingress().metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('25m');
    });
  });

  it('pulls images by an explicit tag, never `latest`', () => {
    for (const w of workloads)
      for (const c of podContainers(w)) {
        expect(c.image).toMatch(/^[a-z0-9./-]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
        expect(c.image).not.toMatch(/:latest$/);
        if (overlay.name === 'prod') expect(c.image).toMatch(/:\d+\.\d+\.\d+$|@sha256:/);
      }
  });
});

describe('one home for each variable', () => {
  const secrets = parseManifests(readFileSync(join(K8S_DIR, 'examples', 'secrets.example.yaml'), 'utf8'));
  const secretKeys = (name: string) =>
    Object.keys(
      must(
        secrets.find((s) => s.metadata.name === name),
        `Secret ${name}`,
      )['stringData'] as object,
    );

  it.each(OVERLAYS)(
    'overlay $name: no variable of a container comes from two places (ConfigMap, Secret, env)',
    (overlay) => {
      const objects = renderKustomization(join(K8S_DIR, 'overlays', overlay.name));
      const configMap = (name: string) =>
        Object.keys(
          must(
            objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name),
            `ConfigMap ${name}`,
          )['data'] as object,
        );
      const doubled: string[] = [];
      for (const workload of objects.filter((o) => podSpec(o)))
        for (const c of podContainers(workload)) {
          const homes = new Map<string, string[]>();
          const add = (name: string, home: string) => homes.set(name, [...(homes.get(name) ?? []), home]);
          for (const from of (c['envFrom'] as {
            configMapRef?: { name: string };
            secretRef?: { name: string };
          }[]) ?? []) {
            if (from.configMapRef)
              for (const key of configMap(from.configMapRef.name))
                add(key, `ConfigMap ${from.configMapRef.name}`);
            if (from.secretRef)
              for (const key of secretKeys(from.secretRef.name)) add(key, `Secret ${from.secretRef.name}`);
          }
          for (const e of (c['env'] as { name: string }[]) ?? []) add(e.name, 'env');
          for (const [name, where] of homes)
            if (where.length > 1)
              doubled.push(`${workload.metadata.name}/${c.name}: ${name} in ${where.join(' and ')}`);
        }
      expect(doubled).toEqual([]);
    },
  );

  it("creates the Secrets from generator files holding exactly the example Secrets' keys (secrets only)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'trackeep-homes-'));
    try {
      const run = spawnSync(
        process.execPath,
        [join(DOCKER_DIR, 'scripts', 'generate-secrets.mjs'), '--out', dir],
        {
          encoding: 'utf8',
          env: { PATH: process.env['PATH'] ?? '', GATEWAY_CLIENT_ID: 'trackeep' },
        },
      );
      expect(run.status).toBe(0);
      // docker/README.md: kubectl create secret generic <name> --from-env-file=<file>
      for (const [file, secret] of [
        ['api.env', 'trackeep-api-secrets'],
        ['gateway.env', 'trackeep-gateway-secrets'],
      ] as const) {
        const keys = readFileSync(join(dir, file), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.slice(0, line.indexOf('=')));
        expect({ file, keys: keys.sort() }).toEqual({ file, keys: secretKeys(secret).sort() });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Secret examples', () => {
  const secrets = parseManifests(readFileSync(join(K8S_DIR, 'examples', 'secrets.example.yaml'), 'utf8'));

  it('are valid Secrets holding placeholders only', () => {
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual([
      'trackeep-api-github-app',
      'trackeep-api-secrets',
      'trackeep-gateway-files',
      'trackeep-gateway-secrets',
    ]);
    for (const s of secrets) {
      validateAgainstSchema(s);
      expect(s['data']).toBeUndefined();
      for (const [key, value] of Object.entries(s['stringData'] as Record<string, string>))
        expect({ key, placeholder: value.includes('REPLACE_ME') }).toEqual({ key, placeholder: true });
    }
  });

  it('are not part of any kustomization, so applying an overlay never overwrites real Secrets', () => {
    for (const overlay of OVERLAYS)
      expect(
        renderKustomization(join(K8S_DIR, 'overlays', overlay.name)).filter((o) => o.kind === 'Secret'),
      ).toEqual([]);
  });

  it('provide the file names the gateway configuration points at', () => {
    const gateway = renderKustomization(join(K8S_DIR, 'overlays', 'prod'));
    const byName = (objects: K8sObject[], name: string) =>
      must(
        objects.find((o) => o.metadata.name === name && o.kind !== 'Service'),
        name,
      );
    const files = byName(secrets, 'trackeep-gateway-files')['stringData'] as Record<string, string>;
    const config = byName(gateway, 'trackeep-gateway-config')['data'] as Record<string, string>;
    const mounts = must(podContainers(byName(gateway, 'trackeep-gateway'))[0], 'gateway container')[
      'volumeMounts'
    ] as {
      name: string;
      mountPath: string;
    }[];
    const mount = must(
      mounts.find((m) => m.name === 'gateway-files'),
      'gateway-files mount',
    );
    expect(config['GATEWAY_SIGNING_KEYS_FILE']).toBe(`${mount.mountPath}/signing-keys.json`);
    expect(config['GATEWAY_CLIENTS_FILE']).toBe(`${mount.mountPath}/clients.json`);
    expect(Object.keys(files).sort()).toEqual(['clients.json', 'signing-keys.json']);
  });
});
