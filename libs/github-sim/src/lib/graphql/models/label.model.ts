import { nodeId } from '../../rest/serializers';
import type { SimRepo } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, type Obj } from './gql-model';

/** Label, by name within a repository (pull requests and issues hold label names). */
export class LabelModel extends GqlModel {
  of(repo: SimRepo, name: string): Obj | null {
    const l = this.w.detail(repo).labels.find((x) => x.name === name);
    if (!l) return null;
    return {
      __typename: 'Label',
      id: nodeId('Label', l.id),
      name: l.name,
      color: l.color,
      description: l.description,
      isDefault: l.default,
      url: `${this.c.urls.web}/${this.w.fullName(repo)}/labels/${encodeURIComponent(l.name)}`,
    };
  }

  /** The labels of a pull request or issue; names the repository no longer has are left out. */
  connection(repo: SimRepo, names: string[], a: PageArgs) {
    return listConnection(
      names.map((n) => this.of(repo, n)).filter((l): l is Obj => l !== null),
      a,
      (l) => l,
    );
  }
}
