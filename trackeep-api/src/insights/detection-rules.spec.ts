import { DEFAULT_INSIGHTS_SETTINGS } from '@trackeep/contracts';
import { completePulls, firstDeploymentOf, mergeCommitsByMessage } from './containment';
import { deliveryWeek, pull, t } from './delivery-fixture';
import { detectDeployments, globMatcher } from './deployment-detection';
import { detectIncidents, reverts } from './incident-detection';
import type { RepoFacts } from './insights.facts';

const keys = (facts: RepoFacts, rule: Parameters<typeof detectDeployments>[0]) =>
  detectDeployments(rule, facts).map((d) => [d.key, d.status, d.at.toISOString()]);

describe('deployment detection rules', () => {
  it('deployments: the chosen environments (any case), at the first success; a latest failure is a failed one', () => {
    const facts = deliveryWeek();
    facts.deployments.push({
      id: '5',
      environment: 'production',
      sha: 's5',
      createdAt: t('2026-03-06T09:00:00Z'),
      statuses: [{ state: 'in_progress', at: t('2026-03-06T09:01:00Z') }],
      url: null,
    });
    expect(keys(facts, { kind: 'deployments', environments: ['production'] })).toEqual([
      ['1', 'success', '2026-03-03T10:00:00.000Z'],
      ['2', 'failure', '2026-03-04T10:00:00.000Z'],
      ['3', 'success', '2026-03-04T12:00:00.000Z'],
    ]);
    expect(keys(facts, { kind: 'deployments', environments: ['Staging'] })).toEqual([
      ['4', 'success', '2026-03-05T10:00:00.000Z'],
    ]);
  });

  it('releases: published ones at publication, drafts never, pre-releases when asked', () => {
    const facts: RepoFacts = {
      ...deliveryWeek(),
      releases: [
        {
          tagName: 'v1.0.0',
          sha: 's2',
          publishedAt: t('2026-03-02T13:00:00Z'),
          createdAt: t('2026-03-02T12:30:00Z'),
          draft: false,
          prerelease: false,
          url: null,
        },
        {
          tagName: 'v1.1.0-rc1',
          sha: 's3',
          publishedAt: t('2026-03-03T13:00:00Z'),
          createdAt: t('2026-03-03T12:00:00Z'),
          draft: false,
          prerelease: true,
          url: null,
        },
        {
          tagName: 'v1.1.0',
          sha: null,
          publishedAt: null,
          createdAt: t('2026-03-04T12:00:00Z'),
          draft: true,
          prerelease: false,
          url: null,
        },
      ],
    };
    expect(keys(facts, { kind: 'releases', includePrereleases: false })).toEqual([
      ['v1.0.0', 'success', '2026-03-02T13:00:00.000Z'],
    ]);
    expect(keys(facts, { kind: 'releases', includePrereleases: true }).map((k) => k[0])).toEqual([
      'v1.0.0',
      'v1.1.0-rc1',
    ]);
  });

  it('tags: names matching the glob only', () => {
    const facts: RepoFacts = {
      ...deliveryWeek(),
      tags: [
        { name: 'v2.0', sha: 's3', at: t('2026-03-03T12:00:00Z') },
        { name: 'deploy-2026.03.02', sha: 's2', at: t('2026-03-02T12:00:00Z') },
        { name: 'v2.0-beta', sha: 's2', at: t('2026-03-02T11:00:00Z') },
      ],
    };
    expect(keys(facts, { kind: 'tags', pattern: 'deploy-*' }).map((k) => k[0])).toEqual([
      'deploy-2026.03.02',
    ]);
    expect(keys(facts, { kind: 'tags', pattern: 'v?.?' }).map((k) => k[0])).toEqual(['v2.0']);
    expect(keys(facts, { kind: 'tags', pattern: 'v*' }).map((k) => k[0])).toEqual(['v2.0-beta', 'v2.0']);
  });

  it('globs match whole names, literally apart from * and ?', () => {
    expect(globMatcher('v1.*')('v1x2')).toBe(false);
    expect(globMatcher('v1.*')('v1.2')).toBe(true);
    expect(globMatcher('release/*')('release/2026')).toBe(true);
    expect(globMatcher('rel')('release')).toBe(false);
    expect(globMatcher('a***b')('a-long-b')).toBe(true);
  });

  it('workflow: completed runs of the named workflow on the default branch, success or failure', () => {
    const run = (id: string, over: Partial<RepoFacts['workflowRuns'][number]>) => ({
      id,
      name: 'Deploy',
      headBranch: 'main',
      headSha: 's3',
      status: 'completed',
      conclusion: 'success',
      createdAt: t('2026-03-03T09:00:00Z'),
      completedAt: t('2026-03-03T09:10:00Z'),
      url: null,
      ...over,
    });
    const facts: RepoFacts = {
      ...deliveryWeek(),
      workflowRuns: [
        run('1', {}),
        run('2', { headBranch: 'feature' }),
        run('3', { name: 'CI' }),
        run('4', { conclusion: 'failure', completedAt: t('2026-03-04T09:10:00Z') }),
        run('5', { status: 'in_progress', conclusion: null, completedAt: null }),
        run('6', { conclusion: 'cancelled', completedAt: t('2026-03-04T10:00:00Z') }),
      ],
    };
    expect(keys(facts, { kind: 'workflow', workflowName: 'Deploy' })).toEqual([
      ['1', 'success', '2026-03-03T09:10:00.000Z'],
      ['4', 'failure', '2026-03-04T09:10:00.000Z'],
    ]);
  });

  it('merges: each pull request merged into the default branch, at its merge', () => {
    const facts = deliveryWeek();
    facts.pulls.push(pull({ number: 8, baseRef: 'release', mergedAt: t('2026-03-05T10:00:00Z') }));
    expect(keys(facts, { kind: 'merges' }).map((k) => k[0])).toEqual(['1', '2', '3', '4', '5']);
  });
});

