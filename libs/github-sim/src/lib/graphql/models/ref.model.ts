import { nodeId } from '../../rest/serializers';
import type { SimRepo, SimTag } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, type Obj } from './gql-model';
import { pullState } from './pull-request.model';

/**
 * Ref: a branch (refs/heads/) with its target commit and the pull requests from it, or a tag (refs/tags/) whose
 * target is the commit (a lightweight tag) or a Tag object naming the commit (an annotated tag).
 */
export class RefModel extends GqlModel {
  of(repo: SimRepo, name: string, tip: string): Obj {
    const m = this.m;
    return {
      __typename: 'Ref',
      id: nodeId('Ref', `${repo.id}:refs/heads/${name}`),
      name,
      prefix: 'refs/heads/',
      repository: () => m.repository.of(repo),
      target: () => this.commit(repo, tip),
      compare: (a: { headRef: string }) => this.compare(repo, tip, a.headRef),
      associatedPullRequests: (a: PageArgs & { states?: string[] }) => {
        const pulls = this.w
          .detail(repo)
          .pulls.filter((p) => p.headRef === name && (!a.states || a.states.includes(pullState(p))));
        return listConnection(pulls, a, (p) => m.pullRequest.of(repo, p));
      },
    };
  }

  tag(repo: SimRepo, t: SimTag): Obj {
    const m = this.m;
    return {
      __typename: 'Ref',
      id: nodeId('Ref', `${repo.id}:refs/tags/${t.name}`),
      name: t.name,
      prefix: 'refs/tags/',
      repository: () => m.repository.of(repo),
      target: () => (t.annotation ? this.tagObject(repo, t) : this.commit(repo, t.sha)),
      compare: (a: { headRef: string }) => this.compare(repo, t.sha, a.headRef),
      associatedPullRequests: (a: PageArgs) => listConnection([], a, (x) => x),
    };
  }

  /** A ref by name: a full name is looked up where it says; a short one is a branch first, then a tag (GitHub's order). */
  byName(repo: SimRepo, qualifiedName: string): { obj: Obj; sha: string } | null {
    const d = this.w.detail(repo);
    const branch = (name: string) => {
      const b = d.branches.get(name);
      return b ? { obj: this.of(repo, b.name, b.tip), sha: b.tip } : null;
    };
    const tag = (name: string) => {
      const t = d.tags.get(name);
      return t ? { obj: this.tag(repo, t), sha: t.sha } : null;
    };
    const q = qualifiedName;
    if (q.startsWith('refs/heads/')) return branch(q.slice('refs/heads/'.length));
    if (q.startsWith('refs/tags/')) return tag(q.slice('refs/tags/'.length));
    if (q.startsWith('refs/')) return null;
    return branch(q) ?? tag(q);
  }

  /**
   * Comparison of this ref (the base) with `headRef`: `aheadBy` counts the head's commits the base lacks,
   * `behindBy` the base's the head lacks. Null when the head ref does not exist ("if the comparison can be made").
   */
  private compare(repo: SimRepo, baseSha: string, headRef: string): Obj | null {
    const head = this.byName(repo, headRef);
    if (!head) return null;
    const graph = this.w.graph(repo);
    const aheadBy = graph.countNotIn(head.sha, baseSha);
    const behindBy = graph.countNotIn(baseSha, head.sha);
    return {
      __typename: 'Comparison',
      id: nodeId('Comparison', `${repo.id}:${baseSha}...${head.sha}`),
      aheadBy,
      behindBy,
      status: aheadBy && behindBy ? 'DIVERGED' : aheadBy ? 'AHEAD' : behindBy ? 'BEHIND' : 'IDENTICAL',
      baseTarget: () => this.commit(repo, baseSha),
      headTarget: () => this.commit(repo, head.sha),
      // GitHub lists at most 250 of a comparison's commits, oldest first (as REST's compare does).
      commits: (a: PageArgs) => {
        const own = graph.ownCommits(head.sha, baseSha);
        return {
          ...listConnection(own, a, (c) => this.m.commit.of(repo, c)),
          totalCount: aheadBy,
          authorCount: new Set(own.map((c) => c.author.email)).size,
        };
      },
    };
  }

  private commit(repo: SimRepo, sha: string): Obj | null {
    const c = this.w.graph(repo).get(sha);
    return c ? this.m.commit.of(repo, c) : null;
  }

  /** An annotated tag's Tag object (a GitObject of its own). */
  private tagObject(repo: SimRepo, t: SimTag): Obj | null {
    const a = t.annotation;
    if (!a) return null;
    const full = this.w.fullName(repo);
    return {
      __typename: 'Tag',
      id: nodeId('Tag', `${repo.id}:${a.sha}`),
      oid: a.sha,
      abbreviatedOid: a.sha.slice(0, 7),
      name: t.name,
      message: a.message,
      tagger: this.m.commit.gitActor(a.tagger, a.taggedAt),
      target: () => this.commit(repo, t.sha),
      repository: () => this.m.repository.of(repo),
      commitUrl: `${this.c.urls.web}/${full}/commit/${t.sha}`,
      commitResourcePath: `/${full}/commit/${t.sha}`,
    };
  }
}
