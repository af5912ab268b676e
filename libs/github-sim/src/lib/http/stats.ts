import type { SimStats } from '../sim.types';
import type { SimWorld } from '../world/sim-world';

type Counters = Omit<SimStats, 'world' | 'memory'>;

/** Counts what clients cost GitHub: requests per route, 304s, GraphQL points, rejections. */
export class StatsRecorder {
  data: Counters = StatsRecorder.empty();

  static empty(): Counters {
    return {
      startedAt: new Date().toISOString(),
      rest: { requests: 0, notModified: 0, byRoute: {}, notModifiedByRoute: {}, byStatus: {} },
      graphql: { queries: 0, points: 0, errors: 0, nodesRequested: 0 },
      oauth: { authorizations: 0, tokensIssued: 0, tokenErrors: 0 },
      apps: {
        installationTokens: 0,
        installationTokensByInstallation: {},
        userTokenRefreshes: 0,
        refreshErrors: 0,
        jwtRejections: 0,
      },
      rateLimit: { primaryRejections: 0, secondaryRejections: 0 },
      faults: { injectedErrors: 0, injectedLatencyMs: 0 },
      webhooks: { deliveries: 0, failures: 0 },
    };
  }

  restRequest(route: string, status: number): void {
    this.data.rest.requests++;
    this.data.rest.byRoute[route] = (this.data.rest.byRoute[route] ?? 0) + 1;
    this.data.rest.byStatus[String(status)] = (this.data.rest.byStatus[String(status)] ?? 0) + 1;
    if (status === 304) {
      this.data.rest.notModified++;
      this.data.rest.notModifiedByRoute[route] = (this.data.rest.notModifiedByRoute[route] ?? 0) + 1;
    }
  }

  installationToken(installationId: number): void {
    const by = this.data.apps.installationTokensByInstallation;
    this.data.apps.installationTokens++;
    by[String(installationId)] = (by[String(installationId)] ?? 0) + 1;
  }

  reset(): void {
    this.data = StatsRecorder.empty();
  }

  snapshot(world: SimWorld): SimStats {
    let pulls = 0;
    let issues = 0;
    let hooks = 0;
    for (const r of world.repos.values()) {
      hooks += r.hooks.length;
      if (r.detail) {
        pulls += r.detail.pulls.length;
        issues += r.detail.issues.length;
      } else {
        pulls += world.sizes.pullsPerRepo;
        issues += world.sizes.issuesPerRepo;
      }
    }
    const mem = process.memoryUsage();
    return {
      ...structuredClone(this.data),
      world: {
        users: world.users.size,
        orgs: world.orgs.size,
        repos: [...world.repos.values()].filter((r) => !r.deleted).length,
        commits: world.commitCount(),
        pulls,
        issues,
        hooks,
        tokens: world.tokens.size,
      },
      memory: { rssMb: Math.round(mem.rss / 1048576), heapUsedMb: Math.round(mem.heapUsed / 1048576) },
    };
  }
}
