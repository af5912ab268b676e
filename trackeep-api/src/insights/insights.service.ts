import { Injectable } from '@nestjs/common';
import {
  DEFAULT_INSIGHTS_SETTINGS,
  type CyclePage,
  type DeploymentRule,
  type DetectedDeployment,
  type DoraPage,
  type DrillKind,
  type DrillPage,
  type InsightsSettings,
  type InsightsSettingsSource,
  type OrgInsightsSettings,
  type RepoInsightsSettings,
  type TeamsPeriodKind,
} from '@trackeep/contracts';
import type { SessionUser } from '../auth/session-user.type';
import { ApiException } from '../common/api-exception';
import { cacheKeyOf, FingerprintedCache } from '../common/fingerprinted-cache';
import { ApiEnv } from '../config/api-env';
import { GithubSettings } from '../github/github-settings';
import { RepoAccessService } from '../repos/repo-access.service';
import { permissionRank } from '../repos/repo-permission.util';
import { PeriodError, resolvePeriod, type Period } from '../teams/period.util';
import { completePulls } from './containment';
import { toCsv } from './csv.util';
import {
  analyzeRepo,
  cycleBreakdown,
  doraCounted,
  doraFigures,
  mergedIn,
  weeklyCycle,
  weeklyDora,
  weeksBetween,
  type PullCycle,
  type RepoAnalysis,
} from './delivery-analysis';
import { detectDeployments, type Deployment } from './deployment-detection';
import { DORA_BANDS_SOURCE } from './dora-bands';
import { effectiveSettings, InsightsSettingsError, parseInsightsSettings } from './insights-settings.util';
import type { RepoFacts } from './insights.facts';
import { FactVersionsRepository } from '../teams/fact-versions.repository';
import { TeamsService } from '../teams/teams.service';
import { InsightsRepository, type InsightsOrg, type InsightsRepo } from './insights.repository';

export interface InsightsQuery {
  period?: TeamsPeriodKind;
  from?: string;
  to?: string;
}

/** Whose delivery: one repository, an organization's, or a team's. */
export type InsightsScope =
  | { kind: 'repo'; owner: string; name: string }
  | { kind: 'org'; org: string }
  | { kind: 'team'; org: string; team: string };

/** How far before the period pull requests and commits are read: a change merged then may deploy in it. */
const LOOKBACK_DAYS = 90;
const DAY_MS = 86_400_000;
const LAST_DEPLOYMENTS = 10;
/** Computed DORA and cycle pages kept per kind (an organization's quarter takes seconds to compute). */
const CACHED_PAGES = 200;
/**
 * Per-repository analyses kept, in deployments, incidents and merged pull requests: bounded by what they hold,
 * not by how many, as a repository deploying ten times a day weighs as much as ten deploying daily. Measured at
 * about 0.9 KB each (a pull request's cycle holds the pull request), so about 64 MB: an organization of 250
 * repositories with daily deployments in a quarter's window is 41,000.
 */
const REPO_ANALYSES_WEIGHT = 70_000;
const weightOf = (a: RepoAnalysis) => 1 + a.deployments.length + a.incidents.length + a.pulls.length;

type SettingsByRepo = Map<string, { effective: InsightsSettings; source: InsightsSettingsSource }>;

interface Resolved {
  repos: InsightsRepo[];
  /** A team's members (lowercased logins): the cycle breakdown counts their pull requests only. */
  authors: Set<string> | null;
}

/**
 * Delivery insights: settings, DORA four keys, the pull request cycle and their drill-downs. Who may see them
 * follows the pages they belong to: a repository's, for someone who may read it; an organization's or a team's,
 * for its members, over the repositories they may read. Anyone else is told it does not exist.
 */
@Injectable()
export class InsightsService {
  private readonly botLogins: Set<string>;
  private readonly doraPages = new FingerprintedCache<DoraPage>(CACHED_PAGES);
  private readonly cyclePages = new FingerprintedCache<CyclePage>(CACHED_PAGES);
  /**
   * Each repository's analysis at its own fact version, shared by every page that includes it: after a change
   * to one of an organization's repositories, its page reads and analyses that one again, not all of them.
   */
  private readonly repoAnalyses = new FingerprintedCache<RepoAnalysis>(REPO_ANALYSES_WEIGHT, weightOf);

