import { commitActivityChart, cycleTimeChart, cycleTimeRows, dailyStats, statsChart } from './repo-charts';

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

  it('charts the history from before tracking (watchers unknown) and labels days with their year across years', () => {
    const spec = statsChart([
      { capturedAt: '2024-11-03T00:00:00.000Z', stars: 4, forks: 1, watchers: null, openIssues: null },
      { capturedAt: '2025-02-10T00:00:00.000Z', stars: 9, forks: 2, watchers: null, openIssues: null },
      { capturedAt: '2026-03-01T10:00:00Z', stars: 12, forks: 3, watchers: 5, openIssues: 2 },
    ]);
    expect(spec.labels).toEqual(['Nov 3, 2024', 'Feb 10, 2025', 'Mar 1, 2026']);
    expect(spec.series.map((s) => s.data)).toEqual([
      [4, 9, 12],
      [1, 2, 3],
      [null, null, 5],
    ]);
  });

  it('draws one bar per week the API counted, labelled by the Monday it starts on', () => {
    const spec = commitActivityChart([
      { week: '2026-02-23', commits: 1, additions: 10, deletions: 2 },
      { week: '2026-03-02', commits: 0, additions: 0, deletions: 0 },
      { week: '2026-03-09', commits: 2, additions: 5, deletions: 5 },
    ]);
    expect(spec.labels).toEqual(['Feb 23', 'Mar 2', 'Mar 9']);
    expect(spec.series[0]?.data).toEqual([1, 0, 2]);
  });

  it("turns the API's weekly median cycle times into hours with one decimal, empty weeks as gaps", () => {
    const rows = cycleTimeRows([
      { week: '2026-03-02', merged: 1, medianSeconds: 30.25 * 3600 },
      { week: '2026-03-09', merged: 0, medianSeconds: null },
    ]);
    expect(rows).toEqual([
      { week: '2026-03-02', merged: 1, medianHours: 30.3 },
      { week: '2026-03-09', merged: 0, medianHours: null },
    ]);
    expect(cycleTimeChart(rows).series[0]?.data).toEqual([30.3, null]);
  });
});
