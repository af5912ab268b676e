import { Injectable } from '@nestjs/common';
import type {
  ActivityFigures,
  ActivityPage,
  Compared,
  OrgMembership,
  OrgPage,
  PersonPage,
  PersonRef,
  PullState,
  ReviewQueue,
  TeamPage,
  TeamSummary,
  TeamsPeriodKind,
} from '@trackeep/contracts';
import type { SessionUser } from '../auth/session-user.type';
import { ApiException } from '../common/api-exception';
import { cacheKeyOf, FingerprintedCache } from '../common/fingerprinted-cache';
import { ApiEnv } from '../config/api-env';
import { GithubSettings } from '../github/github-settings';
import { RepoAccessService } from '../repos/repo-access.service';
import { PeriodError, resolvePeriod, type Period } from './period.util';
import {
  TeamsReadRepository,
  type FigureRow,
  type FigureScope,
  type OrgRow,
  type PersonRow,
  type ReviewQueueRow,
  type TeamRow,
} from './teams-read.repository';

export interface PeriodQuery {
  period?: TeamsPeriodKind;
  from?: string;
  to?: string;
  includeBots?: boolean;
}

const MOST_ACTIVE_REPOS = 5;
const PERSON_LIST_LIMIT = 20;
/** A person's repositories listed, most recently active first (all are counted). */
const PERSON_REPOS_LIMIT = 50;
/** The review load counts the reviews of this many days. */
const REVIEW_LOAD_DAYS = 28;
/** Computed pages kept (organization and team activity; people's work). */
const CACHED_PAGES = 200;
/** Waiting times and the review load's window are taken as of the minute, so a page can be reused within it. */
const MINUTE_MS = 60_000;

/**
 * The organization, team and person pages. Only a member of the organization (as GitHub last told us) sees its
 * pages; anyone else is told it does not exist. Every figure covers only the repositories the viewer may read.
 */
@Injectable()
export class TeamsService {
  private readonly botLogins: string[];
  private readonly activityPages = new FingerprintedCache<Omit<ActivityPage, 'reviewQueue'>>(CACHED_PAGES);
  private readonly reviewQueues = new FingerprintedCache<ActivityPage['reviewQueue']>(CACHED_PAGES);
  private readonly personWork = new FingerprintedCache<PersonWork>(CACHED_PAGES);

  constructor(
    private readonly read: TeamsReadRepository,
    private readonly access: RepoAccessService,
    private readonly settings: GithubSettings,
    env: ApiEnv,
  ) {
    this.botLogins = env.BOT_LOGINS.map((l) => l.toLowerCase());
  }

  /** The viewer's organizations and their teams (for the navigation). */
  async memberships(user: SessionUser): Promise<OrgMembership[]> {
    const out: OrgMembership[] = [];
    for (const o of await this.read.orgsOf(user.githubHost, user.githubId)) {
      const org = await this.read.findOrg(user.githubHost, o.login);
      const teams = org ? await this.read.teams(org.id) : [];
      out.push({ login: o.login, name: o.name, teams: teams.map((t) => summary(t, teams)) });
    }
    return out;
  }

  async orgPage(user: SessionUser, orgLogin: string, q: PeriodQuery): Promise<OrgPage> {
    const period = this.period(q);
    const org = await this.memberOrg(user, orgLogin);
    const repos = await this.readableRepos(user, org.login);
    const teams = await this.read.teams(org.id);
    const page = await this.activity(this.scope(org.login, repos, null, q), period, q);
    return {
      org: {
        login: org.login,
        name: org.name,
        avatarUrl: org.avatarUrl,
        syncedAt: org.syncedAt ? org.syncedAt.toISOString() : null,
      },
      teams: teams.map((t) => summary(t, teams)),
      ...page,
    };
  }

  async teamPage(user: SessionUser, orgLogin: string, slug: string, q: PeriodQuery): Promise<TeamPage> {
    const period = this.period(q);
    const { org, teams, team, members } = await this.visibleTeam(user, orgLogin, slug);
    const repos = await this.readableRepos(user, org.login);
    const teamRepoIds = new Set(await this.read.teamRepoGithubIds(org.id, team.githubId));
    const authors = members.map((m) => m.login.toLowerCase());
    const page = await this.activity(this.scope(org.login, repos, authors, q), period, q);
    return {
      org: { login: org.login, name: org.name },
      team: summary(team, teams),
      childTeams: teams.filter((t) => t.parentGithubId === team.githubId).map((t) => summary(t, teams)),
      members: members.map((m) => this.personRef(m)).filter((m) => q.includeBots || !m.isBot),
      teamRepositories: repos.filter((r) => teamRepoIds.has(r.githubId)).map((r) => r.fullName),
      ...page,
    };
  }