  constructor(
    private readonly store: InsightsRepository,
    private readonly access: RepoAccessService,
    private readonly github: GithubSettings,
    private readonly teams: TeamsService,
    private readonly versions: FactVersionsRepository,
    env: ApiEnv,
  ) {
    this.botLogins = new Set(env.BOT_LOGINS.map((l) => l.toLowerCase()));
  }

  // --- settings -------------------------------------------------------------------------------------------

  async repoSettings(user: SessionUser, owner: string, name: string): Promise<RepoInsightsSettings> {
    const repo = await this.readableRepo(user, owner, name);
    return this.describeRepoSettings(repo);
  }

  /** Changing how a repository is measured takes the permission to change it on GitHub (maintain or admin). */
  async saveRepoSettings(
    user: SessionUser,
    owner: string,
    name: string,
    body: unknown,
  ): Promise<RepoInsightsSettings> {
    const repo = await this.readableRepo(user, owner, name);
    const settings = parse(body);
    await this.requireMaintainer(user, repo);
    await this.store.saveRepoSettings(repo.id, settings, user.id);
    return this.describeRepoSettings(repo);
  }

  async clearRepoSettings(user: SessionUser, owner: string, name: string): Promise<RepoInsightsSettings> {
    const repo = await this.readableRepo(user, owner, name);
    await this.requireMaintainer(user, repo);
    await this.store.deleteRepoSettings(repo.id);
    return this.describeRepoSettings(repo);
  }

  async orgSettings(user: SessionUser, login: string): Promise<OrgInsightsSettings> {
    const org = await this.memberOrg(user, login);
    return describeOrgSettings(await this.store.orgSettings(org.id));
  }

  /** An organization's default is changed by its owners (GitHub's admin role). */
  async saveOrgSettings(user: SessionUser, login: string, body: unknown): Promise<OrgInsightsSettings> {
    const org = await this.memberOrg(user, login);
    const settings = parse(body);
    await this.requireOrgAdmin(user, org);
    await this.store.saveOrgSettings(org.id, settings, user.id);
    return describeOrgSettings(settings);
  }

  async clearOrgSettings(user: SessionUser, login: string): Promise<OrgInsightsSettings> {
    const org = await this.memberOrg(user, login);
    await this.requireOrgAdmin(user, org);
    await this.store.deleteOrgSettings(org.id);
    return describeOrgSettings(null);
  }

  // --- figures --------------------------------------------------------------------------------------------

  /**
   * The DORA page and the cycle breakdown are reused while nothing they are computed from has changed: the
   * same repositories (as the viewer may read them), team members, period and settings, and the same stored
   * facts (their fingerprint is read on every request). Viewers who may read the same repositories share them.
   */
  async dora(user: SessionUser, scope: InsightsScope, q: InsightsQuery): Promise<DoraPage> {
    const period = this.period(q);
    const { repos } = await this.resolve(user, scope);
    const settings = await this.settingsOf(repos);
    const versions = await this.versions.versionsOf(repos.map((r) => r.id));
    const key = this.cacheKey(repos, null, period, settings, versions);
    return this.doraPages.get(key.key, key.fingerprint, async () => {
      const { analyses, rules } = await this.analyze(repos, period, settings, versions);
      return {
        period: periodOut(period),
        bandsSource: DORA_BANDS_SOURCE,
        repositories: rules,
        current: doraFigures(analyses, period.current, period.elapsed),
        previous: doraFigures(analyses, period.previous),
        weekly: weeklyDora(analyses, weeksBetween(period.trendFrom, period.current.to)),
      };
    });
  }

  async cycle(user: SessionUser, scope: InsightsScope, q: InsightsQuery): Promise<CyclePage> {
    const period = this.period(q);
    const { repos, authors } = await this.resolve(user, scope);
    const settings = await this.settingsOf(repos);
    const versions = await this.versions.versionsOf(repos.map((r) => r.id));
    const key = this.cacheKey(repos, authors, period, settings, versions);
    return this.cyclePages.get(key.key, key.fingerprint, async () => {
      const { analyses } = await this.analyze(repos, period, settings, versions);
      const byAuthor = authorFilter(authors);
      const all = analyses.flatMap((a) => a.pulls).filter((p) => byAuthor(p.pull.author));
      return {
        period: periodOut(period),
        current: cycleBreakdown(mergedIn(analyses, period.current, byAuthor)),
        previous: cycleBreakdown(mergedIn(analyses, period.previous, byAuthor)),
        weekly: weeklyCycle(all, weeksBetween(period.trendFrom, period.current.to)),
        reviewsAvailable: all.some((p) => p.reviewed !== null),
      };
    });
  }

