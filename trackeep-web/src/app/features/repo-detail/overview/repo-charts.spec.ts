import { aPull } from '../../../../testing/fixtures';
import { commitActivityChart, cycleTimeByWeek, dailyStats, statsChart } from './repo-charts';

const NOW = Date.parse('2026-03-11T12:00:00Z'); // a Wednesday; the week starts Monday 2026-03-09

describe('repository charts', () => {
  it('keeps the last snapshot of each day, oldest first', () => {
    const points = [
      { capturedAt: '2026-03-02T18:00:00Z', stars: 12, forks: 1, watchers: 1, openIssues: 0 },
      { capturedAt: '2026-03-01T10:00:00Z', stars: 10, forks: 1, watchers: 1, openIssues: 0 },
      { capturedAt: '2026-03-02T09:00:00Z', stars: 11, forks: 1, watchers: 1, openIssues: 0 },
    ];
    expect(dailyStats(points).map((p) => p.stars)).toEqual([10, 12]);
    const spec = statsChart(points);
    expect(spec.labels).toEqual(['Mar 1', 'Mar 2']);
    expect(spec.series.map((s) => s.label)).toEqual(['Stars', 'Forks', 'Watchers']);
  });

  it('draws one bar per week the API counted, labelled by the Monday it starts on', () => {
    const spec = commitActivityChart([
      { week: '2026-02-23', commits: 1, additions: 10, deletions: 2 },
      { week: '2026-03-02', commits: 0, additions: 0, deletions: 0 },
      { week: '2026-03-09', commits: 2, additions: 5, deletions: 5 },
    ]);
    expect(spec.labels).toEqual(['Feb 23', 'Mar 2', 'Mar 9']);
    expect(spec.series[0].data).toEqual([1, 0, 2]);
  });

  it('takes the median cycle time of the pull requests merged each week, in hours', () => {
    const merged = (mergedAt: string, hours: number) => aPull({ state: 'merged', mergedAt, cycleTimeSeconds: hours * 3600 });
    const rows = cycleTimeByWeek(
      [merged('2026-03-10T00:00:00Z', 2), merged('2026-03-11T00:00:00Z', 10), merged('2026-03-09T05:00:00Z', 4), merged('2026-03-03T00:00:00Z', 30.25), aPull()],
      2,
      NOW,
    );
    expect(rows).toEqual([
      { week: '2026-03-02', merged: 1, medianHours: 30.3 },
      { week: '2026-03-09', merged: 3, medianHours: 4 },
    ]);
  });
});
