import {
  CYCLE_STAGES,
  type CycleBreakdown,
  type CycleStage,
  type DoraFigures,
  type InsightsSettings,
  type PullSizeBucket,
  type StageFigure,
  type WeeklyCycle,
  type WeeklyDora,
} from '@trackeep/contracts';
import { firstDeploymentOf } from './containment';
import { detectDeployments, type Deployment } from './deployment-detection';
import { changeFailureBand, frequencyBand, leadTimeBand, recoveryBand } from './dora-bands';
import { detectIncidents, type Incident } from './incident-detection';
import { isMerged, type MergedPull, type RepoFacts, type ReviewFact } from './insights.facts';
import { hoursBetween, mean, median, percentile, round1, round3 } from './stats.util';

export interface Range {
  from: Date;
  /** Exclusive. */
  to: Date;
}

/** A merged pull request with its stages measured (hours; null where unknown or not reached). */
export interface PullCycle {
  repository: string;
  pull: MergedPull;
  /** Merged into the default branch (only those are deployed and count for lead time). */
  toDefaultBranch: boolean;
  deployment: Deployment | null;
  leadTimeHours: number | null;
  stages: Record<CycleStage, number | null>;
  draftHours: number | null;
  /** Reviewed by someone other than the author (bots excluded) before the merge; null: reviews unknown. */
  reviewed: boolean | null;
  reviewComments: number | null;
  reviewRounds: number | null;
  size: PullSizeBucket | null;
}

/** One repository's deployments, incidents and merged pull requests under its settings. */
export interface RepoAnalysis {
  repository: string;
  deployments: Deployment[];
  incidents: Incident[];
  pulls: PullCycle[];
  /** Deployments that failed, or that an incident is counted against. */
  failed: ReadonlySet<Deployment>;
  /** The pull requests each deployment was the first deployment of. */
  shipped: ReadonlyMap<Deployment, number[]>;
}

export function analyzeRepo(
  settings: InsightsSettings,
  facts: RepoFacts,
  isBot: (login: string) => boolean,
): RepoAnalysis {
  const deployments = detectDeployments(settings.deployment, facts);
  const deploymentOf = firstDeploymentOf(facts.pulls, deployments, facts.commits, facts.defaultBranch);
  const incidents = detectIncidents(settings.incidents, facts, deployments, deploymentOf);
  const pulls = facts.pulls
    .filter(isMerged)
    .map((p) =>
      pullCycle(
        facts.repository,
        p,
        p.baseRef === facts.defaultBranch,
        deploymentOf.get(p.number) ?? null,
        isBot,
      ),
    );
  // Independent of any range: worked out once here rather than for every range a page counts.
  const failedKeys = new Set(
    incidents.flatMap((i) => (i.deployment ? [`${i.deployment.source}:${i.deployment.key}`] : [])),
  );
  const failed = new Set(
    deployments.filter((d) => d.status === 'failure' || failedKeys.has(`${d.source}:${d.key}`)),
  );
  const shipped = new Map<Deployment, number[]>();
  for (const p of pulls) {
    if (!p.deployment) continue;
    const list = shipped.get(p.deployment) ?? [];
    if (!list.length) shipped.set(p.deployment, list);
    list.push(p.pull.number);
  }
  return { repository: facts.repository, deployments, incidents, pulls, failed, shipped };
}

export function pullCycle(
  repository: string,
  pull: MergedPull,
  toDefaultBranch: boolean,
  deployment: Deployment | null,
  isBot: (login: string) => boolean,
): PullCycle {
  const mergedAt = pull.mergedAt;
  const readyAt = pull.readyForReviewAt ?? pull.createdAt;
  const author = pull.author?.toLowerCase() ?? null;
  const byReviewer = (r: ReviewFact) =>
    r.author !== null &&
    r.author.toLowerCase() !== author &&
    !r.authorIsBot &&
    !isBot(r.author) &&
    r.submittedAt <= mergedAt;
  const reviews = pull.reviews
    ?.filter(byReviewer)
    .filter((r) => r.state !== 'PENDING')
    .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime());
  const firstReview = reviews?.[0] ?? null;
  const approval = reviews?.find((r) => r.state === 'APPROVED') ?? null;
  const start = pull.firstCommitAt ?? pull.createdAt;
  return {
    repository,
    pull,
    toDefaultBranch,
    deployment,
    leadTimeHours: deployment ? hoursBetween(start, deployment.at) : null,
    stages: {
      coding: pull.firstCommitAt ? hoursBetween(pull.firstCommitAt, pull.createdAt) : null,
      pickup: firstReview ? hoursBetween(readyAt, firstReview.submittedAt) : null,
      review: firstReview && approval ? hoursBetween(firstReview.submittedAt, approval.submittedAt) : null,
      merge: approval ? hoursBetween(approval.submittedAt, mergedAt) : null,
      deploy: deployment ? hoursBetween(mergedAt, deployment.at) : null,
    },
    draftHours: pull.readyForReviewAt ? hoursBetween(pull.createdAt, pull.readyForReviewAt) : null,
    reviewed: reviews ? reviews.length > 0 : null,
    // The pull request's own count when a source gave one, else its reviews' comments when all are known.
    reviewComments:
      pull.comments ??
      (reviews?.length && reviews.every((r) => r.comments !== null)
        ? reviews.reduce((n, r) => n + (r.comments ?? 0), 0)
        : null),
    reviewRounds: reviews?.length ? 1 + reviews.filter((r) => r.state === 'CHANGES_REQUESTED').length : null,
    size: sizeBucket(pull.additions, pull.deletions),
  };
}

