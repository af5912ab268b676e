import { Injectable } from '@nestjs/common';
import type { DeploymentRule, InsightsSettings } from '@trackeep/contracts';
import { prepared, preparedQuery } from '@trackeep/server-core';
import { Kysely, sql, type RawBuilder } from 'kysely';
import type { DB } from '../database/db.types';
import { statusStage } from '../repos/data/deployments.repository';
import type {
  CommitFact,
  DeploymentFact,
  IssueFact,
  PullFact,
  ReleaseFact,
  RepoFacts,
  ReviewFact,
  TagFact,
  WorkflowRunFact,
} from './insights.facts';

export interface InsightsRepo {
  id: string;
  fullName: string;
  owner: string;
  githubId: number;
  defaultBranch: string;
}

export interface InsightsOrg {
  id: string;
  login: string;
  /** The viewer's role in it: `admin` for an owner. */
  role: string;
}

const REPO_COLUMNS = ['id', 'full_name', 'owner', 'github_id', 'default_branch'] as const;

/**
 * A time as epoch milliseconds. The facts' times travel this way: the driver reads a number several times faster
 * than a timestamp's text, and a page reads thousands of them. `new Date(ms)` truncates to the millisecond, as
 * the driver's own parsing did.
 */
const epochMs = (time: string | RawBuilder<Date>) =>
  sql<number>`(extract(epoch FROM ${typeof time === 'string' ? sql.ref(time) : time}) * 1000)::float8`;
const dateOrNull = (ms: number | null) => (ms === null ? null : new Date(ms));

const toRepo = (r: {
  id: string;
  full_name: string;
  owner: string;
  github_id: string;
  default_branch: string;
}): InsightsRepo => ({
  id: r.id,
  fullName: r.full_name,
  owner: r.owner,
  githubId: Number(r.github_id),
  defaultBranch: r.default_branch,
});

/**
 * Settings of delivery insights, and the stored GitHub data they are computed from (read only: the write model
 * in repos/data owns every GitHub table).
 */
