import { iso, nodeId } from '../../rest/serializers';
import type { SimRelease, SimRepo, SimUser } from '../../world/world.types';
import { listConnection, type PageArgs } from '../connection';
import { GqlModel, sortBy, type Obj, type OrderArg } from './gql-model';

/** Release: tag, flags, times, author and the tagged commit. */
export class ReleaseModel extends GqlModel {
  of(repo: SimRepo, r: SimRelease): Obj {
    const m = this.m;
    const w = this.w;
    const full = w.fullName(repo);
    const latest = [...w.detail(repo).releases]
      .filter((x) => !x.draft && !x.prerelease)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    return {
      __typename: 'Release',
      id: nodeId('Release', r.id),
      databaseId: r.id,
      tagName: r.tagName,
      name: r.name,
      description: null,
      isDraft: r.draft,
      isPrerelease: r.prerelease,
      isLatest: latest?.id === r.id,
      createdAt: iso(r.createdAt),
      publishedAt: r.publishedAt === null ? null : iso(r.publishedAt),
      updatedAt: iso(r.updatedAt),
      url: `${this.c.urls.web}/${full}/releases/tag/${encodeURIComponent(r.tagName)}`,
      resourcePath: `/${full}/releases/tag/${encodeURIComponent(r.tagName)}`,
      author: () => m.user.of(w.users.get(r.authorId) as SimUser),
      repository: () => m.repository.of(repo),
      tag: () => {
        const t = w.detail(repo).tags.get(r.tagName);
        return t ? m.ref.tag(repo, t) : null;
      },
      tagCommit: () => {
        const c = w.graph(repo).get(r.sha);
        return c ? m.commit.of(repo, c) : null;
      },
      releaseAssets: (a: PageArgs) => listConnection([], a, (x) => x),
    };
  }

  /** Repository.releases, by creation (GitHub's default order is by creation, newest first) or by name. */
  connection(repo: SimRepo, a: PageArgs & { orderBy?: OrderArg }) {
    const order = a.orderBy ?? { field: 'CREATED_AT', direction: 'DESC' };
    const sorted = sortBy(
      this.w.detail(repo).releases,
      order,
      { CREATED_AT: (r) => r.createdAt * 1e4 + (r.id % 1e4), NAME: (r) => r.name },
      'CREATED_AT',
    );
    return listConnection(sorted, a, (r) => this.of(repo, r));
  }
}
