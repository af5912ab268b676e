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
      associatedPullRequests: (a: PageArgs) => listConnection([], a, (x) => x),
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