describe('which deployment contains a pull request', () => {
  it('is the first successful deployment whose history holds the merge commit (merge and squash alike)', () => {
    const facts = deliveryWeek();
    const deployments = detectDeployments(DEFAULT_INSIGHTS_SETTINGS.deployment, facts);
    const of = firstDeploymentOf(facts.pulls, deployments, facts.commits, 'main');
    expect([...of].map(([n, d]) => [n, d.key]).sort()).toEqual([
      [1, '1'],
      [2, '1'],
      [3, '1'],
      [4, '3'],
    ]);
  });

  it('skips a later deployment of an older commit (a rollback does not deploy what came after)', () => {
    const facts = deliveryWeek();
    facts.deployments = [
      {
        id: '9',
        environment: 'production',
        sha: 's2',
        createdAt: t('2026-03-06T00:00:00Z'),
        statuses: [{ state: 'success', at: t('2026-03-06T00:00:00Z') }],
        url: null,
      },
    ];
    const deployments = detectDeployments(DEFAULT_INSIGHTS_SETTINGS.deployment, facts);
    const of = firstDeploymentOf(facts.pulls, deployments, facts.commits, 'main');
    expect([...of.keys()].sort()).toEqual([1, 2]);
  });

  it('falls back on time when the deployed commit is not in the stored history', () => {
    const facts = deliveryWeek();
    facts.deployments = [
      {
        id: '9',
        environment: 'production',
        sha: 'unknown',
        createdAt: t('2026-03-03T12:00:00Z'),
        statuses: [{ state: 'success', at: t('2026-03-03T12:00:00Z') }],
        url: null,
      },
    ];
    const deployments = detectDeployments(DEFAULT_INSIGHTS_SETTINGS.deployment, facts);
    const of = firstDeploymentOf(facts.pulls, deployments, facts.commits, 'main');
    // Merged at or before 03-03 12:00: #1, #2, #3.
    expect([...of.keys()].sort()).toEqual([1, 2, 3]);
  });

  it('falls back on time when the merge commit is unknown', () => {
    const facts = deliveryWeek();
    for (const p of facts.pulls) p.mergeCommitSha = null;
    const deployments = detectDeployments(DEFAULT_INSIGHTS_SETTINGS.deployment, facts);
    const of = firstDeploymentOf(facts.pulls, deployments, facts.commits, 'main');
    expect([...of].map(([n, d]) => [n, d.key]).sort()).toEqual([
      [1, '1'],
      [2, '1'],
      [3, '1'],
      [4, '3'],
    ]);
  });

  it("finds merge commits from GitHub's messages (merge commit and squash), within a day of the merge", () => {
    const facts = deliveryWeek();
    const found = mergeCommitsByMessage(facts.pulls, facts.commits);
    expect(Object.fromEntries(found)).toEqual({ 1: 'm1', 2: 's2', 3: 's3', 4: 'r4', 5: 's5' });
    const late = mergeCommitsByMessage([{ number: 2, mergedAt: t('2026-03-10T00:00:00Z') }], facts.commits);
    expect(late.size).toBe(0);
  });
});