/** Lines changed: xs under 10, s under 50, m under 250, l under 1,000, xl from 1,000. */
export function sizeBucket(additions: number | null, deletions: number | null): PullSizeBucket | null {
  if (additions === null || deletions === null) return null;
  const lines = additions + deletions;
  return lines < 10 ? 'xs' : lines < 50 ? 's' : lines < 250 ? 'm' : lines < 1000 ? 'l' : 'xl';
}

const within = (at: Date, r: Range) => at.getTime() >= r.from.getTime() && at.getTime() < r.to.getTime();
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** What the four keys counted in a range: the drill-down's rows. */
export interface DoraCounted {
  /** Deployments in the range, successful and failed. */
  deployments: Array<{ repository: string; deployment: Deployment; failed: boolean; pulls: number[] }>;
  /** Changes whose first deployment is in the range (lead time). */
  changes: PullCycle[];
  /** Incidents started in the range (recovery time). */
  incidents: Array<{ repository: string; incident: Incident }>;
}

export function doraCounted(analyses: readonly RepoAnalysis[], range: Range): DoraCounted {
  const out: DoraCounted = { deployments: [], changes: [], incidents: [] };
  for (const a of analyses) {
    for (const d of a.deployments) {
      if (!within(d.at, range)) continue;
      out.deployments.push({
        repository: a.repository,
        deployment: d,
        failed: a.failed.has(d),
        pulls: a.shipped.get(d) ?? [],
      });
    }
    for (const p of a.pulls) if (p.deployment && within(p.deployment.at, range)) out.changes.push(p);
    for (const i of a.incidents)
      if (within(i.startedAt, range)) out.incidents.push({ repository: a.repository, incident: i });
  }
  return out;
}

/**
 * The four keys over a range. Without any deployment ever detected, every figure is null and
 * `noDeployments` says why: a zero would read as a measured one.
 *
 * - deployment frequency: successful deployments in the range, per week of `ranFor` (the part of the range that
 *   has passed; a day at least);
 * - lead time: first commit (the opening when commits are unknown) to the first deployment containing the
 *   change, over changes first deployed in the range;
 * - change failure rate: deployments in the range that failed or that an incident is counted against, over
 *   all deployments in the range (failed ones included);
 * - recovery time: incidents started in the range, start to recovery; open ones are counted apart.
 */
export function doraFigures(
  analyses: readonly RepoAnalysis[],
  range: Range,
  ranFor: Range = range,
): DoraFigures {
  const noDeployments = analyses.every((a) => a.deployments.length === 0);
  const counted = doraCounted(analyses, range);
  const successes = counted.deployments.filter((d) => d.deployment.status === 'success').length;
  // A rate per day needs a day at least: a period a few minutes old would extrapolate one deployment to hundreds.
  const days = Math.max((ranFor.to.getTime() - ranFor.from.getTime()) / DAY_MS, 1);
  const leads = leadTimes(counted.changes);
  const failed = counted.deployments.filter((d) => d.failed).length;
  const total = counted.deployments.length;
  const recoveries = recoveryTimes(counted.incidents);
  const leadMedian = median(leads);
  const recoveryMedian = median(recoveries);
  const rate = total ? failed / total : null;
  return {
    noDeployments,
    deploymentFrequency: {
      deployments: successes,
      perWeek: noDeployments ? null : round3((successes / days) * 7),
      band: noDeployments ? null : frequencyBand(successes / days),
    },
    leadTime: {
      medianHours: round1(leadMedian),
      p75Hours: round1(percentile(leads, 0.75)),
      changes: leads.length,
      band: leadMedian === null ? null : leadTimeBand(leadMedian),
    },
    changeFailureRate: {
      rate: round3(rate),
      failed,
      deployments: total,
      band: rate === null ? null : changeFailureBand(rate),
    },
    recoveryTime: {
      medianHours: round1(recoveryMedian),
      p75Hours: round1(percentile(recoveries, 0.75)),
      recovered: recoveries.length,
      open: counted.incidents.length - recoveries.length,
      band: recoveryMedian === null ? null : recoveryBand(recoveryMedian),
    },
  };
}

