import { iso, nodeId } from '../../rest/serializers';
import { forksOf } from '../../world/forks';
import type { SimOrg, SimRepo, SimUser } from '../../world/world.types';
import { listConnection, typedError, type PageArgs } from '../connection';
import { GqlModel, type Obj, type OrderArg, PERMISSION_ENUM, sortBy } from './gql-model';
import { pullState } from './pull-request.model';

const LANGUAGE_COLORS: Record<string, string> = {
  TypeScript: '#3178c6',
  Go: '#00ADD8',
  Python: '#3572A5',
  Rust: '#dea584',
  Java: '#b07219',
  Ruby: '#701516',
  JavaScript: '#f1e05a',
  HCL: '#844FBA',
  HTML: '#e34c26',
  CSS: '#663399',
  Shell: '#89e051',
  Makefile: '#427819',
  Dockerfile: '#384d54',
  Kotlin: '#A97BFF',
};

/** Repository (with Language and RepositoryTopic) and the `repositories` connections of owners. */
export class RepositoryModel extends GqlModel {
  of(repo: SimRepo): Obj {
    const w = this.w;
    const m = this.m;
    const full = w.fullName(repo);
    const url = `${this.c.urls.web}/${full}`;
    const d = () => w.detail(repo);
    const perm = w.permissionOf(repo, this.c.viewerId);
    return {
      __typename: 'Repository',
      id: nodeId('Repository', repo.id),
      databaseId: repo.id,
      name: repo.name,
      nameWithOwner: full,
      owner: () => this.owner(repo),
      description: repo.description,
      homepageUrl: repo.homepage,
      url,
      resourcePath: `/${full}`,
      sshUrl: `git@${new URL(this.c.urls.web).host}:${full}.git`,
      isPrivate: repo.private,
      visibility: repo.visibility.toUpperCase(),
      isFork: repo.fork,
      isArchived: repo.archived,
      isDisabled: repo.disabled,
      isTemplate: false,
      isMirror: false,
      isLocked: false,
      isEmpty: false,
      isInOrganization: repo.ownerType === 'Organization',
      createdAt: iso(repo.createdAt),
      updatedAt: iso(repo.updatedAt),
      pushedAt: iso(repo.pushedAt),
      archivedAt: null,
      diskUsage: Math.round(Object.values(repo.languages).reduce((a, b) => a + b, 0) / 1024),
      forkCount: repo.forksCount,
      forkingAllowed: true,
      hasIssuesEnabled: true,
      hasWikiEnabled: true,
      hasProjectsEnabled: true,
      hasDiscussionsEnabled: false,
      mergeCommitAllowed: true,
      squashMergeAllowed: true,
      rebaseMergeAllowed: true,
      deleteBranchOnMerge: false,
      stargazerCount: () => d().stars.length,
      viewerPermission: perm ? PERMISSION_ENUM[perm] : null,
      viewerHasStarred: () => d().stars.some((s) => s.userId === this.c.viewerId),
      viewerCanAdminister: perm === 'admin',
      licenseInfo: repo.license
        ? {
            __typename: 'License',
            id: nodeId('License', repo.license.key),
            key: repo.license.key,
            name: repo.license.name,
            spdxId: repo.license.spdx_id,
            url: `https://choosealicense.com/licenses/${repo.license.key}/`,
          }
        : null,
      parent: () => {
        const p = repo.parentId ? w.repos.get(repo.parentId) : undefined;
        return p && this.visible(p) ? this.of(p) : null;
      },
      primaryLanguage: repo.language ? this.language(repo.language) : null,
      languages: (a: PageArgs & { orderBy?: OrderArg }) => {
        const entries = sortBy(
          Object.entries(repo.languages),
          a.orderBy ?? { field: 'SIZE', direction: 'DESC' },
          { SIZE: (e) => e[1] },
          'SIZE',
        );
        return {
          ...listConnection(
            entries,
            a,
            ([name]) => this.language(name),
            ([, size]) => ({ size }),
          ),
          totalSize: entries.reduce((s, e) => s + e[1], 0),
        };
      },
      repositoryTopics: (a: PageArgs) =>
        listConnection(repo.topics, a, (name) => ({
          __typename: 'RepositoryTopic',
          id: nodeId('RepositoryTopic', `${repo.id}:${name}`),
          topic: { __typename: 'Topic', id: nodeId('Topic', name), name },
          url: `${this.c.urls.web}/topics/${name}`,
          resourcePath: `/topics/${name}`,
        })),
      watchers: (a: PageArgs) =>
        listConnection([...repo.watcherIds], a, (id) => m.user.of(w.users.get(id) as SimUser)),
      stargazers: (a: PageArgs & { orderBy?: OrderArg }) => {
        const stars = sortBy(d().stars, a.orderBy, { STARRED_AT: (s) => s.starredAt }, 'STARRED_AT');
        return listConnection(
          stars,
          a,
          (s) => m.user.of(w.users.get(s.userId) as SimUser),
          (s) => ({ starredAt: iso(s.starredAt) }),
        );
      },
      forks: (a: PageArgs & { orderBy?: OrderArg }) => this.connection(forksOf(w, repo), a),
      labels: (a: PageArgs & { orderBy?: OrderArg; query?: string }) => {
        let labels = d().labels;
        if (a.query) labels = labels.filter((l) => l.name.includes(a.query as string));
        labels = sortBy(labels, a.orderBy, { NAME: (l) => l.name, CREATED_AT: (l) => l.id }, 'CREATED_AT');
        return listConnection(labels, a, (l) => m.label.of(repo, l.name));
      },
      issues: (
        a: PageArgs & {
          states?: string[];
          orderBy?: OrderArg;
          labels?: string[];
          filterBy?: { since?: string; states?: string[] };
        },
      ) => {
        const states = a.states ?? a.filterBy?.states;
        const since = a.filterBy?.since ? Date.parse(a.filterBy.since) : undefined;
        const issues = d().issues.filter(
          (i) =>
            (!states || states.includes(i.state.toUpperCase())) &&
            (!a.labels || a.labels.some((l) => i.labels.includes(l))) &&
            (since === undefined || i.updatedAt >= since),
        );
        const sorted = sortBy(
          issues,
          a.orderBy,
          { CREATED_AT: (i) => i.createdAt, UPDATED_AT: (i) => i.updatedAt, COMMENTS: (i) => i.comments },
          'CREATED_AT',
        );
        return listConnection(sorted, a, (i) => m.issue.of(repo, i));
      },
      releases: (a: PageArgs & { orderBy?: OrderArg }) => m.release.connection(repo, a),
      release: (a: { tagName: string }) => {
        const r = d().releases.find((x) => x.tagName === a.tagName);
        return r ? m.release.of(repo, r) : null;
      },
      deployments: (a: PageArgs & { environments?: string[]; orderBy?: OrderArg }) =>
        m.deployment.connection(repo, a),
      issue: (a: { number: number }) => {
        const i = d().issues.find((x) => x.number === a.number);
        if (!i)
          throw typedError('NOT_FOUND', `Could not resolve to an Issue with the number of ${a.number}.`);
        return m.issue.of(repo, i);
      },
      pullRequests: (
        a: PageArgs & {
          states?: string[];
          orderBy?: OrderArg;
          headRefName?: string;
          baseRefName?: string;
          labels?: string[];
        },
      ) => {
        const pulls = d().pulls.filter(
          (p) =>
            (!a.states || a.states.includes(pullState(p))) &&
            (!a.headRefName || p.headRef === a.headRefName) &&
            (!a.baseRefName || p.baseRef === a.baseRefName) &&
            (!a.labels || a.labels.some((l) => p.labels.includes(l))),
        );
        const sorted = sortBy(
          pulls,
          a.orderBy,
          {
            CREATED_AT: (p) => p.createdAt * 1000 + (p.number % 1000),
            UPDATED_AT: (p) => p.updatedAt,
            COMMENTS: (p) => p.comments,
          },
          'CREATED_AT',
        );
        return listConnection(sorted, a, (p) => m.pullRequest.of(repo, p));
      },
      pullRequest: (a: { number: number }) => {
        const p = d().pulls.find((x) => x.number === a.number);
        if (!p)
          throw typedError('NOT_FOUND', `Could not resolve to a PullRequest with the number of ${a.number}.`);
        return m.pullRequest.of(repo, p);
      },
      defaultBranchRef: () => {
        const b = d().branches.get(repo.defaultBranch);
        return b ? m.ref.of(repo, b.name, b.tip) : null;
      },
      ref: (a: { qualifiedName: string }) => m.ref.byName(repo, a.qualifiedName)?.obj ?? null,
      refs: (a: PageArgs & { refPrefix: string; orderBy?: OrderArg; direction?: string; query?: string }) => {
        if (!a.refPrefix.startsWith('refs/') || !a.refPrefix.endsWith('/')) {
          throw typedError(
            'INVALID_ARGUMENTS',
            `The refPrefix '${a.refPrefix}' is invalid: it must start with 'refs/' and end with '/'.`,
          );
        }
        const graph = w.graph(repo);
        const refs: Array<{ name: string; sha: string; obj: () => Obj }> =
          a.refPrefix === 'refs/heads/'
            ? [...d().branches.values()].map((b) => ({
                name: b.name,
                sha: b.tip,
                obj: () => m.ref.of(repo, b.name, b.tip),
              }))
            : a.refPrefix === 'refs/tags/'
              ? [...d().tags.values()].map((t) => ({
                  name: t.name,
                  sha: t.sha,
                  obj: () => m.ref.tag(repo, t),
                }))
              : [];
        const matching = a.query ? refs.filter((r) => r.name.includes(a.query as string)) : refs;
        const order = a.orderBy ?? {
          field: 'ALPHABETICAL',
          direction: (a.direction as 'ASC' | 'DESC') ?? 'ASC',
        };
        // TAG_COMMIT_DATE orders by the tagged (peeled) commit's date, names breaking ties.
        const sorted = sortBy(
          matching,
          order,
          {
            ALPHABETICAL: (r) => r.name,
            TAG_COMMIT_DATE: (r) =>
              `${String(graph.get(r.sha)?.committedAt ?? 0).padStart(15, '0')} ${r.name}`,
          },
          'ALPHABETICAL',
        );
        return listConnection(sorted, a, (r) => r.obj());
      },
      object: (a: { oid?: string; expression?: string }) => {
        const target = a.oid ?? (a.expression === 'HEAD' ? repo.defaultBranch : a.expression);
        const sha = target ? w.resolveRef(repo, target) : undefined;
        const c = sha ? w.graph(repo).get(sha) : undefined;
        return c ? m.commit.of(repo, c) : null;
      },
    };
  }

