import type { DeploymentRuleKind, InsightsSettings } from '@trackeep/contracts';

/** The settings form's fields, all as the inputs hold them. */
export interface RuleForm {
  kind: DeploymentRuleKind;
  environments: string;
  includePrereleases: boolean;
  pattern: string;
  workflowName: string;
  labels: string;
  reverts: boolean;
  failedDeployments: boolean;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function formOf(s: InsightsSettings): RuleForm {
  const d = s.deployment;
  return {
    kind: d.kind,
    environments: d.kind === 'deployments' ? d.environments.join(', ') : 'production',
    includePrereleases: d.kind === 'releases' ? d.includePrereleases : false,
    pattern: d.kind === 'tags' ? d.pattern : 'v*',
    workflowName: d.kind === 'workflow' ? d.workflowName : '',
    labels: s.incidents.labels.join(', '),
    reverts: s.incidents.reverts,
    failedDeployments: s.incidents.failedDeployments,
  };
}

/** The body the API takes; it checks every field and says what is wrong. */
export function settingsOf(f: RuleForm): InsightsSettings {
  const incidents = { labels: list(f.labels), reverts: f.reverts, failedDeployments: f.failedDeployments };
  switch (f.kind) {
    case 'deployments':
      return { deployment: { kind: f.kind, environments: list(f.environments) }, incidents };
    case 'releases':
      return { deployment: { kind: f.kind, includePrereleases: f.includePrereleases }, incidents };
    case 'tags':
      return { deployment: { kind: f.kind, pattern: f.pattern.trim() }, incidents };
    case 'workflow':
      return { deployment: { kind: f.kind, workflowName: f.workflowName.trim() }, incidents };
    case 'merges':
      return { deployment: { kind: f.kind }, incidents };
  }
}