describe('incident detection', () => {
  const facts = deliveryWeek();
  const deployments = detectDeployments(DEFAULT_INSIGHTS_SETTINGS.deployment, facts);
  const of = firstDeploymentOf(facts.pulls, deployments, facts.commits, 'main');

  it('finds labelled issues, reverts and failed deployments, each with its recovery', () => {
    const incidents = detectIncidents(DEFAULT_INSIGHTS_SETTINGS.incidents, facts, deployments, of);
    expect(
      incidents.map((i) => [
        i.key,
        i.startedAt.toISOString(),
        i.recoveredAt?.toISOString(),
        i.deployment?.key,
      ]),
    ).toEqual([
      ['issue-10', '2026-03-03T11:00:00.000Z', '2026-03-03T15:00:00.000Z', '1'],
      ['revert-4', '2026-03-04T08:00:00.000Z', '2026-03-04T12:00:00.000Z', '1'],
      ['failed-deployment-2', '2026-03-04T10:00:00.000Z', '2026-03-04T12:00:00.000Z', '2'],
    ]);
  });

  it('follows the chosen labels and switches', () => {
    const rule = { labels: ['bug'], reverts: false, failedDeployments: false };
    expect(detectIncidents(rule, facts, deployments, of).map((i) => i.key)).toEqual(['issue-11']);
    const none = { labels: [], reverts: false, failedDeployments: true };
    expect(detectIncidents(none, facts, deployments, of).map((i) => i.key)).toEqual(['failed-deployment-2']);
  });

  it('knows a revert by its branch or by its title', () => {
    const pulls = [
      pull({ number: 1, title: 'Add search', mergedAt: t('2026-03-02T00:00:00Z') }),
      pull({ number: 2, title: 'Revert "Add search"', headRef: 'undo', mergedAt: t('2026-03-03T00:00:00Z') }),
      pull({ number: 3, title: 'Undo', headRef: 'revert-1-add-search', mergedAt: t('2026-03-04T00:00:00Z') }),
      pull({ number: 4, title: 'Revert "Never merged"', mergedAt: t('2026-03-04T00:00:00Z') }),
      pull({ number: 5, title: 'Revert "Add search"', headRef: 'x' }),
    ];
    expect(reverts(pulls).map((r) => [r.revert.number, r.reverted.number])).toEqual([
      [2, 1],
      [3, 1],
    ]);
  });
});

describe('what the commit graph tells of a pull request', () => {
  const commit = (sha: string, parents: string[], at: string, authored = at) => ({
    sha,
    parents,
    committedAt: t(at),
    authoredAt: t(authored),
    message: sha,
  });
  // main: c0 ← c1 ← M (merge of #7, second parent b2) ; branch: c0 ← b1 ← b2 (b1 written before c1 was committed).
  const commits = [
    commit('c0', [], '2026-03-01T00:00:00Z'),
    commit('b1', ['c0'], '2026-03-02T09:00:00Z', '2026-03-01T20:00:00Z'),
    commit('c1', ['c0'], '2026-03-02T08:00:00Z'),
    commit('b2', ['b1'], '2026-03-02T10:00:00Z'),
    { ...commit('M', ['c1', 'b2'], '2026-03-02T12:00:00Z'), message: 'Merge pull request #7 from acme/b' },
    { ...commit('S', ['M'], '2026-03-03T12:00:00Z'), message: 'Squashed (#8)' },
  ];

  it("takes a merge commit's first commit from the commits only its second parent brings in", () => {
    const facts: RepoFacts = {
      ...deliveryWeek(),
      commits,
      pulls: [
        pull({ number: 7, mergedAt: t('2026-03-02T12:00:00Z') }),
        pull({ number: 8, mergedAt: t('2026-03-03T12:00:00Z') }),
        pull({ number: 9, mergedAt: t('2026-03-03T12:00:00Z'), firstCommitAt: t('2026-02-01T00:00:00Z') }),
      ],
    };
    const done = completePulls(facts).pulls.map((p) => [
      p.number,
      p.mergeCommitSha,
      p.firstCommitAt?.toISOString() ?? null,
    ]);
    expect(done).toEqual([
      // b1 and b2 (not c0, which main has too); b1 was authored first.
      [7, 'M', '2026-03-01T20:00:00.000Z'],
      // A squash merge has one parent: its commits are not in the default branch's history.
      [8, 'S', null],
      [9, null, '2026-02-01T00:00:00.000Z'],
    ]);
  });
});
