import type { DoraFigures, DoraPage } from '@trackeep/contracts';
import { cycleChart, deliveryPeriodFromQuery, doraCards, ruleText } from './delivery-figures';

const figures = (over: Partial<DoraFigures> = {}): DoraFigures => ({
  noDeployments: false,
  deploymentFrequency: { deployments: 2, perWeek: 2, band: 'high' },
  leadTime: { medianHours: 25.5, p75Hours: 39, changes: 4, band: 'high' },
  changeFailureRate: { rate: 0.667, failed: 2, deployments: 3, band: 'low' },
  recoveryTime: { medianHours: 4, p75Hours: 4, recovered: 3, open: 1, band: 'high' },
  ...over,
});

const page = (current: DoraFigures, previous = figures()): DoraPage => ({
  period: {
    kind: '4w',
    current: { from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' },
    previous: { from: '2026-02-23T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' },
  },
  bandsSource: '2024 Accelerate State of DevOps report (DORA)',
  repositories: [],
  current,
  previous,
  weekly: [],
});

describe('delivery figures', () => {
  it('shows each key with its band, what it counted and the previous value', () => {
    expect(doraCards(page(figures()))).toEqual([
      {
        label: 'Deployment frequency',
        value: '2 / week',
        detail: '2 deployments',
        previous: '2 / week',
        band: 'high',
        note: null,
      },
      {
        label: 'Lead time for changes',
        value: '25.5 h',
        detail: 'median of 4 changes · p75 39 h',
        previous: '25.5 h',
        band: 'high',
        note: null,
      },
      {
        label: 'Change failure rate',
        value: '66.7 %',
        detail: '2 of 3 deployments',
        previous: '66.7 %',
        band: 'low',
        note: null,
      },
      {
        label: 'Failed deployment recovery time',
        value: '4 h',
        detail: 'median of 3 recovered incidents · 1 open',
        previous: '4 h',
        band: 'high',
        note: null,
      },
    ]);
  });

  it('says "no deployments" on every card rather than a zero', () => {
    const none = figures({
      noDeployments: true,
      deploymentFrequency: { deployments: 0, perWeek: null, band: null },
      leadTime: { medianHours: null, p75Hours: null, changes: 0, band: null },
      changeFailureRate: { rate: null, failed: 0, deployments: 0, band: null },
      recoveryTime: { medianHours: null, p75Hours: null, recovered: 0, open: 0, band: null },
    });
    const cards = doraCards(page(none, none));
    expect(cards.map((c) => c.note)).toEqual(Array(4).fill('No deployments detected by the rule in force'));
    expect(cards[0]!.value).toBe('–');
  });

  it('stacks the five stages per week', () => {
    const spec = cycleChart([
      {
        weekStart: '2026-03-02T00:00:00.000Z',
        merged: 5,
        stages: { coding: 1.5, pickup: 2, review: 0, merge: 2, deploy: 12.5 },
      },
    ]);
    expect(spec.stacked).toBe(true);
    expect(spec.labels).toEqual(['Mar 2']);
    expect(spec.series.map((s) => [s.label, s.data])).toEqual([
      ['Coding (h)', [1.5]],
      ['Pickup (h)', [2]],
      ['Review (h)', [0]],
      ['Merge (h)', [2]],
      ['Deploy (h)', [12.5]],
    ]);
    // One color per stage, or two stages read as one in the stack.
    expect(new Set(spec.series.map((s) => s.tone)).size).toBe(5);
  });

  it('reads the period from the query string, four weeks by default', () => {
    expect(deliveryPeriodFromQuery({})).toEqual({ period: '4w' });
    expect(deliveryPeriodFromQuery({ period: 'custom', from: '2026-01-05' })).toEqual({ period: '4w' });
    expect(deliveryPeriodFromQuery({ period: 'custom', from: '2026-01-05', to: '2026-01-11' })).toEqual({
      period: 'custom',
      from: '2026-01-05',
      to: '2026-01-11',
    });
  });

  it('names the rule in force', () => {
    expect(ruleText({ kind: 'deployments', environments: ['production', 'eu'] })).toBe(
      'GitHub deployments to production, eu',
    );
    expect(ruleText({ kind: 'tags', pattern: 'v*' })).toBe('Tags matching v*');
    expect(ruleText({ kind: 'merges' })).toBe('Every merge into the default branch');
  });
});
