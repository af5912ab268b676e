import { GraphQLError } from 'graphql';
import { oauthAppPolicyMessage, SSO_MESSAGE, type FaultInjector } from '../../http/faults';
import type { InstallationAuth } from '../../http/app-auth';
import { canSee } from '../../rest/access';
import type { Urls } from '../../rest/serializers';
import type { SimWorld } from '../../world/sim-world';
import type { RepoPermission, SimRepo } from '../../world/world.types';
import { typedError } from '../connection';
import type { GqlModels } from '../gql-models';

/** Per-request state the resolvers share. */
export interface GqlContext {
  world: SimWorld;
  /** 0 for an installation token (no user). */
  viewerId: number;
  scopes: string[];
  installation?: InstallationAuth;
  userApp?: number | null;
  urls: Urls;
  rateLimit: {
    cost: number;
    limit: number;
    nodeCount: number;
    remaining: number;
    resetAt: string;
    used: number;
  };
  faults?: FaultInjector;
  viewerLogin?: string;
  /** Objects whose faulted figure was resolved so far in this request (graphqlPartial's everyN). */
  partialSeen?: number;
}

/** A GraphQL object: plain values, or functions the field resolver calls with the field's arguments. */
export type Obj = Record<string, unknown>;
export type OrderArg = { field: string; direction: 'ASC' | 'DESC' } | null | undefined;

export const PERMISSION_ENUM: Record<RepoPermission, string> = {
  admin: 'ADMIN',
  maintain: 'MAINTAIN',
  push: 'WRITE',
  triage: 'TRIAGE',
  pull: 'READ',
};

const FIGURE_LABEL: Record<string, string> = {
  additions: 'additions',
  deletions: 'deletions',
  changedFiles: 'changed files',
};

/**
 * The base of each GraphQL type's model: the request's context, the other types' models (objects link to
 * each other) and the visibility and fault rules every type applies the same way.
 */
export abstract class GqlModel {
  constructor(protected readonly m: GqlModels) {}

  protected get c(): GqlContext {
    return this.m.context;
  }

  protected get w(): SimWorld {
    return this.m.context.world;
  }

  visible(repo: SimRepo): boolean {
    const c = this.c;
    return canSee(
      this.w,
      { viewerId: c.viewerId, scopes: c.scopes, installation: c.installation, userApp: c.userApp },
      repo,
    );
  }

  /** An organization policy or notFound fault on this repository, as GitHub's GraphQL API reports it. */
  blockError(repo: SimRepo, asked: string): GraphQLError | null {
    const b = this.c.faults?.repoBlock(this.w, repo, this.c.viewerLogin ?? null);
    if (!b) return null;
    if (b.kind === 'notFound')
      return typedError('NOT_FOUND', `Could not resolve to a Repository with the name '${asked}'.`);
    // GitHub's SSO answer (quoted in fwouts/prmonitor#1042): FORBIDDEN with extensions.saml_failure, the field
    // nulled, HTTP 200.
    if (b.kind === 'sso')
      return new GraphQLError(SSO_MESSAGE, { extensions: { type: 'FORBIDDEN', saml_failure: true } });
    return typedError('FORBIDDEN', oauthAppPolicyMessage(b.org));
  }

  /** A figure GitHub may fail to compute (graphqlPartial): a non-null field whose error nulls its object. */
  protected figure(
    repo: SimRepo,
    kind: 'commit' | 'pull request',
    field: 'additions' | 'deletions' | 'changedFiles',
    value: number,
  ): number | (() => number) {
    const f = this.c.faults?.partialFor(this.w.fullName(repo), this.c.viewerLogin ?? '');
    if (!f || f.field !== field) return value;
    return () => {
      const n = this.c.partialSeen ?? 0;
      this.c.partialSeen = n + 1;
      if (n % f.everyN !== 0 || !f.take()) return value;
      throw new GraphQLError(`The ${FIGURE_LABEL[field]} count for this ${kind} is unavailable.`);
    };
  }
}

/** Sorts by the `orderBy` field's key (schema enums only reach here), else by the fallback's. */
export function sortBy<T, K extends string>(
  items: T[],
  order: OrderArg,
  keys: Record<K, (t: T) => number | string>,
  fallback: NoInfer<K>,
): T[] {
  const byField: Partial<Record<string, (t: T) => number | string>> = keys;
  const key = byField[order?.field ?? fallback] ?? keys[fallback];
  const dir = order?.direction === 'DESC' ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * dir;
  });
}

export function notSimulated(what: string): Error {
  return typedError(
    'NOT_SIMULATED',
    `github-sim does not simulate ${what} yet (the query is valid against GitHub's schema).`,
  );
}
