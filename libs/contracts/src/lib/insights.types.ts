import type { IsoDateTime, TeamsPeriodKind, TimeRange } from './api.types';

// --- delivery insights: deployment detection, incidents, DORA four keys, pull request cycle -------------------

/**
 * What counts as a deployment of a repository. One rule is in force per repository: its own, else its
 * organization's default, else `{ kind: 'deployments', environments: ['production'] }`.
 */
export type DeploymentRule =
  /** GitHub deployments to one of these environments (compared case-insensitively). */
  | { kind: 'deployments'; environments: string[] }
  /** Published releases (drafts never; pre-releases only when asked). */
  | { kind: 'releases'; includePrereleases: boolean }
  /** Tags whose name matches a glob (`*` any run of characters, `?` one character), e.g. `v*`. */
  | { kind: 'tags'; pattern: string }
  /** Successful GitHub Actions runs of the workflow with this name on the default branch. */
  | { kind: 'workflow'; workflowName: string }
  /** Every pull request merged into the default branch is a deployment of itself (the fallback). */
  | { kind: 'merges' };

export type DeploymentRuleKind = DeploymentRule['kind'];
export const DEPLOYMENT_RULE_KINDS: readonly DeploymentRuleKind[] = [
  'deployments',
  'releases',
  'tags',
  'workflow',
  'merges',
];

/** What counts as an incident (a failed change). */
export interface IncidentRule {
  /** Issues with any of these labels (case-insensitive). Empty: issues are never incidents. */
  labels: string[];
  /** A merged pull request that reverts another merged pull request. */
  reverts: boolean;
  /** A deployment whose latest status is failure or error. */
  failedDeployments: boolean;
}

export interface InsightsSettings {
  deployment: DeploymentRule;
  incidents: IncidentRule;
}

export const DEFAULT_INSIGHTS_SETTINGS: InsightsSettings = {
  deployment: { kind: 'deployments', environments: ['production'] },
  incidents: { labels: ['incident'], reverts: true, failedDeployments: true },
};

/** Where the settings in force come from. */
export type InsightsSettingsSource = 'repository' | 'organization' | 'default';

export type DeploymentSource = 'deployment' | 'release' | 'tag' | 'workflow_run' | 'merge';

/** A deployment as a rule detected it. */
export interface DetectedDeployment {
  /** Stable within its source: the deployment id, release tag, tag name, run id or pull request number. */
  key: string;
  source: DeploymentSource;
  /** What was deployed, when known. */
  sha: string | null;
  /** When it went out (a GitHub deployment: its first success status; otherwise its creation or merge). */
  at: IsoDateTime;
  /** The GitHub deployment's environment; null for the other sources. */
  environment: string | null;
  /** A human label: "v1.2.0", "Deploy #41", "production deployment 9", "#12 Fix login". */
  name: string;
  status: 'success' | 'failure';
  url: string | null;
}

/** GET/PUT /api/v1/repos/{owner}/{name}/insights/settings */
export interface RepoInsightsSettings {
  /** The settings in force and where they come from. */
  effective: InsightsSettings;
  source: InsightsSettingsSource;
  /** The repository's own settings, when it has some. */
  repository: InsightsSettings | null;
  /** Its organization's default, when there is one. */
  organization: InsightsSettings | null;
  /** The last 10 deployments the rule in force detected, newest first. */
  lastDeployments: DetectedDeployment[];
}

/** GET/PUT /api/v1/orgs/{org}/insights/settings */
export interface OrgInsightsSettings {
  effective: InsightsSettings;
  source: 'organization' | 'default';
}

/** Performance clusters of the 2024 Accelerate State of DevOps report (DORA). */
export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

export interface DoraFigures {
  /**
   * No deployment was detected for the repositories in scope by their rules (in what is read: the period, the
   * trend weeks and the 90 days before): the other figures are null, never zero, and the page says so.
   */
  noDeployments: boolean;
  deploymentFrequency: {
    /** Successful deployments in the period. */
    deployments: number;
    perWeek: number | null;
    band: DoraBand | null;
  };
  leadTime: {
    /** Hours from a change's first commit to the first deployment containing it. */
    medianHours: number | null;
    p75Hours: number | null;
    changes: number;
    band: DoraBand | null;
  };
  changeFailureRate: {
    /** failed / deployments, 0..1; null without deployments. */
    rate: number | null;
    failed: number;
    deployments: number;
    band: DoraBand | null;
  };
  recoveryTime: {
    medianHours: number | null;
    p75Hours: number | null;
    recovered: number;
    /** Incidents started in the period and not recovered yet. */
    open: number;
    band: DoraBand | null;
  };
}

