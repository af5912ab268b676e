import { Injectable } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { ApiException } from '../common/api-exception';
import { GithubReauthRequiredException } from '../github/github-reauth-required.exception';
import { RepoAccessCheckService, type AccessTarget, type AccessVerdict } from './repo-access-check.service';
import { RepoAccessRepository, type AccessRow, type RepoScope } from './repo-access.repository';
import type { RepositoryRow } from './repository-row';

export { highestPermission } from './repo-permission.util';

/** A person waits at most this long for GitHub's answer; a slower check finishes in the background. */
const CHECK_WAIT_MS = 5_000;
/** Stale repositories asked about per list request (the oldest first); the rest on the following requests. */
const CHECKS_PER_LIST = 50;

export interface ReadableOptions {
  /**
   * What a dead GitHub token (401) means: `throw` answers 401 github_reauth_required (a person's request);
   * `hide` leaves the repositories whose check needed the token out (a live stream, which cannot answer 401).
   */
  onReauth?: 'throw' | 'hide';
  /** Only this owner's repositories (an organization's pages): fewer rows, and only theirs are re-checked. */
  owner?: string;
}

/**
 * The single answer to "may this user see this repository's data?": the user tracks it AND GitHub granted
 * them access when last checked (a repo_access row, written at track time and by every sync). An answer older
 * than ACCESS_RECHECK_SECONDS about a private repository is asked again, with the user's own token, when it
 * is used. Every repo data endpoint goes through here; anything else is reported as "not found" so existence
 * never leaks.
 */
@Injectable()
export class RepoAccessService {
  constructor(
    private readonly store: RepoAccessRepository,
    private readonly checks: RepoAccessCheckService,
  ) {}

  /**
   * The repository `owner/name` if the user may read it; otherwise 404 `repo_not_found`. `fresh` asks GitHub
   * whatever the age of the last answer (before work is started on the user's behalf).
   */
  async findReadable(
    userId: string,
    owner: string,
    name: string,
    options: { fresh?: boolean } = {},
  ): Promise<RepositoryRow> {
    const found = await this.store.findReadableByName(userId, `${owner}/${name}`);
    if (!found) throw ApiException.repoNotFound(owner, name);
    const { repo, checkedAt } = found;
    if (
      options.fresh
        ? repo.visibility !== 'public'
        : this.checks.isStale({ visibility: repo.visibility, checkedAt })
    ) {
      const verdict = await this.verdictOf(
        userId,
        { repoId: repo.id, fullName: repo.fullName },
        options.fresh === true,
      );
      if (verdict === 'revoked') throw ApiException.repoNotFound(owner, name);
      if (verdict === 'reauth') throw new GithubReauthRequiredException(userId);
    }
    return repo;
  }

  /** Same rule by id (e.g. for filtering live events). */
  async canRead(userId: string, repoId: string, options: ReadableOptions = {}): Promise<boolean> {
    return (await this.readable(userId, [repoId], options)).length > 0;
  }

  /** Ids of every repository whose data the user may read, sorted; the answers too old are asked again first. */
  async readableRepoIds(userId: string, options: ReadableOptions = {}): Promise<string[]> {
    const dropped = await this.recheckStale(userId, options);
    const ids = await this.store.readableIds(userId, options.owner);
    return dropped.size ? ids.filter((id) => !dropped.has(id)) : ids;
  }