  /**
   * Ids of the team's repositories (its own and its parent teams') that the viewer may read: the team's
   * activity timeline. 404 for a non-member of the organization or a team they cannot see.
   */
  async teamRepoIds(user: SessionUser, orgLogin: string, slug: string): Promise<string[]> {
    return (await this.teamScope(user, orgLogin, slug)).repoIds;
  }

  /**
   * The organization as the viewer may use it (other modules' organization pages): its id and login and the
   * viewer's role (`admin` for an owner). 404 `org_not_found` for a non-member.
   */
  async organizationOf(
    user: SessionUser,
    orgLogin: string,
  ): Promise<{ id: string; login: string; role: string }> {
    const org = await this.read.findOrg(user.githubHost, orgLogin);
    const role = org ? await this.read.memberRole(org.id, user.githubId) : null;
    if (!org || !role) throw ApiException.notFound('org_not_found', `Organization ${orgLogin} not found`);
    return { id: org.id, login: org.login, role };
  }

  /**
   * What a team's figures cover, for any module: the team's repositories (its own and its parents') the viewer
   * may read, and its members' lowercased logins (child teams included). 404 as for the team page.
   */
  async teamScope(
    user: SessionUser,
    orgLogin: string,
    slug: string,
  ): Promise<{ repoIds: string[]; memberLogins: string[] }> {
    const { org, team, members } = await this.visibleTeam(user, orgLogin, slug);
    const teamRepos = new Set(await this.read.teamRepoGithubIds(org.id, team.githubId));
    const repos = (await this.readableRepos(user, org.login)).filter((r) => teamRepos.has(r.githubId));
    return { repoIds: repos.map((r) => r.id), memberLogins: members.map((m) => m.login.toLowerCase()) };
  }

  async personPage(user: SessionUser, login: string): Promise<PersonPage> {
    // GitHub's answers that are too old are asked again first; every read below applies the access rule itself.
    await this.access.recheckStale(user.id);
    const known = await this.read.findPerson(user.githubHost, login);
    const now = minute(Date.now());
    const { fingerprint, repos } = await this.read.viewerFingerprint(user.githubHost, user.id);
    // The page as shown, not the rows it is built from: building it again on every request was most of its cost.
    const work = await this.personWork.get(cacheKeyOf([login, repos, now]), fingerprint, async () => {
      const [commits, pulls, repositories, reviewed, load] = await Promise.all([
        this.read.personCommits(user.id, login, PERSON_LIST_LIMIT),
        this.read.personPulls(user.id, login, PERSON_LIST_LIMIT),
        this.read.personRepos(user.id, login, PERSON_REPOS_LIMIT),
        this.read.personReviews(user.id, login, PERSON_LIST_LIMIT),
        this.read.reviewLoad(user.id, login, new Date(now - REVIEW_LOAD_DAYS * 86_400_000)),
      ]);
      return personWork(now, { commits, pulls, repositories, reviewed, load });
    });
    // Someone we know nothing of, or whose work is all in repositories the viewer may not read: no such page.
    if (
      !work.repositories.length &&
      !work.reviewedPullRequests.length &&
      !(known && (await this.sharesAnOrg(user, known)))
    )
      throw ApiException.notFound('person_not_found', `No person ${login} in your repositories`);
    const person: PersonRow = known ?? { githubId: 0, login, name: null, avatarUrl: null, type: 'User' };
    return { person: this.personRef(person), ...work };
  }

  // ---------------------------------------------------------------------------------------------------------

  private period(q: PeriodQuery): Period {
    try {
      return resolvePeriod(q.period ?? 'week', q.from, q.to, new Date());
    } catch (err) {
      if (err instanceof PeriodError) throw ApiException.badRequest(err.message);
      throw err;
    }
  }

