import { DEFAULT_INSIGHTS_SETTINGS, type InsightsSettings } from '@trackeep/contracts';
import {
  analyzeRepo,
  cycleBreakdown,
  doraCounted,
  doraFigures,
  mergedIn,
  sizeBucket,
  weeklyCycle,
  weeklyDora,
  weeksBetween,
} from './delivery-analysis';
import { deliveryWeek, pull, review, t, WEEK } from './delivery-fixture';

const noBots = (login: string) => login.toLowerCase().endsWith('[bot]');
const H = 1 / 60; // an hour's minute

describe('DORA four keys', () => {
  const analysis = analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, deliveryWeek(), noBots);

  it('counts production deployments only, one of them holding three pull requests', () => {
    const counted = doraCounted([analysis], WEEK);
    // D1 (success), D2 (failure), D3 (success); D4 went to staging.
    expect(
      counted.deployments.map((d) => [d.deployment.key, d.deployment.status, d.failed, d.pulls]),
    ).toEqual([
      ['1', 'success', true, [1, 2, 3]],
      ['2', 'failure', true, []],
      ['3', 'success', false, [4]],
    ]);
  });

  it('takes the deployment frequency of a period under way over the part that has passed, a day at least', () => {
    // Thursday noon: 3.5 days of the week have passed, with the same 2 successful deployments in them.
    const thursday = doraFigures([analysis], WEEK, { from: WEEK.from, to: t('2026-03-05T12:00:00Z') });
    expect(thursday.deploymentFrequency).toEqual({ deployments: 2, perWeek: 4, band: 'high' });
    // Ten minutes in: as if a day had passed, not a rate of hundreds a week.
    const early = doraFigures([analysis], WEEK, { from: WEEK.from, to: t('2026-03-02T00:10:00Z') });
    expect(early.deploymentFrequency.perWeek).toBe(14);
    // The other keys do not depend on how much of the period has passed.
    expect(thursday.leadTime).toEqual(doraFigures([analysis], WEEK).leadTime);
  });

  it('computes the four keys of the week by hand', () => {
    const f = doraFigures([analysis], WEEK);
    expect(f.noDeployments).toBe(false);
    // 2 successful deployments in 7 days: 2 a week, 0.29 a day (daily to weekly: high).
    expect(f.deploymentFrequency).toEqual({ deployments: 2, perWeek: 2, band: 'high' });
    // Lead times (first commit → D1 03-03 10:00 or D3 03-04 12:00): #1 48 h (merge commit), #2 36 h and #3 15 h
    // (squash merges), #4 4 h 05 min. Median (15 + 36) / 2 = 25.5; p75 = 36 + 0.25 × 12 = 39.
    expect(f.leadTime).toEqual({ medianHours: 25.5, p75Hours: 39, changes: 4, band: 'high' });
    // D1 has incidents counted against it (issue #10, the revert of #3), D2 failed; D3 did not: 2 of 3.
    expect(f.changeFailureRate).toEqual({ rate: 0.667, failed: 2, deployments: 3, band: 'low' });
    // Issue #10: 4 h; revert #4: opened 08:00, D3 at 12:00: 4 h; D2: failed 10:00, D3 at 12:00: 2 h.
    expect(f.recoveryTime).toEqual({ medianHours: 4, p75Hours: 4, recovered: 3, open: 0, band: 'high' });
  });

  it('says "no deployments" for a repository where none was ever detected, never a zero', () => {
    const facts = { ...deliveryWeek(), deployments: [] };
    const f = doraFigures([analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, facts, noBots)], WEEK);
    expect(f.noDeployments).toBe(true);
    expect(f.deploymentFrequency).toEqual({ deployments: 0, perWeek: null, band: null });
    expect(f.leadTime.medianHours).toBeNull();
    expect(f.leadTime.band).toBeNull();
    expect(f.changeFailureRate.rate).toBeNull();
    expect(f.changeFailureRate.band).toBeNull();
  });

  it('measures a real zero in a week without deployments when the repository has some', () => {
    const f = doraFigures([analysis], { from: t('2026-03-09T00:00:00Z'), to: t('2026-03-16T00:00:00Z') });
    expect(f.noDeployments).toBe(false);
    expect(f.deploymentFrequency).toEqual({ deployments: 0, perWeek: 0, band: 'low' });
    expect(f.changeFailureRate.rate).toBeNull();
  });

  it('counts an incident that is not recovered yet as open', () => {
    const facts = deliveryWeek();
    facts.issues[0]!.closedAt = null;
    const f = doraFigures([analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, facts, noBots)], WEEK);
    // Left: the revert (4 h) and D2 (2 h).
    expect(f.recoveryTime).toEqual({ medianHours: 3, p75Hours: 3.5, recovered: 2, open: 1, band: 'high' });
  });

  it('sums several repositories', () => {
    const other = { ...deliveryWeek(), repository: 'acme/other' };
    const f = doraFigures([analysis, analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, other, noBots)], WEEK);
    expect(f.deploymentFrequency.deployments).toBe(4);
    expect(f.changeFailureRate).toMatchObject({ failed: 4, deployments: 6 });
  });

  it('treats times with offsets as the instants they are (weeks are UTC)', () => {
    const facts = deliveryWeek();
    // Sunday 23:30 in New York is Monday 04:30 UTC: the week of 03-09.
    facts.deployments[2]!.statuses = [{ state: 'success', at: new Date('2026-03-08T23:30:00-05:00') }];
    const weeks = weeklyDora([analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, facts, noBots)], [WEEK.from, WEEK.to]);
    expect(weeks.map((w) => [w.weekStart, w.deployments])).toEqual([
      ['2026-03-02T00:00:00.000Z', 1],
      ['2026-03-09T00:00:00.000Z', 1],
    ]);
  });

  it('counts each week of the trend as the four keys count that week on its own', () => {
    const facts = deliveryWeek();
    // One deployment moved into the next week, so the trend has more than one week with figures.
    facts.deployments[2]!.statuses = [{ state: 'success', at: new Date('2026-03-10T08:00:00Z') }];
    const analyses = [analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, facts, noBots)];
    const weekStarts = weeksBetween(new Date('2026-02-23T00:00:00Z'), new Date('2026-03-16T00:00:00Z'));
    const alone = weekStarts.map((w) => {
      const f = doraFigures(analyses, { from: w, to: new Date(w.getTime() + 7 * 86_400_000) });
      return {
        weekStart: w.toISOString(),
        deployments: f.deploymentFrequency.deployments,
        leadTimeMedianHours: f.leadTime.medianHours,
        failed: f.changeFailureRate.failed,
        recoveryMedianHours: f.recoveryTime.medianHours,
      };
    });
    expect(alone.filter((w) => w.deployments > 0)).toHaveLength(2);
    expect(weeklyDora(analyses, weekStarts)).toEqual(alone);
  });

  it('uses the merges rule as a deployment per merge into the default branch', () => {
    const settings: InsightsSettings = { ...DEFAULT_INSIGHTS_SETTINGS, deployment: { kind: 'merges' } };
    const f = doraFigures([analyzeRepo(settings, deliveryWeek(), noBots)], WEEK);
    expect(f.deploymentFrequency.deployments).toBe(5);
    // Each change deploys at its merge: #1 24 h, #2 14 h, #3 14 h, #4 1 h 05 min, #5 unknown first commit:
    // from its opening, 1 h. Median 14.
    expect(f.leadTime).toMatchObject({ medianHours: 14, changes: 5 });
  });
});