@Injectable()
export class InsightsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  // --- settings -------------------------------------------------------------------------------------------

  async repoSettings(repoIds: readonly string[]): Promise<Map<string, unknown>> {
    if (!repoIds.length) return new Map();
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('insights_repo_settings')
          .select(['repo_id', 'settings'])
          .where('repo_id', '=', sql<string>`ANY(${repoIds}::uuid[])`),
      ),
    );
    return new Map(rows.map((r) => [r.repo_id, r.settings]));
  }

  async saveRepoSettings(repoId: string, settings: InsightsSettings, userId: string): Promise<void> {
    await this.db
      .insertInto('insights_repo_settings')
      .values({ repo_id: repoId, settings: JSON.stringify(settings), updated_by: userId })
      .onConflict((oc) =>
        oc
          .column('repo_id')
          .doUpdateSet({ settings: JSON.stringify(settings), updated_by: userId, updated_at: sql`now()` }),
      )
      .execute();
  }

  async deleteRepoSettings(repoId: string): Promise<void> {
    await this.db.deleteFrom('insights_repo_settings').where('repo_id', '=', repoId).execute();
  }

  /** Organization defaults by lowercased organization login. */
  async orgSettingsByLogin(githubHost: string, logins: readonly string[]): Promise<Map<string, unknown>> {
    if (!logins.length) return new Map();
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('insights_org_settings as s')
          .innerJoin('github_orgs as o', 'o.id', 's.org_id')
          .select([sql<string>`lower(o.login)`.as('login'), 's.settings'])
          .where('o.github_host', '=', githubHost)
          .where(sql`lower(o.login)`, '=', sql<string>`ANY(${logins.map((l) => l.toLowerCase())}::text[])`),
      ),
    );
    return new Map(rows.map((r) => [r.login, r.settings]));
  }

  async orgSettings(orgId: string): Promise<unknown> {
    const row = await this.db
      .selectFrom('insights_org_settings')
      .select('settings')
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    return row?.settings ?? null;
  }

  async saveOrgSettings(orgId: string, settings: InsightsSettings, userId: string): Promise<void> {
    await this.db
      .insertInto('insights_org_settings')
      .values({ org_id: orgId, settings: JSON.stringify(settings), updated_by: userId })
      .onConflict((oc) =>
        oc
          .column('org_id')
          .doUpdateSet({ settings: JSON.stringify(settings), updated_by: userId, updated_at: sql`now()` }),
      )
      .execute();
  }

  async deleteOrgSettings(orgId: string): Promise<void> {
    await this.db.deleteFrom('insights_org_settings').where('org_id', '=', orgId).execute();
  }

  // --- scope: organizations, teams, repositories ----------------------------------------------------------

  async reposOfOwner(repoIds: readonly string[], owner: string): Promise<InsightsRepo[]> {
    if (!repoIds.length) return [];
    const rows = await this.db
      .selectFrom('repositories')
      .select(REPO_COLUMNS)
      .where('id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
      .where(sql`lower(owner)`, '=', owner.toLowerCase())
      .orderBy(sql`lower(full_name)`)
      .execute();
    return rows.map(toRepo);
  }

  async reposByIds(repoIds: readonly string[]): Promise<InsightsRepo[]> {
    if (!repoIds.length) return [];
    const rows = await this.db
      .selectFrom('repositories')
      .select(REPO_COLUMNS)
      .where('id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
      .orderBy(sql`lower(full_name)`)
      .execute();
    return rows.map(toRepo);
  }

  // --- facts ------------------------------------------------------------------------------------------------

  /**
   * What each repository's insights are computed from, since `since`: pull requests merged since then and the
   * default branch's commits (the graph "which deployment contains this" walks), two statements for all of them.
   * Each pull request carries its stored reviews and its comment count (the review depth). Deployments since
   * then come with all their statuses; releases, tags and issues not deleted; workflow runs of the default branch.
   * A repository's deployments, releases, tags and workflow runs are read only if its rule (`ruleOf`) detects
   * deployments in them: a rule reads one source, and the others would be most of what is read.
   */
  async facts(
    repos: readonly InsightsRepo[],
    since: Date,
    ruleOf: (repoId: string) => DeploymentRule['kind'],
  ): Promise<Map<string, RepoFacts>> {
    const out = new Map<string, RepoFacts>(
      repos.map((r) => [
        r.id,
        {
          repository: r.fullName,
          defaultBranch: r.defaultBranch,
          commits: [],
          deployments: [],
          releases: [],
          tags: [],
          workflowRuns: [],
          pulls: [],
          issues: [],
        },
      ]),
    );
    if (!repos.length) return out;
    const ids = repos.map((r) => r.id);
    const ruled = (kind: DeploymentRule['kind']) => ids.filter((id) => ruleOf(id) === kind);
    const none = Promise.resolve([]);
    const [deploymentIds, releaseIds, tagIds, runIds] = [
      ruled('deployments'),
      ruled('releases'),
      ruled('tags'),
      ruled('workflow'),
    ];
    const [pulls, commits, reviews, deployments, releases, issues, tags, runs] = await Promise.all([
      this.mergedPulls(ids, since),
      this.defaultBranchCommits(ids, since),
      this.reviewsOfMergedPulls(ids, since),
      deploymentIds.length ? this.deployments(deploymentIds, since) : none,
      releaseIds.length ? this.releases(releaseIds, since) : none,
      this.issues(ids, since),
      tagIds.length ? this.tags(tagIds, since) : none,
      runIds.length ? this.workflowRuns(runIds, since) : none,
    ]);
    for (const { repoId, tag } of tags) out.get(repoId)?.tags.push(tag);
    for (const { repoId, run } of runs) out.get(repoId)?.workflowRuns.push(run);
    for (const { repoId, issue } of issues) out.get(repoId)?.issues.push(issue);
    for (const { repoId, deployment } of deployments) out.get(repoId)?.deployments.push(deployment);
    for (const { repoId, release } of releases) out.get(repoId)?.releases.push(release);
    // A pull request GitHub counted reviews on but none are stored (synced before reviews were kept): unknown.
    for (const { repoId, pull, reviewCount } of pulls)
      pull.reviews = reviews.get(`${repoId}#${pull.number}`) ?? (reviewCount > 0 ? null : []);
    for (const { repoId, pull } of pulls) out.get(repoId)?.pulls.push(pull);
    for (const { repoId, commit } of commits) out.get(repoId)?.commits.push(commit);
    return out;
  }

  private async mergedPulls(
    repoIds: string[],
    since: Date,
  ): Promise<Array<{ repoId: string; pull: PullFact; reviewCount: number }>> {
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('pull_requests')
          .select([
            'repo_id',
            'number',
            'title',
            'author_login',
            'base_ref',
            'head_ref',
            epochMs('created_at').as('created_ms'),
            epochMs('merged_at').as('merged_ms'),
            'additions',
            'deletions',
            'html_url',
            'review_count',
            'comments_count',
            epochMs('first_commit_at').as('first_commit_ms'),
          ])
          .where('repo_id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
          .where('merged_at', '>=', since)
          .orderBy('merged_at'),
      ),
    );
    return rows.map((r) => ({
      repoId: r.repo_id,
      reviewCount: r.review_count,
      pull: {
        number: r.number,
        title: r.title,
        author: r.author_login,
        baseRef: r.base_ref,
        headRef: r.head_ref,
        createdAt: new Date(r.created_ms),
        readyForReviewAt: null,
        mergedAt: dateOrNull(r.merged_ms),
        mergeCommitSha: null,
        firstCommitAt: dateOrNull(r.first_commit_ms),
        additions: r.additions,
        deletions: r.deletions,
        reviews: null,
        comments: r.comments_count,
        url: r.html_url,
      },
    }));
  }

  /** The reviews of the pull requests merged since `since`, oldest first, by `<repo id>#<number>`. */
  private async reviewsOfMergedPulls(repoIds: string[], since: Date): Promise<Map<string, ReviewFact[]>> {
    const rows = await prepared(sql<{
      repo_id: string;
      pull_number: number;
      reviewer_login: string | null;
      reviewer_is_bot: boolean;
      state: string;
      submitted_ms: number;
    }>`
      SELECT v.repo_id, v.pull_number, v.reviewer_login, v.reviewer_is_bot, v.state,
             ${epochMs('v.submitted_at')} AS submitted_ms
        FROM pull_requests p
        JOIN pull_request_reviews v ON v.repo_id = p.repo_id AND v.pull_number = p.number
       WHERE p.repo_id = ANY(${repoIds}::uuid[]) AND p.merged_at >= ${since}
       ORDER BY v.submitted_at, v.review_id`).execute(this.db);
    const out = new Map<string, ReviewFact[]>();
    for (const r of rows.rows) {
      const key = `${r.repo_id}#${r.pull_number}`;
      const list = out.get(key) ?? [];
      list.push({
        author: r.reviewer_login,
        authorIsBot: r.reviewer_is_bot,
        state: r.state,
        submittedAt: new Date(r.submitted_ms),
        comments: null,
      });
      out.set(key, list);
    }
    return out;
  }

  /** Deployments created since `since`, oldest first, each with its statuses (oldest first). */
  private async deployments(
    repoIds: string[],
    since: Date,
  ): Promise<Array<{ repoId: string; deployment: DeploymentFact }>> {
    const rows = await prepared(sql<{
      repo_id: string;
      deployment_id: string;
      environment: string;
      sha: string;
      created_ms: number;
      statuses: Array<{ state: string; at: number; url: string | null }> | null;
    }>`
      SELECT d.repo_id, d.deployment_id::text, d.environment, d.sha, ${epochMs('d.created_at')} AS created_ms,
             (SELECT json_agg(json_build_object('state', s.state, 'at', ${epochMs('s.created_at')},
                                                'url', coalesce(s.environment_url, s.log_url))
                              ORDER BY s.created_at, ${statusStage('s')}, s.node_id)
                FROM deployment_statuses s
               WHERE s.repo_id = d.repo_id AND s.deployment_id = d.deployment_id) AS statuses
        FROM deployments d
       WHERE d.repo_id = ANY(${repoIds}::uuid[]) AND d.created_at >= ${since}
       ORDER BY d.created_at, d.deployment_id`).execute(this.db);
    return rows.rows.map((r) => {
      const statuses = r.statuses ?? [];
      return {
        repoId: r.repo_id,
        deployment: {
          id: r.deployment_id,
          environment: r.environment,
          sha: r.sha,
          createdAt: new Date(r.created_ms),
          statuses: statuses.map((s) => ({ state: s.state, at: new Date(s.at) })),
          url: [...statuses].reverse().find((s) => s.url)?.url ?? null,
        },
      };
    });
  }

  /** Releases created or published since `since` and not deleted, oldest first. */
  private async releases(
    repoIds: string[],
    since: Date,
  ): Promise<Array<{ repoId: string; release: ReleaseFact }>> {
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('releases')
          .select([
            'repo_id',
            'tag_name',
            'sha',
            epochMs('published_at').as('published_ms'),
            epochMs('created_at').as('created_ms'),
            'draft',
            'prerelease',
            'html_url',
          ])
          .where('repo_id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
          .where('deleted_at', 'is', null)
          .where(sql<Date>`coalesce(published_at, created_at)`, '>=', since)
          .orderBy(sql`coalesce(published_at, created_at)`),
      ),
    );
    return rows.map((r) => ({
      repoId: r.repo_id,
      release: {
        tagName: r.tag_name,
        sha: r.sha,
        publishedAt: dateOrNull(r.published_ms),
        createdAt: new Date(r.created_ms),
        draft: r.draft,
        prerelease: r.prerelease,
        url: r.html_url,
      },
    }));
  }

  /** Tags that appeared since `since` (the tagger's date, else the commit's) and are not deleted, oldest first. */
  private async tags(repoIds: string[], since: Date): Promise<Array<{ repoId: string; tag: TagFact }>> {
    const at = sql<Date>`coalesce(tagged_at, commit_at, seen_at)`;
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('tags')
          .select(['repo_id', 'name', 'sha', epochMs(at).as('at_ms')])
          .where('repo_id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
          .where('deleted_at', 'is', null)
          .where(at, '>=', since)
          .orderBy(at),
      ),
    );
    return rows.map((r) => ({ repoId: r.repo_id, tag: { name: r.name, sha: r.sha, at: new Date(r.at_ms) } }));
  }

  /** Workflow runs created since `since`, oldest first (only default-branch runs are stored). */
  private async workflowRuns(
    repoIds: string[],
    since: Date,
  ): Promise<Array<{ repoId: string; run: WorkflowRunFact }>> {
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('workflow_runs')
          .select([
            'repo_id',
            'run_id',
            'name',
            'head_branch',
            'head_sha',
            'status',
            'conclusion',
            epochMs('created_at').as('created_ms'),
            epochMs('updated_at').as('updated_ms'),
            'html_url',
          ])
          .where('repo_id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
          .where('created_at', '>=', since)
          .orderBy('created_at'),
      ),
    );
    return rows.map((r) => ({
      repoId: r.repo_id,
      run: {
        id: String(r.run_id),
        name: r.name,
        headBranch: r.head_branch,
        headSha: r.head_sha,
        status: r.status,
        conclusion: r.conclusion,
        createdAt: new Date(r.created_ms),
        completedAt: r.status === 'completed' ? new Date(r.updated_ms) : null,
        url: r.html_url,
      },
    }));
  }

  /** Issues opened since `since` (or still open) and not deleted, oldest first. */
  private async issues(repoIds: string[], since: Date): Promise<Array<{ repoId: string; issue: IssueFact }>> {
    const { rows } = await this.db.executeQuery(
      preparedQuery(
        this.db
          .selectFrom('issues')
          .select([
            'repo_id',
            'number',
            'title',
            'labels',
            epochMs('created_at').as('created_ms'),
            epochMs('closed_at').as('closed_ms'),
            'html_url',
          ])
          .where('repo_id', '=', sql<string>`ANY(${repoIds}::uuid[])`)
          .where('deleted_at', 'is', null)
          .where((eb) => eb.or([eb('created_at', '>=', since), eb('state', '=', 'open')]))
          .orderBy('created_at'),
      ),
    );
    return rows.map((r) => ({
      repoId: r.repo_id,
      issue: {
        number: r.number,
        title: r.title,
        labels: r.labels,
        createdAt: new Date(r.created_ms),
        closedAt: dateOrNull(r.closed_ms),
        url: r.html_url,
      },
    }));
  }

  private async defaultBranchCommits(
    repoIds: string[],
    since: Date,
  ): Promise<Array<{ repoId: string; commit: CommitFact }>> {
    // Per repository through its (repo_id, committed_at) index, then "on the default branch" by key: an
    // organization's repositories otherwise make the planner scan every commit. Only the message's first line
    // is used (GitHub's merge and squash subjects), so only it is sent. These are most of the rows a page
    // reads: times travel as epoch milliseconds and parents as one text, which the driver parses several times
    // faster than timestamps and arrays.
    const { rows } = await prepared(sql<{
      repo_id: string;
      sha: string;
      parents: string;
      committed_ms: number;
      authored_ms: number;
      subject: string;
    }>`
      SELECT c.repo_id, c.sha, array_to_string(c.parents, ' ') AS parents,
             ${epochMs('c.committed_at')} AS committed_ms, ${epochMs('c.authored_at')} AS authored_ms,
             split_part(c.message, chr(10), 1) AS subject
        FROM repositories r
       CROSS JOIN LATERAL (
             SELECT * FROM commits c WHERE c.repo_id = r.id AND c.committed_at >= ${since} OFFSET 0
           ) c
       WHERE r.id = ANY(${repoIds}::uuid[])
         AND EXISTS (SELECT 1 FROM branch_commits b
                      WHERE b.repo_id = r.id AND b.branch = r.default_branch AND b.sha = c.sha)`).execute(
      this.db,
    );
    return rows.map((r) => ({
      repoId: r.repo_id,
      commit: {
        sha: r.sha,
        parents: r.parents ? r.parents.split(' ') : [],
        committedAt: new Date(r.committed_ms),
        authoredAt: new Date(r.authored_ms),
        message: r.subject,
      },
    }));
  }
}