  /** The team, when the viewer may see it (a secret team: its members only); otherwise 404. */
  private async visibleTeam(user: SessionUser, orgLogin: string, slug: string) {
    const org = await this.memberOrg(user, orgLogin);
    const teams = await this.read.teams(org.id);
    const team = teams.find((t) => t.slug.toLowerCase() === slug.toLowerCase());
    // A secret team is visible to its members only (and to organization owners, whom we do not single out).
    const members = team ? await this.read.teamMembers(user.githubHost, org.id, team.githubId) : [];
    if (!team || (team.privacy === 'secret' && !members.some((m) => m.githubId === user.githubId)))
      throw ApiException.notFound('team_not_found', `Team ${orgLogin}/${slug} not found`);
    return { org, teams, team, members };
  }

  /** The organization, when the viewer is a member of it; otherwise the same 404 as for no organization. */
  private async memberOrg(user: SessionUser, login: string): Promise<OrgRow> {
    const org = await this.read.findOrg(user.githubHost, login);
    if (!org || !(await this.read.isMember(org.id, user.githubId)))
      throw ApiException.notFound('org_not_found', `Organization ${login} not found`);
    return org;
  }

  private async readableRepos(user: SessionUser, orgLogin: string) {
    return this.read.reposOfOwner(await this.access.readableRepoIds(user.id, { owner: orgLogin }), orgLogin);
  }

  private async sharesAnOrg(user: SessionUser, person: PersonRow): Promise<boolean> {
    const mine = new Set((await this.read.orgsOf(user.githubHost, user.githubId)).map((o) => o.login));
    return (await this.read.orgsOf(user.githubHost, person.githubId)).some((o) => mine.has(o.login));
  }

  private scope(
    owner: string,
    repos: Array<{ id: string }>,
    authors: string[] | null,
    q: PeriodQuery,
  ): FigureScope {
    return {
      githubHost: this.settings.host,
      owner,
      repoIds: repos.map((r) => r.id),
      authors,
      includeBots: q.includeBots === true,
      botLogins: this.botLogins,
    };
  }

  /**
   * An organization's or a team's figures. Reused while the repositories in view, the team's members, the
   * period, the stored data of those repositories and the accounts known as bots are the same; the review queue
   * (its waiting times are taken as of the minute) also while the minute is. Kept apart, so that a new minute
   * recomputes only the queue, not every team's figures at once.
   */
  private async activity(scope: FigureScope, period: Period, q: PeriodQuery): Promise<ActivityPage> {
    const reviewAt = new Date(Math.min(minute(Date.now()), period.current.to.getTime()));
    const fingerprint = await this.read.pageFingerprint(scope.githubHost, scope.repoIds);
    const [figures, reviewQueue] = await Promise.all([
      this.activityPages.get(cacheKeyOf([scope, period]), fingerprint, () =>
        this.computeFigures(scope, period, q),
      ),
      this.reviewQueues.get(cacheKeyOf([scope, period, reviewAt]), fingerprint, async () =>
        compared(await this.read.reviewQueue(scope, reviewAt, period.previous.to), toQueue),
      ),
    ]);
    return { ...figures, reviewQueue };
  }

  private async computeFigures(
    scope: FigureScope,
    period: Period,
    q: PeriodQuery,
  ): Promise<Omit<ActivityPage, 'reviewQueue'>> {
    const [figures, mostActive, weekly] = await Promise.all([
      this.read.figures(scope, period.current, period.previous),
      this.read.mostActiveRepos(scope, period.current, MOST_ACTIVE_REPOS),
      this.read.weekly(scope, period.trendFrom, period.current.to),
    ]);
    return {
      period: {
        kind: period.kind,
        current: { from: period.current.from.toISOString(), to: period.current.to.toISOString() },
        previous: { from: period.previous.from.toISOString(), to: period.previous.to.toISOString() },
      },
      includeBots: q.includeBots === true,
      repositories: scope.repoIds.length,
      figures: compared(figures, toFigures),
      mostActiveRepositories: mostActive,
      weekly: weekly.map((w) => ({ ...w, weekStart: w.weekStart.toISOString() })),
    };
  }

  private personRef(p: PersonRow): PersonRef {
    const login = p.login.toLowerCase();
    return {
      login: p.login,
      name: p.name,
      avatarUrl: p.avatarUrl,
      isBot: p.type === 'Bot' || login.endsWith('[bot]') || this.botLogins.includes(login),
    };
  }
}