  /** The `repositories` connection filters GitHub offers (privacy, isFork, isArchived), on visible repos only. */
  matches(r: SimRepo, a: { privacy?: string; isFork?: boolean; isArchived?: boolean }): boolean {
    if (r.deleted || !this.visible(r)) return false;
    if (
      r.ownerType === 'Organization' &&
      this.c.faults?.orgBlock(this.w, this.w.ownerLogin(r), this.c.viewerLogin ?? null)
    )
      return false;
    if (a.privacy === 'PUBLIC' && r.private) return false;
    if (a.privacy === 'PRIVATE' && !r.private) return false;
    if (typeof a.isFork === 'boolean' && r.fork !== a.isFork) return false;
    return typeof a.isArchived !== 'boolean' || r.archived === a.isArchived;
  }

  /** A RepositoryConnection over repos already filtered, in the `orderBy` GitHub allows. */
  connection(repos: SimRepo[], a: PageArgs & { orderBy?: OrderArg }) {
    const w = this.w;
    const sorted = sortBy(
      repos,
      a.orderBy,
      {
        CREATED_AT: (r) => r.createdAt * 1e4 + (r.id % 1e4),
        UPDATED_AT: (r) => r.updatedAt,
        PUSHED_AT: (r) => r.pushedAt,
        NAME: (r) => r.name.toLowerCase(),
        STARGAZERS: (r) => w.detail(r).stars.length,
      },
      'CREATED_AT',
    );
    const conn = listConnection(sorted, a, (r) => this.of(r));
    return {
      ...conn,
      totalDiskUsage: sorted.reduce(
        (s, r) => s + Math.round(Object.values(r.languages).reduce((x, y) => x + y, 0) / 1024),
        0,
      ),
      isOverLimit: false,
    };
  }

  private owner(repo: SimRepo): Obj {
    return repo.ownerType === 'User'
      ? this.m.user.of(this.w.users.get(repo.ownerId) as SimUser)
      : this.m.organization.of(this.w.orgs.get(repo.ownerId) as SimOrg);
  }

  private language(name: string): Obj {
    return {
      __typename: 'Language',
      id: nodeId('Language', name),
      name,
      color: LANGUAGE_COLORS[name] ?? null,
    };
  }
}