export interface WeeklyDora {
  weekStart: IsoDateTime;
  deployments: number;
  leadTimeMedianHours: number | null;
  failed: number;
  recoveryMedianHours: number | null;
}

/** GET /api/v1/repos/{owner}/{name}/insights/dora, /orgs/{org}/insights/dora, /orgs/{org}/teams/{team}/insights/dora */
export interface DoraPage {
  /** `previous` as in Compared: while `current` is under way, as far into it as `current` has run. */
  period: { kind: TeamsPeriodKind; current: TimeRange; previous: TimeRange };
  /** Which report the bands come from. */
  bandsSource: string;
  /** The repositories counted, each with the deployment rule in force. */
  repositories: Array<{ fullName: string; rule: DeploymentRule; source: InsightsSettingsSource }>;
  current: DoraFigures;
  previous: DoraFigures;
  weekly: WeeklyDora[];
}

export type PullSizeBucket = 'xs' | 's' | 'm' | 'l' | 'xl';
export const PULL_SIZE_BUCKETS: readonly PullSizeBucket[] = ['xs', 's', 'm', 'l', 'xl'];

export type CycleStage = 'coding' | 'pickup' | 'review' | 'merge' | 'deploy';
export const CYCLE_STAGES: readonly CycleStage[] = ['coding', 'pickup', 'review', 'merge', 'deploy'];

export interface StageFigure {
  medianHours: number | null;
  p75Hours: number | null;
  /** Pull requests with this stage measured. */
  count: number;
}

export interface CycleBreakdown {
  /** Pull requests merged in the period. */
  merged: number;
  stages: Record<CycleStage, StageFigure>;
  /** Time spent as a draft before review was asked (inside coding's span, shown apart). */
  draft: StageFigure;
  /** Review comments per reviewed pull request. */
  reviewDepth: { median: number | null; mean: number | null };
  /** 1 + change requests, per reviewed pull request. */
  reviewRounds: { median: number | null; mean: number | null };
  sizes: Record<PullSizeBucket, number>;
  mergedWithoutReview: number;
  /** Merged but not in any deployment yet. */
  notDeployed: number;
}

export interface WeeklyCycle {
  weekStart: IsoDateTime;
  merged: number;
  /** Median hours per stage of the pull requests merged that week (the stacked bar). */
  stages: Record<CycleStage, number | null>;
}

/** GET …/insights/cycle */
export interface CyclePage {
  period: { kind: TeamsPeriodKind; current: TimeRange; previous: TimeRange };
  current: CycleBreakdown;
  previous: CycleBreakdown;
  weekly: WeeklyCycle[];
  /** Whether reviews are stored: without them pickup, review and merge are null and every pull request is "without review". */
  reviewsAvailable: boolean;
}

/** One row of the drill-down: exactly what a figure counted. */
export interface DrillDeployment extends DetectedDeployment {
  repository: string;
  /** Pull requests it was the first deployment of. */
  pulls: number[];
  failed: boolean;
}

export interface DrillPull {
  repository: string;
  number: number;
  title: string;
  author: string | null;
  mergedAt: IsoDateTime;
  deployedAt: IsoDateTime | null;
  deploymentKey: string | null;
  leadTimeHours: number | null;
  codingHours: number | null;
  draftHours: number | null;
  pickupHours: number | null;
  reviewHours: number | null;
  mergeHours: number | null;
  deployHours: number | null;
  size: PullSizeBucket | null;
  reviewed: boolean;
  url: string | null;
}

export type IncidentSource = 'issue' | 'revert' | 'failed_deployment';

export interface DrillIncident {
  repository: string;
  key: string;
  source: IncidentSource;
  title: string;
  startedAt: IsoDateTime;
  recoveredAt: IsoDateTime | null;
  recoveryHours: number | null;
  /** The deployment it is counted against (change failure rate). */
  deploymentKey: string | null;
  url: string | null;
}

/** GET …/insights/drilldown?kind=deployments|pulls|incidents (format=csv for a CSV file) */
export type DrillKind = 'deployments' | 'pulls' | 'incidents';
export const DRILL_KINDS: readonly DrillKind[] = ['deployments', 'pulls', 'incidents'];

export interface DrillPage {
  period: { kind: TeamsPeriodKind; current: TimeRange };
  deployments: DrillDeployment[];
  pulls: DrillPull[];
  incidents: DrillIncident[];
}