const leadTimes = (changes: readonly PullCycle[]): number[] =>
  changes.flatMap((p) => (p.leadTimeHours === null ? [] : [p.leadTimeHours]));

const recoveryTimes = (incidents: DoraCounted['incidents']): number[] =>
  incidents.flatMap(({ incident: i }) => (i.recoveredAt ? [hoursBetween(i.startedAt, i.recoveredAt)] : []));

/**
 * Consecutive weeks (Monday 00:00 UTC, as `weeksBetween` gives them), each with its four keys' counts and
 * medians: what `doraFigures` counts for that week, from one pass over the whole span rather than one per week.
 */
export function weeklyDora(analyses: readonly RepoAnalysis[], weekStarts: readonly Date[]): WeeklyDora[] {
  const [first] = weekStarts;
  if (!first) return [];
  const from = first.getTime();
  const weeks = weekStarts.map((w) => ({
    weekStart: w.toISOString(),
    deployments: 0,
    failed: 0,
    leads: [] as number[],
    recoveries: [] as number[],
  }));
  const weekOf = (at: Date) => weeks[Math.floor((at.getTime() - from) / WEEK_MS)];
  const c = doraCounted(analyses, { from: first, to: new Date(from + weekStarts.length * WEEK_MS) });
  for (const d of c.deployments) {
    const week = weekOf(d.deployment.at);
    if (week && d.deployment.status === 'success') week.deployments++;
    if (week && d.failed) week.failed++;
  }
  for (const p of c.changes)
    if (p.deployment && p.leadTimeHours !== null) weekOf(p.deployment.at)?.leads.push(p.leadTimeHours);
  for (const { incident: i } of c.incidents)
    if (i.recoveredAt) weekOf(i.startedAt)?.recoveries.push(hoursBetween(i.startedAt, i.recoveredAt));
  return weeks.map((w) => ({
    weekStart: w.weekStart,
    deployments: w.deployments,
    leadTimeMedianHours: round1(median(w.leads)),
    failed: w.failed,
    recoveryMedianHours: round1(median(w.recoveries)),
  }));
}

/** Merged pull requests in a range (by merge time). */
export function mergedIn(
  analyses: readonly RepoAnalysis[],
  range: Range,
  author?: (login: string | null) => boolean,
): PullCycle[] {
  return analyses.flatMap((a) =>
    a.pulls.filter((p) => within(p.pull.mergedAt, range) && (!author || author(p.pull.author))),
  );
}

export function cycleBreakdown(pulls: readonly PullCycle[]): CycleBreakdown {
  const stage = (values: Array<number | null>): StageFigure => {
    const v = values.filter((x): x is number => x !== null);
    return { medianHours: round1(median(v)), p75Hours: round1(percentile(v, 0.75)), count: v.length };
  };
  const stages = Object.fromEntries(
    CYCLE_STAGES.map((s) => [s, stage(pulls.map((p) => p.stages[s]))]),
  ) as Record<CycleStage, StageFigure>;
  const comments = pulls.map((p) => p.reviewComments).filter((x): x is number => x !== null);
  const rounds = pulls.map((p) => p.reviewRounds).filter((x): x is number => x !== null);
  const sizes: Record<PullSizeBucket, number> = { xs: 0, s: 0, m: 0, l: 0, xl: 0 };
  for (const p of pulls) if (p.size) sizes[p.size]++;
  return {
    merged: pulls.length,
    stages,
    draft: stage(pulls.map((p) => p.draftHours)),
    reviewDepth: { median: round1(median(comments)), mean: round1(mean(comments)) },
    reviewRounds: { median: round1(median(rounds)), mean: round1(mean(rounds)) },
    sizes,
    mergedWithoutReview: pulls.filter((p) => p.reviewed === false).length,
    notDeployed: pulls.filter((p) => p.toDefaultBranch && !p.deployment).length,
  };
}

/** Per week of merge, the median hours of each stage (the stacked bar). */
export function weeklyCycle(pulls: readonly PullCycle[], weekStarts: readonly Date[]): WeeklyCycle[] {
  return weekStarts.map((w) => {
    const range = { from: w, to: new Date(w.getTime() + 7 * DAY_MS) };
    const week = pulls.filter((p) => within(p.pull.mergedAt, range));
    const stages = Object.fromEntries(
      CYCLE_STAGES.map((s) => [
        s,
        round1(median(week.map((p) => p.stages[s]).filter((x): x is number => x !== null))),
      ]),
    ) as Record<CycleStage, number | null>;
    return { weekStart: w.toISOString(), merged: week.length, stages };
  });
}

/** Monday (UTC) week starts from `from` (a Monday) up to `to`. */
export function weeksBetween(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 7 * DAY_MS) out.push(new Date(t));
  return out;
}
