import type { SimWorld } from './world/sim-world';

/** Size knobs of the generated world. Every value is a count unless named otherwise. */
export interface SimSizes {
  /** Simulated users besides the well-known ones (octocat, hubot, monalisa). */
  users: number;
  /** Organisations (each gets teams and members). */
  orgs: number;
  /** Repositories per owner (per org, and for octocat). */
  reposPerOwner: number;
  /** Repositories for each of the other users (usually small). */
  reposPerUser: number;
  /** Commits on the default branch of each repository (generated lazily, never held in memory). */
  commitsPerRepo: number;
  /** Branches per repository, including the default branch. */
  branchesPerRepo: number;
  /** Pull requests per repository, in every state (open, closed, merged). */
  pullsPerRepo: number;
  /** Reviews per pull request (upper bound; the generator varies it). */
  reviewsPerPull: number;
  /** Issues per repository (open and closed). */
  issuesPerRepo: number;
  /** Stargazers per repository (upper bound; bounded by the number of users). */
  starsPerRepo: number;
  /** Forks per repository counted in forks_count/forkCount. */
  forksPerRepo: number;
  /** Top-level teams per organisation. */
  teamsPerOrg: number;
  /** Child teams nested under each visible top-level team (0 when absent). */
  subteamsPerTeam?: number;
  /** Days of history the generated commits span, ending at `now`. */
  historyDays: number;
}

export type SimPreset = 'demo' | 'small' | 'bench' | 'large';

export interface FaultConfig {
  /** Added to every API response (OAuth, REST, GraphQL), in ms; a range picks uniformly (seeded). */
  latencyMs?: number | { min: number; max: number };
  /** Probability (0..1) that an API request fails with `errorStatus` (seeded, reproducible). */
  errorRate?: number;
  /** Status for injected errors: 502 (default) or 500, 503, 504. */
  errorStatus?: 500 | 502 | 503 | 504;
  /** The next N API requests fail with `errorStatus` (deterministic, counts down). */
  failNext?: number;
  /** A GraphQL query that could return more than this many nodes answers 502 like GitHub's timeouts. */
  graphqlMaxNodes?: number;
  /** Secondary rate limit: answer 403 + Retry-After. `true` = every request; `everyN` = every N-th request. */
  secondaryRateLimit?: boolean | { everyN?: number; retryAfterSec?: number; status?: 403 | 429 };
  /** Exhaust the primary limit of a resource now (remaining = 0 until the window resets). */
  exhaustPrimary?: boolean | 'rest' | 'graphql';
  /** Only apply latency/errors/secondary limits to paths matching this regular expression (source string). */
  pathPattern?: string;
  /** GraphQL partial results: the figure errors on Commit/PullRequest objects, which nulls the object (HTTP 200). */
  graphqlPartial?: {
    field: 'additions' | 'deletions' | 'changedFiles';
    repos?: string[];
    users?: string[];
    everyN?: number;
    count?: number;
  };
  /** GraphQL rate-limit answers in either of GitHub's shapes, before the query runs. */
  graphqlRateLimit?: {
    shape: 'RATE_LIMITED' | 'RATE_LIMIT';
    status?: 200 | 403;
    users?: string[];
    count?: number;
  };
  /** SAML SSO enforcement on an organization's repositories (REST 403 + X-GitHub-SSO, GraphQL FORBIDDEN). */
  sso?: { org: string; users?: string[] };
  /** OAuth App access restrictions on an organization (REST 403 naming it, GraphQL FORBIDDEN). */
  oauthAppPolicy?: { org: string; users?: string[] };
  /** GraphQL 200 with `data: null` and GitHub's "Something went wrong … timeout" error. */
  graphqlTimeout?: { everyN?: number; count?: number };
  /** These repositories answer 404 / NOT_FOUND by name (still reachable as /repositories/{id} unless byId). */
  notFound?: { repos: string[]; users?: string[]; byId?: boolean };
  /** Link headers of /repos/{o}/{r}/… lists point at /repositories/{id}/… as GitHub does for some lists. */
  linkStyle?: 'repos' | 'repositories';
}

/** A fault that hides or blocks a repository from one user, as GitHub reports it. */
export type RepoBlock =
  | { kind: 'sso'; org: string; orgId: number }
  | { kind: 'oauthAppPolicy'; org: string }
  | { kind: 'notFound' };