  async drilldown(user: SessionUser, scope: InsightsScope, q: InsightsQuery): Promise<DrillPage> {
    const period = this.period(q);
    const { repos, authors } = await this.resolve(user, scope);
    const versions = await this.versions.versionsOf(repos.map((r) => r.id));
    const { analyses } = await this.analyze(repos, period, await this.settingsOf(repos), versions);
    const counted = doraCounted(analyses, period.current);
    const byAuthor = authorFilter(authors);
    // The changes the lead time counted, then the pull requests the cycle counted, each once.
    const pulls = new Map<string, PullCycle>();
    for (const p of [...counted.changes, ...mergedIn(analyses, period.current, byAuthor)])
      pulls.set(`${p.repository}#${p.pull.number}`, p);
    return {
      period: { kind: period.kind, current: range(period.current) },
      deployments: counted.deployments.map((d) => ({
        ...deploymentOut(d.deployment),
        repository: d.repository,
        pulls: d.pulls,
        failed: d.failed,
      })),
      pulls: [...pulls.values()].map((p) => ({
        repository: p.repository,
        number: p.pull.number,
        title: p.pull.title,
        author: p.pull.author,
        mergedAt: p.pull.mergedAt.toISOString(),
        deployedAt: p.deployment ? p.deployment.at.toISOString() : null,
        deploymentKey: p.deployment?.key ?? null,
        leadTimeHours: hours(p.leadTimeHours),
        codingHours: hours(p.stages.coding),
        draftHours: hours(p.draftHours),
        pickupHours: hours(p.stages.pickup),
        reviewHours: hours(p.stages.review),
        mergeHours: hours(p.stages.merge),
        deployHours: hours(p.stages.deploy),
        size: p.size,
        reviewed: p.reviewed === true,
        url: p.pull.url,
      })),
      incidents: counted.incidents.map(({ repository, incident: i }) => ({
        repository,
        key: i.key,
        source: i.source,
        title: i.title,
        startedAt: i.startedAt.toISOString(),
        recoveredAt: i.recoveredAt ? i.recoveredAt.toISOString() : null,
        recoveryHours: i.recoveredAt
          ? hours((i.recoveredAt.getTime() - i.startedAt.getTime()) / 3_600_000)
          : null,
        deploymentKey: i.deployment?.key ?? null,
        url: i.url,
      })),
    };
  }

