import type { ActivityPage } from '@trackeep/contracts';
import { figureCards, periodFromQuery, periodText, throughputChart } from './team-figures';

const figures = (commits: number, median: number | null) => ({
  commits,
  linesAdded: 10,
  linesDeleted: 5,
  pullsOpened: 2,
  pullsMerged: 1,
  cycleTimeMedianHours: median,
  cycleTimeP75Hours: null,
  activeContributors: 3,
});

const page: ActivityPage = {
  period: {
    kind: 'week',
    current: { from: '2026-01-05T00:00:00.000Z', to: '2026-01-12T00:00:00.000Z' },
    previous: { from: '2025-12-29T00:00:00.000Z', to: '2026-01-05T00:00:00.000Z' },
  },
  includeBots: false,
  repositories: 2,
  figures: { current: figures(12, 50), previous: figures(8, null) },
  reviewQueue: {
    current: { waiting: 1, medianWaitingHours: 72, longestWaitingHours: 72 },
    previous: { waiting: 0, medianWaitingHours: null, longestWaitingHours: null },
  },
  mostActiveRepositories: [],
  weekly: [
    {
      weekStart: '2025-12-29T00:00:00.000Z',
      commits: 8,
      linesChanged: 15,
      pullsOpened: 2,
      pullsMerged: 1,
      activeContributors: 3,
      cycleTimeMedianHours: null,
    },
    {
      weekStart: '2026-01-05T00:00:00.000Z',
      commits: 12,
      linesChanged: 15,
      pullsOpened: 2,
      pullsMerged: 1,
      activeContributors: 3,
      cycleTimeMedianHours: 50,
    },
  ],
};

describe('team figures', () => {
  it('puts each figure next to the previous period’s, with the change', () => {
    const cards = figureCards(page);
    expect(cards.find((c) => c.label === 'Commits')).toEqual({
      label: 'Commits',
      current: '12',
      previous: '8',
      change: '+50 %',
      direction: 'up',
    });
    // Nothing to compare with: no change shown.
    expect(cards.find((c) => c.label === 'Median cycle time')).toMatchObject({
      current: '2.1 d',
      previous: '–',
      change: null,
    });
    expect(cards.find((c) => c.label === 'Waiting for review')).toMatchObject({
      change: '+1',
      direction: 'up',
    });
  });

  it('reads the period from the query string, falling back to this week', () => {
    expect(periodFromQuery({})).toEqual({
      period: 'week',
      from: undefined,
      to: undefined,
      includeBots: false,
    });
    expect(
      periodFromQuery({ period: 'custom', from: '2026-01-01', to: '2026-01-31', includeBots: 'true' }),
    ).toEqual({
      period: 'custom',
      from: '2026-01-01',
      to: '2026-01-31',
      includeBots: true,
    });
    expect(periodFromQuery({ period: 'custom', from: 'soon' }).period).toBe('week');
    expect(periodFromQuery({ period: 'decade' }).period).toBe('week');
  });

  it('charts commits and merged pull requests per week, labelled by the week’s Monday', () => {
    const spec = throughputChart(page.weekly);
    expect(spec.labels).toEqual(['Dec 29', 'Jan 5']);
    expect(spec.series.map((s) => s.data)).toEqual([
      [8, 12],
      [1, 1],
    ]);
  });
});

describe('periodText', () => {
  it('names a period that is over and the one before it, day by day', () => {
    expect(periodText(page.period)).toBe(
      'Jan 5, 2026 – Jan 11, 2026, compared with Dec 29, 2025 – Jan 4, 2026',
    );
  });

  it('says when the period is under way and only as much of the one before is compared', () => {
    const period = {
      ...page.period,
      previous: { from: '2025-12-29T00:00:00.000Z', to: '2025-12-31T10:30:00.000Z' },
    };
    expect(periodText(period)).toBe(
      'Jan 5, 2026 – Jan 11, 2026 so far, compared with the same part of Dec 29, 2025 – Jan 4, 2026',
    );
  });
});