type PersonWork = Omit<PersonPage, 'person'>;

function pullState(p: { merged_at: Date | string | null; state: string }): PullState {
  return p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed';
}

/** A person's work as their page shows it, from the rows read as of the minute `now`. */
function personWork(
  now: number,
  rows: {
    commits: Awaited<ReturnType<TeamsReadRepository['personCommits']>>;
    pulls: Awaited<ReturnType<TeamsReadRepository['personPulls']>>;
    repositories: Awaited<ReturnType<TeamsReadRepository['personRepos']>>;
    reviewed: Awaited<ReturnType<TeamsReadRepository['personReviews']>>;
    load: Awaited<ReturnType<TeamsReadRepository['reviewLoad']>>;
  },
): PersonWork {
  const { commits, pulls, repositories, reviewed, load } = rows;
  const waiting = pulls.filter(
    (p) => p.state === 'open' && !p.draft && p.first_review_at === null && p.review_count === 0,
  );
  return {
    recentCommits: commits.map((c) => ({
      repository: c.full_name,
      sha: c.sha,
      message: c.message.split('\n', 1)[0] ?? '',
      committedAt: new Date(c.committed_at).toISOString(),
      additions: c.additions,
      deletions: c.deletions,
      htmlUrl: c.html_url,
    })),
    pullRequests: pulls.map((p) => ({
      repository: p.full_name,
      number: p.number,
      title: p.title,
      state: pullState(p),
      draft: p.draft,
      createdAt: new Date(p.created_at).toISOString(),
      mergedAt: p.merged_at ? new Date(p.merged_at).toISOString() : null,
      firstReviewAt: p.first_review_at ? new Date(p.first_review_at).toISOString() : null,
      reviewCount: p.review_count,
      htmlUrl: p.html_url,
    })),
    awaitingReview: {
      count: waiting.length,
      longestWaitingHours: waiting.length
        ? Math.round(Math.max(...waiting.map((p) => now - new Date(p.created_at).getTime())) / 360_000) / 10
        : null,
    },
    reviewedPullRequests: reviewed.map((r) => ({
      repository: r.full_name,
      number: r.number,
      title: r.title,
      state: pullState(r),
      reviewState: r.review_state,
      reviewedAt: new Date(r.submitted_at).toISOString(),
      htmlUrl: r.html_url,
    })),
    reviewLoad: { reviewsLast4Weeks: load.recent, openPullRequestsReviewed: load.open },
    repositoryCount: repositories.total,
    repositories: repositories.repositories.map((r) => ({
      fullName: r.fullName,
      commits: r.commits,
      pullRequests: r.pullRequests,
      lastActivityAt: r.lastActivityAt ? r.lastActivityAt.toISOString() : null,
    })),
  };
}

const minute = (at: number): number => at - (at % MINUTE_MS);

function summary(t: TeamRow, all: TeamRow[]): TeamSummary {
  return {
    slug: t.slug,
    name: t.name,
    description: t.description,
    parentSlug: all.find((p) => p.githubId === t.parentGithubId)?.slug ?? null,
    members: t.members,
  };
}

function compared<R extends { current: boolean }, T>(rows: R[], map: (row: R | undefined) => T): Compared<T> {
  return { current: map(rows.find((r) => r.current)), previous: map(rows.find((r) => !r.current)) };
}

function toFigures(r: FigureRow | undefined): ActivityFigures {
  return {
    commits: r?.commits ?? 0,
    linesAdded: r?.linesAdded ?? 0,
    linesDeleted: r?.linesDeleted ?? 0,
    pullsOpened: r?.pullsOpened ?? 0,
    pullsMerged: r?.pullsMerged ?? 0,
    cycleTimeMedianHours: r?.cycleTimeMedianHours ?? null,
    cycleTimeP75Hours: r?.cycleTimeP75Hours ?? null,
    activeContributors: r?.activeContributors ?? 0,
  };
}

function toQueue(r: ReviewQueueRow | undefined): ReviewQueue {
  return {
    waiting: r?.waiting ?? 0,
    medianWaitingHours: r?.medianWaitingHours ?? null,
    longestWaitingHours: r?.longestWaitingHours ?? null,
  };
}