export interface GithubSimOptions {
  /** 0 = random free port (default 0); host 127.0.0.1. */
  port?: number;
  host?: string;
  preset?: SimPreset;
  sizes?: Partial<SimSizes>;
  seed?: number;
  /** Anchor of generated timestamps (default: start of the current UTC hour). Fix it for byte-stable worlds. */
  now?: Date | string | number;
  /** Registered OAuth apps (DEMO_OAUTH_APP is always registered). callbackUrl is optional: without it any http(s) redirect_uri is accepted. */
  oauthApps?: Array<{ clientId: string; clientSecret: string; name?: string; callbackUrl?: string }>;
  /** Webhook URL of the demo GitHub App (DEMO_GITHUB_APP); it can also be set with `PATCH /app/hook/config`. */
  githubAppWebhookUrl?: string;
  /** Setup URL of the demo GitHub App: where its install page sends the browser (`?installation_id=…&setup_action=install`). */
  githubAppSetupUrl?: string;
  /** Headless tests: /login/oauth/authorize approves this user at once (no page). */
  autoApproveLogin?: string;
  /** Enable /_sim/* (default true from the library; the CLI enables it with --demo/--control). */
  controlApi?: boolean;
  faults?: FaultConfig;
  /**
   * Primary limits per hour: default 5000 REST requests / 5000 GraphQL points.
   * Secondary limits (GitHub's documented defaults): 100 concurrent requests, 900 REST points/min
   * (GET 1, writes 5), 2000 GraphQL points/min. `secondary: false` turns them off.
   */
  rateLimit?: {
    rest?: number;
    graphql?: number;
    /**
     * `graphqlMinuteCharge`: 'documented' (default) counts a query as 1 point (a mutation 5) toward the 2,000/min,
     * as GitHub documents; 'queryCost' charges each query's full point cost (the simulator's former behaviour).
     */
    secondary?:
      | boolean
      | {
          concurrency?: number;
          restPointsPerMinute?: number;
          graphqlPointsPerMinute?: number;
          graphqlMinuteCharge?: 'documented' | 'queryCost';
        };
  };
  /** Demo "live" mode: something happens every intervalMs (default 5000). */
  live?: boolean | { intervalMs: number };
  /** Log one line per request to stderr. */
  log?: boolean;
  /**
   * Keep the world in this file: loaded at start when it exists, saved (atomically, 0600) a second after
   * changes and on stop. Unset (tests, benchmarks): the world lives in memory only.
   */
  worldFile?: string;
}

export interface SimStats {
  startedAt: string;
  rest: {
    requests: number;
    notModified: number;
    byRoute: Record<string, number>;
    /** 304s per route: what a conditional request saved, told apart from other clients' traffic. */
    notModifiedByRoute: Record<string, number>;
    byStatus: Record<string, number>;
  };
  graphql: { queries: number; points: number; errors: number; nodesRequested: number };
  oauth: { authorizations: number; tokensIssued: number; tokenErrors: number };
  /**
   * GitHub Apps: installation tokens created through the REST API (per installation id, e.g. to assert that two
   * replicas refreshed once), user-token refreshes and refused refresh tokens, JWTs refused.
   */
  apps: {
    installationTokens: number;
    installationTokensByInstallation: Record<string, number>;
    userTokenRefreshes: number;
    refreshErrors: number;
    jwtRejections: number;
  };
  rateLimit: { primaryRejections: number; secondaryRejections: number };
  faults: { injectedErrors: number; injectedLatencyMs: number };
  webhooks: { deliveries: number; failures: number };
  world: {
    users: number;
    orgs: number;
    repos: number;
    commits: number;
    pulls: number;
    issues: number;
    hooks: number;
    tokens: number;
  };
  memory: { rssMb: number; heapUsedMb: number };
}

export interface GithubSimHandle {
  /** Web origin (OAuth pages) — also the REST base, as on github.com ("api at root"). */
  url: string;
  /** REST base, same as url; `${url}/api/v3` works too (GHES style). */
  apiUrl: string;
  /** `${url}/graphql` (also served at `${url}/api/graphql`). */
  graphqlUrl: string;
  port: number;
  stop(): Promise<void>;
  world: SimWorld;
  issueToken(login: string, scopes?: string[]): string;
  setFaults(f: FaultConfig): void;
  stats(): SimStats;
  reset(): void;
}