  /** One drill-down table as CSV. */
  async drilldownCsv(
    user: SessionUser,
    scope: InsightsScope,
    q: InsightsQuery,
    kind: DrillKind,
  ): Promise<string> {
    const page = await this.drilldown(user, scope, q);
    switch (kind) {
      case 'deployments':
        return toCsv(
          [
            'repository',
            'source',
            'key',
            'name',
            'environment',
            'sha',
            'at',
            'status',
            'failed',
            'pulls',
            'url',
          ],
          page.deployments.map((d) => [
            d.repository,
            d.source,
            d.key,
            d.name,
            d.environment,
            d.sha,
            d.at,
            d.status,
            d.failed,
            d.pulls.map((n) => `#${n}`),
            d.url,
          ]),
        );
      case 'pulls':
        return toCsv(
          [
            'repository',
            'number',
            'title',
            'author',
            'merged_at',
            'deployed_at',
            'deployment',
            'lead_time_hours',
            'coding_hours',
            'draft_hours',
            'pickup_hours',
            'review_hours',
            'merge_hours',
            'deploy_hours',
            'size',
            'reviewed',
            'url',
          ],
          page.pulls.map((p) => [
            p.repository,
            p.number,
            p.title,
            p.author,
            p.mergedAt,
            p.deployedAt,
            p.deploymentKey,
            p.leadTimeHours,
            p.codingHours,
            p.draftHours,
            p.pickupHours,
            p.reviewHours,
            p.mergeHours,
            p.deployHours,
            p.size,
            p.reviewed,
            p.url,
          ]),
        );
      case 'incidents':
        return toCsv(
          [
            'repository',
            'source',
            'key',
            'title',
            'started_at',
            'recovered_at',
            'recovery_hours',
            'deployment',
            'url',
          ],
          page.incidents.map((i) => [
            i.repository,
            i.source,
            i.key,
            i.title,
            i.startedAt,
            i.recoveredAt,
            i.recoveryHours,
            i.deploymentKey,
            i.url,
          ]),
        );
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private isBot = (login: string): boolean => {
    const l = login.toLowerCase();
    return l.endsWith('[bot]') || this.botLogins.has(l);
  };

  private period(q: InsightsQuery): Period {
    try {
      return resolvePeriod(q.period ?? '4w', q.from, q.to, new Date());
    } catch (err) {
      if (err instanceof PeriodError) throw ApiException.badRequest(err.message);
      throw err;
    }
  }

  private async readableRepo(user: SessionUser, owner: string, name: string): Promise<InsightsRepo> {
    const row = await this.access.findReadable(user.id, owner, name);
    return {
      id: row.id,
      fullName: row.fullName,
      owner: row.owner,
      githubId: row.githubId,
      defaultBranch: row.defaultBranch,
    };
  }

  private memberOrg(user: SessionUser, login: string): Promise<InsightsOrg> {
    return this.teams.organizationOf(user, login);
  }

  private async requireMaintainer(user: SessionUser, repo: InsightsRepo): Promise<void> {
    const permission = await this.access.recordedPermission(user.id, repo.id);
    if (!permission || permissionRank(permission) < permissionRank('maintain'))
      throw ApiException.forbidden(
        'permission_denied',
        `Changing how ${repo.fullName} is measured takes the maintain or admin permission on GitHub`,
      );
  }

  private async requireOrgAdmin(user: SessionUser, org: InsightsOrg): Promise<void> {
    if (org.role !== 'admin')
      throw ApiException.forbidden(
        'permission_denied',
        `Changing the default of ${org.login} takes an owner of the organization on GitHub`,
      );
  }

  private async resolve(user: SessionUser, scope: InsightsScope): Promise<Resolved> {
    if (scope.kind === 'repo')
      return { repos: [await this.readableRepo(user, scope.owner, scope.name)], authors: null };
    if (scope.kind === 'org') {
      const org = await this.memberOrg(user, scope.org);
      const readable = await this.access.readableRepoIds(user.id, { owner: org.login });
      return { repos: await this.store.reposOfOwner(readable, org.login), authors: null };
    }
    // The team's deployments are its repositories' the viewer may read (its parents' included, as on its page);
    // its pull requests are its members', wherever they merged. 404 as for its page.
    const team = await this.teams.teamScope(user, scope.org, scope.team);
    return { repos: await this.store.reposByIds(team.repoIds), authors: new Set(team.memberLogins) };
  }

  /** What a computed page depends on besides the stored facts (the key), and those facts' fingerprint. */
  private cacheKey(
    repos: readonly InsightsRepo[],
    authors: Set<string> | null,
    period: Period,
    settings: SettingsByRepo,
    versions: Map<string, string>,
  ): { key: string; fingerprint: string } {
    const fingerprint = cacheKeyOf(repos.map((r) => versions.get(r.id) ?? null));
    const key = cacheKeyOf([
      repos.map((r) => [r.id, r.fullName, r.defaultBranch, settings.get(r.id) ?? null]),
      authors ? [...authors].sort() : null,
      periodOut(period),
      period.trendFrom,
    ]);
    return { key, fingerprint };
  }

  private async settingsOf(repos: readonly InsightsRepo[]): Promise<SettingsByRepo> {
    const own = await this.store.repoSettings(repos.map((r) => r.id));
    const orgs = await this.store.orgSettingsByLogin(this.github.host, [
      ...new Set(repos.map((r) => r.owner)),
    ]);
    return new Map(
      repos.map((r) => [
        r.id,
        effectiveSettings(stored(own.get(r.id)), stored(orgs.get(r.owner.toLowerCase()))),
      ]),
    );
  }

  /**
   * Every repository's analysis for the period: reused at the repository's fact version when another page (or
   * this one before a change elsewhere) computed it, the others read and analysed together.
   */
  private async analyze(
    repos: readonly InsightsRepo[],
    period: Period,
    settings: SettingsByRepo,
    versions: Map<string, string>,
  ): Promise<{ analyses: RepoAnalysis[]; rules: DoraPage['repositories'] }> {
    const since = new Date(
      Math.min(period.trendFrom.getTime(), period.previous.from.getTime()) - LOOKBACK_DAYS * DAY_MS,
    );
    const settingsOf = (id: string) =>
      settings.get(id) ?? { effective: DEFAULT_INSIGHTS_SETTINGS, source: 'default' as const };
    const wanted = repos.map((repo) => {
      const { effective } = settingsOf(repo.id);
      return {
        repo,
        effective,
        // Everything an analysis depends on besides the stored facts (those are the version).
        key: cacheKeyOf([repo.id, repo.fullName, repo.defaultBranch, effective, since]),
        version: versions.get(repo.id) ?? '0',
      };
    });
    const missing = wanted.filter((w) => !this.repoAnalyses.has(w.key, w.version));
    let computing: Promise<Map<string, RepoAnalysis>> | undefined;
    const computeMissing = () =>
      (computing ??= this.factsOf(
        missing.map((w) => w.repo),
        since,
        (id) => settingsOf(id).effective.deployment.kind,
      ).then(
        (facts) =>
          new Map(
            missing.flatMap((w) => {
              const f = facts.get(w.repo.id);
              return f ? [[w.repo.id, analyzeRepo(w.effective, f, this.isBot)] as const] : [];
            }),
          ),
      ));
    const analyses = await Promise.all(
      wanted.map((w) =>
        this.repoAnalyses.get(w.key, w.version, async () => {
          const analysis = (await computeMissing()).get(w.repo.id);
          if (!analysis) throw new Error(`no facts were read for ${w.repo.fullName}`);
          return analysis;
        }),
      ),
    );
    const rules = repos.map((repo) => {
      const s = settingsOf(repo.id);
      return { fullName: repo.fullName, rule: s.effective.deployment, source: s.source };
    });
    return { analyses, rules };
  }

  private async factsOf(
    repos: readonly InsightsRepo[],
    since: Date,
    ruleOf: (repoId: string) => DeploymentRule['kind'],
  ): Promise<Map<string, RepoFacts>> {
    const facts = await this.store.facts(repos, since, ruleOf);
    // Merge commits and first commits are not stored with pull requests; the commit graph tells them.
    return new Map([...facts].map(([id, f]) => [id, completePulls(f)]));
  }

  private async describeRepoSettings(repo: InsightsRepo): Promise<RepoInsightsSettings> {
    const own = stored((await this.store.repoSettings([repo.id])).get(repo.id));
    const org = stored(
      (await this.store.orgSettingsByLogin(this.github.host, [repo.owner])).get(repo.owner.toLowerCase()),
    );
    const { effective, source } = effectiveSettings(own, org);
    const since = new Date(Date.now() - 365 * DAY_MS);
    const facts = (await this.factsOf([repo], since, () => effective.deployment.kind)).get(repo.id);
    const last = facts
      ? detectDeployments(effective.deployment, facts).slice(-LAST_DEPLOYMENTS).reverse()
      : [];
    return {
      effective,
      source,
      repository: own,
      organization: org,
      lastDeployments: last.map(deploymentOut),
    };
  }
}

function parse(body: unknown): InsightsSettings {
  try {
    return parseInsightsSettings(body);
  } catch (err) {
    if (err instanceof InsightsSettingsError) throw ApiException.badRequest(err.message);
    throw err;
  }
}

/** Stored settings were validated when written; anything unreadable counts as none. */
function stored(v: unknown): InsightsSettings | null {
  if (v === null || v === undefined) return null;
  try {
    return parseInsightsSettings(v);
  } catch {
    return null;
  }
}

function describeOrgSettings(v: unknown): OrgInsightsSettings {
  const own = stored(v);
  return own
    ? { effective: own, source: 'organization' }
    : { effective: DEFAULT_INSIGHTS_SETTINGS, source: 'default' };
}

function authorFilter(authors: Set<string> | null): (login: string | null) => boolean {
  return (login) => !authors || (login !== null && authors.has(login.toLowerCase()));
}

function deploymentOut(d: Deployment): DetectedDeployment {
  return { ...d, at: d.at.toISOString() };
}

const range = (r: { from: Date; to: Date }) => ({ from: r.from.toISOString(), to: r.to.toISOString() });

function periodOut(p: Period): DoraPage['period'] {
  return { kind: p.kind, current: range(p.current), previous: range(p.previous) };
}

const hours = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
