import { DEFAULT_INSIGHTS_SETTINGS } from '@trackeep/contracts';
import { effectiveSettings, InsightsSettingsError, parseInsightsSettings } from './insights-settings.util';

const problems = (body: unknown): string[] => {
  try {
    parseInsightsSettings(body);
  } catch (err) {
    if (err instanceof InsightsSettingsError) return err.problems;
    throw err;
  }
  return [];
};

describe('insights settings', () => {
  it('reads every rule, trimming and deduplicating names', () => {
    expect(
      parseInsightsSettings({
        deployment: { kind: 'deployments', environments: [' production ', 'Production', 'eu-prod', ''] },
        incidents: { labels: ['incident', 'INCIDENT', 'sev1'], reverts: false, failedDeployments: true },
      }),
    ).toEqual({
      deployment: { kind: 'deployments', environments: ['production', 'eu-prod'] },
      incidents: { labels: ['incident', 'sev1'], reverts: false, failedDeployments: true },
    });
    expect(parseInsightsSettings({ deployment: { kind: 'releases' } }).deployment).toEqual({
      kind: 'releases',
      includePrereleases: false,
    });
    expect(parseInsightsSettings({ deployment: { kind: 'tags', pattern: 'v*' } }).incidents).toEqual(
      DEFAULT_INSIGHTS_SETTINGS.incidents,
    );
    expect(
      parseInsightsSettings({ deployment: { kind: 'workflow', workflowName: 'Deploy' } }).deployment,
    ).toEqual({
      kind: 'workflow',
      workflowName: 'Deploy',
    });
    expect(parseInsightsSettings({ deployment: { kind: 'merges' } }).deployment).toEqual({ kind: 'merges' });
  });

  it('names every problem', () => {
    expect(problems(null)).toEqual(['the body must be an object with deployment and incidents']);
    expect(problems({ deployment: { kind: 'ftp' } })).toEqual([
      'deployment.kind must be one of deployments, releases, tags, workflow, merges',
    ]);
    expect(problems({ deployment: { kind: 'deployments', environments: [] } })).toEqual([
      'deployment.environments must name at least one environment',
    ]);
    expect(problems({ deployment: { kind: 'tags', pattern: 'v(1|2)' } })[0]).toMatch(
      /deployment.pattern must be/,
    );
    expect(
      problems({
        deployment: { kind: 'merges', pattern: 'x' },
        incidents: { labels: 'incident', reverts: 'yes' },
      }),
    ).toEqual([
      'deployment.pattern is not a field of the merges rule',
      'incidents.labels must be a list of names',
      'incidents.reverts must be true or false',
    ]);
    expect(problems({ deployment: { kind: 'merges' }, extra: 1 })).toEqual(['unknown field extra']);
    expect(problems({ deployment: { kind: 'workflow', workflowName: 'x'.repeat(101) } })[0]).toMatch(
      /1 to 100/,
    );
    expect(
      problems({
        deployment: { kind: 'merges' },
        incidents: { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) },
      }),
    ).toEqual(['incidents.labels holds at most 20 names']);
  });

  it("puts the repository's own settings first, then its organization's, then the default", () => {
    const repo = { ...DEFAULT_INSIGHTS_SETTINGS, deployment: { kind: 'merges' as const } };
    const org = {
      ...DEFAULT_INSIGHTS_SETTINGS,
      deployment: { kind: 'releases' as const, includePrereleases: false },
    };
    expect(effectiveSettings(repo, org)).toEqual({ effective: repo, source: 'repository' });
    expect(effectiveSettings(null, org)).toEqual({ effective: org, source: 'organization' });
    expect(effectiveSettings(null, null)).toEqual({
      effective: DEFAULT_INSIGHTS_SETTINGS,
      source: 'default',
    });
  });
});
