import { nodeId } from '../../rest/serializers';
import type { SimRepo } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, type Obj } from './gql-model';
import { pullState } from './pull-request.model';

/** Ref: a branch (refs/heads/) with its target commit and the pull requests from it. */
export class RefModel extends GqlModel {
  of(repo: SimRepo, name: string, tip: string): Obj {
    const m = this.m;
    return {
      __typename: 'Ref',
      id: nodeId('Ref', `${repo.id}:refs/heads/${name}`),
      name,
      prefix: 'refs/heads/',
      repository: () => m.repository.of(repo),
      target: () => {
        const c = this.w.graph(repo).get(tip);
        return c ? m.commit.of(repo, c) : null;
      },
      associatedPullRequests: (a: PageArgs & { states?: string[] }) => {
        const pulls = this.w
          .detail(repo)
          .pulls.filter((p) => p.headRef === name && (!a.states || a.states.includes(pullState(p))));
        return listConnection(pulls, a, (p) => m.pullRequest.of(repo, p));
      },
    };
  }
}