  /**
   * Ids of the repositories each user may read by what GitHub said when last asked, without asking again, in one
   * read: for work that must not wait on GitHub (a live stream's next event), while a full re-check runs beside it.
   */
  lastKnownReadableRepoIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.store.readableIdsOfUsers(userIds);
  }

  /** Of `userIds`, those with an answer old enough that readableRepoIds would ask GitHub again. */
  usersDueForRecheck(userIds: readonly string[]): Promise<string[]> {
    return this.store.usersWithStaleReadable(userIds, this.checks.windowMs);
  }

  /**
   * The permission GitHub granted when last asked, or null without access. Not re-checked: for decisions
   * made after findReadable/canRead, which are.
   */
  recordedPermission(userId: string, repoId: string): Promise<RepoPermission | null> {
    return this.store.permission(userId, repoId);
  }

  /** How many users GitHub last said may read the repository. */
  readerCount(repoId: string): Promise<number> {
    return this.store.readerCount(repoId);
  }

  /** Records what GitHub said just now: the user has `permission` on the repo (track time and every sync). */
  recordAccess(userId: string, repoId: string, permission: RepoPermission): Promise<void> {
    return this.store.record(userId, repoId, permission);
  }

  /**
   * The sync got a 404 for this user on the repository; how many in a row so far (one alone is not evidence
   * that access is gone).
   */
  strikeNotFound(userId: string, repoId: string): Promise<number> {
    return this.store.strikeNotFound(userId, repoId);
  }

  /** The sync read the repository with this user's token: the 404s in a row, and a policy refusal, are over. */
  noteReadable(userId: string, repoId: string): Promise<void> {
    return this.store.noteReadable(userId, repoId);
  }

  /**
   * An organization policy refused this user's token for the repository (access stays): ask others first, here
   * and on the organization's other repositories.
   */
  notePolicyRefusal(userId: string, repoId: string): Promise<void> {
    return this.store.notePolicyRefusal(userId, repoId);
  }

  /** GitHub said 404/403 for this user: they lose visibility of the repo's data at once (tracking stays). */
  revokeAccess(userId: string, repoId: string): Promise<void> {
    return this.store.revoke(userId, repoId);
  }

  /**
   * Every repository the user may read, as a scope a list's statement applies itself (no id list read and sent
   * back): the stale answers are asked about first, exactly as readableRepoIds does.
   */
  async readableScope(userId: string): Promise<RepoScope> {
    await this.recheckStale(userId);
    return { readableBy: userId };
  }

  /**
   * Asks GitHub again about the user's answers that are too old (the oldest first, as many as one list request
   * asks about), without reading the rest: for a list that reads its own page of repositories afterwards. Only
   * `owner`'s when given; the ids GitHub refused (or hid, by `onReauth`).
   */
  async recheckStale(userId: string, options: ReadableOptions = {}): Promise<Set<string>> {
    const stale = await this.store.staleReadable(
      userId,
      this.checks.windowMs,
      CHECKS_PER_LIST,
      options.owner,
    );
    return stale.length ? this.dropRefused(userId, stale, options) : new Set();
  }

  private async readable(
    userId: string,
    repoIds: string[] | undefined,
    options: ReadableOptions,
  ): Promise<AccessRow[]> {
    const rows = await this.store.readable(userId, repoIds, options.owner);
    const now = Date.now();
    const stale = rows
      .filter((r) => this.checks.isStale(r, now))
      .sort((a, b) => a.checkedAt.getTime() - b.checkedAt.getTime())
      .slice(0, CHECKS_PER_LIST);
    if (!stale.length) return rows;
    const dropped = await this.dropRefused(userId, stale, options);
    return rows.filter((r) => !dropped.has(r.repoId));
  }

  /** Asks GitHub about each of `stale`; the ids GitHub refused (or hid, by `onReauth`). */
  private async dropRefused(
    userId: string,
    stale: AccessRow[],
    options: ReadableOptions,
  ): Promise<Set<string>> {
    const verdicts = await Promise.all(
      stale.map(async (r) => [r.repoId, await this.verdictOf(userId, r, false)] as const),
    );
    const dropped = new Set<string>();
    for (const [repoId, verdict] of verdicts) {
      if (verdict === 'revoked') dropped.add(repoId);
      if (verdict === 'reauth') {
        if (options.onReauth !== 'hide') throw new GithubReauthRequiredException(userId);
        dropped.add(repoId);
      }
    }
    return dropped;
  }

  /** GitHub's answer, or `inconclusive` when it takes longer than a person should wait (the check goes on). */
  private verdictOf(userId: string, target: AccessTarget, force: boolean): Promise<AccessVerdict> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<AccessVerdict>((resolve) => {
      timer = setTimeout(() => resolve('inconclusive'), CHECK_WAIT_MS);
      timer.unref();
    });
    return Promise.race([this.checks.check(userId, target, { force }), waited]).finally(() =>
      clearTimeout(timer),
    );
  }
}
