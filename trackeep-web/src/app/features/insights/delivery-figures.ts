import {
  CYCLE_STAGES,
  type CycleStage,
  type DeploymentRule,
  type DoraBand,
  type DoraPage,
  type TeamsPeriodKind,
  type WeeklyCycle,
  type WeeklyDora,
} from '@trackeep/contracts';
import type { DeliveryPeriod } from '../../core/api/insights.api';
import type { ChartSpec, ChartTone } from '../../shared/chart/chart.types';
import { hoursText } from '../../shared/format.util';

export interface DoraCard {
  label: string;
  value: string;
  /** What the value counts, e.g. "12 deployments" or "4 changes". */
  detail: string;
  previous: string;
  band: DoraBand | null;
  /** Shown instead of a value when there is nothing to measure. */
  note: string | null;
}

const PERIODS: readonly TeamsPeriodKind[] = ['week', '4w', 'quarter', 'custom'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The period in the URL's query string; the insights default to the last four weeks. */
export function deliveryPeriodFromQuery(q: Record<string, string | undefined>): DeliveryPeriod {
  const period = PERIODS.includes(q['period'] as TeamsPeriodKind) ? (q['period'] as TeamsPeriodKind) : '4w';
  const from = q['from'] && DATE.test(q['from']) ? q['from'] : undefined;
  const to = q['to'] && DATE.test(q['to']) ? q['to'] : undefined;
  if (period === 'custom' && (!from || !to)) return { period: '4w' };
  return period === 'custom' ? { period, from, to } : { period };
}

const percent = (r: number | null) => (r === null ? '–' : `${Math.round(r * 1000) / 10} %`);
const perWeek = (n: number | null) => (n === null ? '–' : `${n} / week`);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The four keys as cards, each with its band and the previous period's value. */
export function doraCards(page: DoraPage): DoraCard[] {
  const c = page.current;
  const p = page.previous;
  const none = c.noDeployments ? 'No deployments detected by the rule in force' : null;
  return [
    {
      label: 'Deployment frequency',
      value: perWeek(c.deploymentFrequency.perWeek),
      detail: plural(c.deploymentFrequency.deployments, 'deployment', 'deployments'),
      previous: perWeek(p.deploymentFrequency.perWeek),
      band: c.deploymentFrequency.band,
      note: none,
    },
    {
      label: 'Lead time for changes',
      value: hoursText(c.leadTime.medianHours),
      detail: `median of ${plural(c.leadTime.changes, 'change', 'changes')} · p75 ${hoursText(c.leadTime.p75Hours)}`,
      previous: hoursText(p.leadTime.medianHours),
      band: c.leadTime.band,
      note: none ?? (c.leadTime.changes === 0 ? 'No change deployed in this period' : null),
    },
    {
      label: 'Change failure rate',
      value: percent(c.changeFailureRate.rate),
      detail: `${c.changeFailureRate.failed} of ${plural(c.changeFailureRate.deployments, 'deployment', 'deployments')}`,
      previous: percent(p.changeFailureRate.rate),
      band: c.changeFailureRate.band,
      note: none ?? (c.changeFailureRate.deployments === 0 ? 'No deployment in this period' : null),
    },
    {
      label: 'Failed deployment recovery time',
      value: hoursText(c.recoveryTime.medianHours),
      detail: `median of ${plural(c.recoveryTime.recovered, 'recovered incident', 'recovered incidents')}${
        c.recoveryTime.open ? ` · ${c.recoveryTime.open} open` : ''
      }`,
      previous: hoursText(p.recoveryTime.medianHours),
      band: c.recoveryTime.band,
      note:
        none ??
        (c.recoveryTime.recovered === 0 && c.recoveryTime.open === 0 ? 'No incident in this period' : null),
    },
  ];
}

export const BAND_TEXT: Record<DoraBand, string> = {
  elite: 'Elite',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

const STAGE_TEXT: Record<CycleStage, string> = {
  coding: 'Coding',
  pickup: 'Pickup',
  review: 'Review',
  merge: 'Merge',
  deploy: 'Deploy',
};
const STAGE_TONE: Record<CycleStage, ChartTone> = {
  coding: 'primary',
  pickup: 'secondary',
  review: 'tertiary',
  merge: 'error',
  deploy: 'neutral',
};

export const stageText = (s: CycleStage) => STAGE_TEXT[s];

const weekLabel = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** The weekly stacked bar: median hours of each stage of the pull requests merged that week. */
export function cycleChart(weeks: readonly WeeklyCycle[]): ChartSpec {
  return {
    kind: 'bar',
    stacked: true,
    labels: weeks.map((w) => weekLabel.format(Date.parse(w.weekStart))),
    valueLabel: 'Hours (median)',
    series: CYCLE_STAGES.map((s) => ({
      label: `${STAGE_TEXT[s]} (h)`,
      tone: STAGE_TONE[s],
      data: weeks.map((w) => w.stages[s]),
    })),
  };
}

/** Deployments per week (the frequency card's trend). */
export function deploymentsChart(weeks: readonly WeeklyDora[]): ChartSpec {
  return {
    kind: 'bar',
    labels: weeks.map((w) => weekLabel.format(Date.parse(w.weekStart))),
    valueLabel: 'Count',
    series: [
      { label: 'Deployments', tone: 'primary', data: weeks.map((w) => w.deployments) },
      { label: 'Failed', tone: 'error', data: weeks.map((w) => w.failed) },
    ],
  };
}

/** "GitHub deployments to production", "releases (pre-releases too)", … */
export function ruleText(rule: DeploymentRule): string {
  switch (rule.kind) {
    case 'deployments':
      return `GitHub deployments to ${rule.environments.join(', ')}`;
    case 'releases':
      return rule.includePrereleases ? 'Published releases, pre-releases included' : 'Published releases';
    case 'tags':
      return `Tags matching ${rule.pattern}`;
    case 'workflow':
      return `Successful runs of the "${rule.workflowName}" workflow on the default branch`;
    case 'merges':
      return 'Every merge into the default branch';
  }
}
