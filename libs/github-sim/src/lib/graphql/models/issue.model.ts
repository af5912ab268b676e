import { iso, nodeId } from '../../rest/serializers';
import type { SimIssue, SimRepo, SimUser } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, type Obj } from './gql-model';

/** Issue: state with its reason, labels, and comment counts (comment bodies are not simulated). */
export class IssueModel extends GqlModel {
  of(repo: SimRepo, i: SimIssue): Obj {
    const w = this.w;
    const m = this.m;
    const full = w.fullName(repo);
    return {
      __typename: 'Issue',
      id: nodeId('Issue', i.id),
      databaseId: i.id,
      number: i.number,
      title: i.title,
      body: i.body,
      bodyText: i.body,
      state: i.state.toUpperCase(),
      stateReason: i.stateReason ? i.stateReason.toUpperCase() : null,
      closed: i.state === 'closed',
      closedAt: i.closedAt ? iso(i.closedAt) : null,
      createdAt: iso(i.createdAt),
      updatedAt: iso(i.updatedAt),
      url: `${this.c.urls.web}/${full}/issues/${i.number}`,
      resourcePath: `/${full}/issues/${i.number}`,
      author: () => m.user.of(w.users.get(i.authorId) as SimUser),
      repository: () => m.repository.of(repo),
      labels: (a: PageArgs) => m.label.connection(repo, i.labels, a),
      comments: (a: PageArgs) => ({ ...listConnection([], a, (x) => x), totalCount: i.comments }),
      assignees: (a: PageArgs) => listConnection([], a, (x) => x),
    };
  }
}
