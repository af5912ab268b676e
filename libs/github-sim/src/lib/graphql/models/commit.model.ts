import { avatarUrl, iso, nodeId } from '../../rest/serializers';
import type { SimCommit, SimRepo } from '../../world/world.types';
import { listConnection, typedError, type PageArgs } from '../connection';
import { GqlModel, notSimulated, type Obj } from './gql-model';

type HistoryArgs = PageArgs & { since?: string; until?: string; path?: string; author?: unknown };

/** Commit with its GitActors, parents, pull requests and `history` (git log from the commit). */
export class CommitModel extends GqlModel {
  of(repo: SimRepo, c: SimCommit): Obj {
    const w = this.w;
    const m = this.m;
    const graph = w.graph(repo);
    const full = w.fullName(repo);
    const [headline, ...rest] = c.message.split('\n');
    return {
      __typename: 'Commit',
      id: nodeId('Commit', `${repo.id}:${c.sha}`),
      oid: c.sha,
      abbreviatedOid: c.sha.slice(0, 7),
      message: c.message,
      messageHeadline: headline,
      messageBody: rest.join('\n').replace(/^\n+/, ''),
      committedDate: iso(c.committedAt),
      authoredDate: iso(c.authoredAt),
      pushedDate: null,
      committedViaWeb: c.committer.email === 'noreply@github.com',
      authoredByCommitter: c.author.email === c.committer.email,
      additions: this.figure(repo, 'commit', 'additions', c.additions),
      deletions: this.figure(repo, 'commit', 'deletions', c.deletions),
      changedFiles: this.figure(repo, 'commit', 'changedFiles', c.files.length),
      changedFilesIfAvailable: c.files.length,
      author: this.gitActor(c.author, c.authoredAt),
      committer: this.gitActor(c.committer, c.committedAt),
      authors: (a: PageArgs) => listConnection([c.author], a, (x) => this.gitActor(x, c.authoredAt)),
      url: `${this.c.urls.web}/${full}/commit/${c.sha}`,
      commitUrl: `${this.c.urls.web}/${full}/commit/${c.sha}`,
      resourcePath: `/${full}/commit/${c.sha}`,
      treeUrl: `${this.c.urls.web}/${full}/tree/${c.sha}`,
      tree: {
        __typename: 'Tree',
        id: nodeId('Tree', `${repo.id}:${c.treeSha}`),
        oid: c.treeSha,
        abbreviatedOid: c.treeSha.slice(0, 7),
      },
      repository: () => m.repository.of(repo),
      signature: null,
      status: null,
      statusCheckRollup: null,
      parents: (a: PageArgs) =>
        listConnection(c.parents, a, (sha) => {
          const p = graph.get(sha);
          return p ? this.of(repo, p) : null;
        }),
      associatedPullRequests: (a: PageArgs) => {
        const pulls = w.detail(repo).pulls.filter((p) => p.mergeCommitSha === c.sha || p.headSha === c.sha);
        return listConnection(pulls, a, (p) => m.pullRequest.of(repo, p));
      },
      history: (a: HistoryArgs) => this.history(repo, c, a),
    };
  }

  gitActor(a: SimCommit['author'], ms: number): Obj {
    const u = a.userId === null ? undefined : this.w.users.get(a.userId);
    return {
      __typename: 'GitActor',
      name: a.name,
      email: a.email,
      date: iso(ms),
      user: u ? this.m.user.of(u) : null,
      avatarUrl: () => avatarUrl(this.c.urls, a.userId ?? 0),
    };
  }

  /** Commit.history: git log from this commit; cursors are "<tip oid> <offset>" like GitHub's. */
  private history(repo: SimRepo, c: SimCommit, a: HistoryArgs): Obj {
    if (a.path) throw notSimulated('Commit.history(path:)');
    if (a.author) throw notSimulated('Commit.history(author:)');
    if (typeof a.last === 'number' || a.before) throw notSimulated('Commit.history(last:/before:)');
    const graph = this.w.graph(repo);
    const since = parseTime(a.since, 'since');
    const until = parseTime(a.until, 'until');
    let tip = c.sha;
    let skip = 0;
    if (a.after) {
      const [, cursorTip, offset] = /^([0-9a-f]{40}) (\d{1,9})$/.exec(a.after) ?? [];
      if (!cursorTip || !offset || !graph.has(cursorTip))
        throw typedError('INVALID_CURSOR_ARGUMENTS', `\`${a.after}\` does not appear to be a valid cursor.`);
      tip = cursorTip;
      skip = Number(offset) + 1;
    }
    const first = typeof a.first === 'number' ? a.first : 0;
    let page: { commits: SimCommit[]; hasNext: boolean } | null = null;
    const load = () => {
      if (!page) {
        const r = graph.history(tip, { since, until, skip, take: first + 1 });
        page = { commits: r.commits.slice(0, first), hasNext: r.commits.length > first };
      }
      return page;
    };
    const cursor = (i: number) => `${tip} ${i}`;
    return {
      totalCount: () => graph.history(tip, { since, until, skip: 0, take: 0, count: true }).total ?? 0,
      nodes: () => load().commits.map((x) => this.of(repo, x)),
      edges: () => load().commits.map((x, k) => ({ cursor: cursor(skip + k), node: this.of(repo, x) })),
      pageInfo: () => {
        const p = load();
        return {
          hasNextPage: p.hasNext,
          hasPreviousPage: skip > 0,
          startCursor: p.commits.length ? cursor(skip) : null,
          endCursor: p.commits.length ? cursor(skip + p.commits.length - 1) : null,
        };
      },
    };
  }
}

function parseTime(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms))
    throw typedError(
      'INVALID_ARGUMENTS',
      `Argument '${name}' on Field 'history' has an invalid value (${JSON.stringify(v)}). Expected type 'GitTimestamp'.`,
    );
  return ms;
}
