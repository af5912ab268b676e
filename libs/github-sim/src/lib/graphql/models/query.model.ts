import { GraphQLError } from 'graphql';
import { decodeNodeId } from '../../rest/serializers';
import type { SimRepo } from '../../world/world.types';
import { typedError } from '../connection';
import { GqlModel, notSimulated, type Obj } from './gql-model';

/** The Query root: viewer, lookups by name, global node ids, and RateLimit (the request's own figures). */
export class QueryModel extends GqlModel {
  root(): Obj {
    const w = this.w;
    const m = this.m;
    return {
      viewer: () => {
        const u = w.users.get(this.c.viewerId);
        // An installation token has no user behind it.
        if (!u) throw typedError('FORBIDDEN', 'Resource not accessible by integration');
        return m.user.of(u);
      },
      repository: (a: { owner: string; name: string; followRenames?: boolean }) => {
        const repo =
          w.repo(a.owner, a.name) ?? (a.followRenames === false ? undefined : w.movedRepo(a.owner, a.name));
        if (!repo || !this.visible(repo))
          throw typedError(
            'NOT_FOUND',
            `Could not resolve to a Repository with the name '${a.owner}/${a.name}'.`,
          );
        const blocked = this.blockError(repo, `${a.owner}/${a.name}`);
        if (blocked) throw blocked;
        return m.repository.of(repo);
      },
      user: (a: { login: string }) => {
        const u = w.user(a.login);
        if (!u) throw typedError('NOT_FOUND', `Could not resolve to a User with the login of '${a.login}'.`);
        return m.user.of(u);
      },
      organization: (a: { login: string }) => {
        const o = w.org(a.login);
        if (!o)
          throw typedError(
            'NOT_FOUND',
            `Could not resolve to an Organization with the login of '${a.login}'.`,
          );
        return m.organization.of(o);
      },
      repositoryOwner: (a: { login: string }) => {
        const u = w.user(a.login);
        if (u) return m.user.of(u);
        const o = w.org(a.login);
        return o ? m.organization.of(o) : null;
      },
      node: (a: { id: string }) => {
        const n = this.node(a.id);
        if (n instanceof GraphQLError) throw n;
        if (!n) throw typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${a.id}'`);
        return n;
      },
      nodes: (a: { ids: string[] }) => {
        if (a.ids.length > 100)
          throw typedError('EXCESSIVE_PAGINATION', 'You may not request more than 100 node IDs at once.');
        return a.ids.map(
          (id) =>
            this.node(id) ??
            typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`),
        );
      },
      rateLimit: () => ({ __typename: 'RateLimit', ...this.c.rateLimit }),
      search: () => {
        throw notSimulated('Query.search');
      },
    };
  }

  /**
   * Resolve a global node id (legacy base64 format) that the viewer may see. Objects of a repository hidden by a
   * fault come back as the error GitHub reports for them (FORBIDDEN for org policies, NOT_FOUND for notFound).
   */
  node(id: string): Obj | GraphQLError | null {
    const n = this.nodeOf(id);
    if (!n) return null;
    const blocked = n.repo ? this.blockError(n.repo, this.w.fullName(n.repo)) : null;
    if (blocked?.extensions['type'] === 'NOT_FOUND')
      return typedError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
    return blocked ?? n.obj;
  }

  private nodeOf(id: string): { obj: Obj; repo?: SimRepo } | null {
    const d = decodeNodeId(id);
    if (!d) return null;
    const w = this.w;
    const m = this.m;
    const num = Number(d.key);
    switch (d.type) {
      case 'Repository': {
        const r = w.repos.get(num);
        return r && this.visible(r) ? { obj: m.repository.of(r), repo: r } : null;
      }
      case 'User': {
        const u = w.users.get(num);
        return u ? { obj: m.user.of(u) } : null;
      }
      case 'Organization': {
        const o = w.orgs.get(num);
        return o ? { obj: m.organization.of(o) } : null;
      }
      case 'Commit': {
        const [repoId, sha] = d.key.split(':');
        const r = w.repos.get(Number(repoId));
        const commit = r && sha !== undefined && this.visible(r) ? w.graph(r).get(sha) : undefined;
        return r && commit ? { obj: m.commit.of(r, commit), repo: r } : null;
      }
      case 'PullRequest':
      case 'Issue': {
        for (const r of w.repos.values()) {
          if (!r.detail || !this.visible(r)) continue;
          if (d.type === 'PullRequest') {
            const p = r.detail.pulls.find((x) => x.id === num);
            if (p) return { obj: m.pullRequest.of(r, p), repo: r };
          } else {
            const i = r.detail.issues.find((x) => x.id === num);
            if (i) return { obj: m.issue.of(r, i), repo: r };
          }
        }
        return null;
      }
      case 'Deployment':
      case 'DeploymentStatus': {
        // Only repositories whose details exist can hold one (an id came from somewhere that read them).
        for (const r of w.repos.values()) {
          if (!r.detail || !this.visible(r)) continue;
          for (const dep of r.detail.deployments ?? []) {
            if (d.type === 'Deployment' && dep.id === num) return { obj: m.deployment.of(r, dep), repo: r };
            const s = d.type === 'DeploymentStatus' ? dep.statuses.find((x) => x.id === num) : undefined;
            if (s) return { obj: m.deployment.status(r, dep, s), repo: r };
          }
        }
        return null;
      }
      case 'Team': {
        for (const o of w.orgs.values()) {
          const t = o.teams.find((x) => x.id === num);
          if (t && o.members.has(this.c.viewerId)) return { obj: m.team.of(o, t) };
        }
        return null;
      }
      default:
        return null;
    }
  }
}