describe('pull request cycle breakdown', () => {
  const analysis = analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, deliveryWeek(), noBots);
  const merged = mergedIn([analysis], WEEK);

  it('measures every stage of every merged pull request by hand', () => {
    const by = Object.fromEntries(merged.map((p) => [p.pull.number, p]));
    expect(merged.map((p) => p.pull.number)).toEqual([1, 2, 3, 4, 5]);
    // #1: coding 10:00 → 12:00; pickup 12:00 → bob 14:00; review → carol's approval 08:00 next day; merge 2 h;
    // deploy 10:00 → D1 next day 10:00.
    expect(by[1]!.stages).toEqual({ coding: 2, pickup: 2, review: 18, merge: 2, deploy: 24 });
    // #2: draft 00:00 → 06:00; pickup from ready (06:00), the author's and the bot's reviews skipped, alice 09:00.
    expect(by[2]!.stages).toEqual({ coding: 2, pickup: 3, review: 0, merge: 3, deploy: 22 });
    expect(by[2]!.draftHours).toBe(6);
    // #3 was merged without review.
    expect(by[3]!.stages).toEqual({ coding: 1, pickup: null, review: null, merge: null, deploy: 1 });
    expect(by[4]!.stages.coding).toBeCloseTo(5 * H, 10);
    expect(by[4]!.stages).toMatchObject({ pickup: 0.5, review: 0, merge: 0.5, deploy: 3 });
    // #5 went to staging only: never deployed.
    expect(by[5]!.deployment).toBeNull();
    expect(by[5]!.stages.deploy).toBeNull();
  });

  it('gives medians and p75 per stage, depth, rounds, sizes and the merged without review', () => {
    const c = cycleBreakdown(merged);
    expect(c.merged).toBe(5);
    // coding [0.083, 1, 2, 2]: median 1.5, p75 2; pickup [0.5, 2, 3]; review [0, 0, 18]; merge [0.5, 2, 3];
    // deploy [1, 3, 22, 24]: median 12.5, p75 22 + 0.25 × 2 = 22.5.
    expect(c.stages).toEqual({
      coding: { medianHours: 1.5, p75Hours: 2, count: 4 },
      pickup: { medianHours: 2, p75Hours: 2.5, count: 3 },
      review: { medianHours: 0, p75Hours: 9, count: 3 },
      merge: { medianHours: 2, p75Hours: 2.5, count: 3 },
      deploy: { medianHours: 12.5, p75Hours: 22.5, count: 4 },
    });
    expect(c.draft).toEqual({ medianHours: 6, p75Hours: 6, count: 1 });
    // Reviewed: #1 (3 comments, 2 rounds), #2 (0, 1), #4 (0, 1).
    expect(c.reviewDepth).toEqual({ median: 0, mean: 1 });
    expect(c.reviewRounds).toEqual({ median: 1, mean: 1.3 });
    expect(c.sizes).toEqual({ xs: 2, s: 1, m: 0, l: 1, xl: 0 });
    expect(c.mergedWithoutReview).toBe(2);
    expect(c.notDeployed).toBe(1);
  });

  it("measures review depth by each pull request's own comment count when GitHub gave one", () => {
    const facts = deliveryWeek();
    // #1 counted 7 comments on GitHub (conversation and review); #3, merged without review, 2; the rest unknown.
    facts.pulls = facts.pulls.map((p) =>
      p.number === 1 ? { ...p, comments: 7 } : p.number === 3 ? { ...p, comments: 2 } : p,
    );
    const c = cycleBreakdown(analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, facts, noBots).pulls);
    // Known: #1 7, #3 2, and from their reviews #2 0 and #4 0: [0, 0, 2, 7].
    expect(c.reviewDepth).toEqual({ median: 1, mean: 2.3 });
  });

  it('buckets the stacked bar by the UTC week of the merge', () => {
    const facts = deliveryWeek();
    // Sunday 23:30 in New York is Monday 04:30 UTC.
    facts.pulls.push(
      pull({
        number: 7,
        createdAt: t('2026-03-08T20:00:00-05:00'),
        mergedAt: new Date('2026-03-08T23:30:00-05:00'),
      }),
    );
    const all = analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, facts, noBots).pulls;
    const weeks = weeklyCycle(all, [WEEK.from, WEEK.to]);
    expect(weeks.map((w) => w.merged)).toEqual([5, 1]);
    expect(weeks[0]!.stages).toEqual({ coding: 1.5, pickup: 2, review: 0, merge: 2, deploy: 12.5 });
  });

  it('leaves review stages unknown when reviews are not stored', () => {
    const c = analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, deliveryWeek(), noBots).pulls.map((p) => ({
      ...p,
      reviewed: null,
    }));
    expect(cycleBreakdown(c).mergedWithoutReview).toBe(0);
    const p = analyzeRepo(
      DEFAULT_INSIGHTS_SETTINGS,
      { ...deliveryWeek(), pulls: [pull({ number: 9, mergedAt: t('2026-03-02T05:00:00Z'), reviews: null })] },
      noBots,
    ).pulls[0]!;
    expect(p.reviewed).toBeNull();
    expect(p.stages.pickup).toBeNull();
  });

  it('excludes bots named in the settings as well as [bot] accounts', () => {
    const facts = {
      ...deliveryWeek(),
      pulls: [
        pull({
          number: 9,
          createdAt: t('2026-03-02T00:00:00Z'),
          mergedAt: t('2026-03-02T05:00:00Z'),
          reviews: [
            review('ci-helper', 'APPROVED', '2026-03-02T01:00:00Z'),
            review('eve', 'APPROVED', '2026-03-02T04:00:00Z'),
          ],
        }),
      ],
    };
    const p = analyzeRepo(DEFAULT_INSIGHTS_SETTINGS, facts, (l) => l === 'ci-helper').pulls[0]!;
    expect(p.stages.pickup).toBe(4);
  });

  it('sizes by lines changed', () => {
    expect([
      sizeBucket(9, 0),
      sizeBucket(10, 0),
      sizeBucket(49, 0),
      sizeBucket(200, 49),
      sizeBucket(999, 0),
    ]).toEqual(['xs', 's', 's', 'm', 'l']);
    expect(sizeBucket(1000, 0)).toBe('xl');
    expect(sizeBucket(null, 3)).toBeNull();
  });
});
