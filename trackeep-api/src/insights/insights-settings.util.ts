import {
  DEFAULT_INSIGHTS_SETTINGS,
  DEPLOYMENT_RULE_KINDS,
  type DeploymentRule,
  type IncidentRule,
  type InsightsSettings,
  type InsightsSettingsSource,
} from '@trackeep/contracts';

export const MAX_ENVIRONMENTS = 20;
export const MAX_LABELS = 20;
export const MAX_NAME_LENGTH = 100;
const GLOB_CHARS = /^[A-Za-z0-9._/*?+@-]+$/;

/** Thrown for settings the caller must correct (answered 400 with every problem listed). */
export class InsightsSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * Reads settings sent by a client: every field is checked and every problem named at once. Lists are trimmed,
 * emptied of blanks and duplicates (case-insensitively, as GitHub compares labels and environments).
 */
export function parseInsightsSettings(body: unknown): InsightsSettings {
  const problems: string[] = [];
  if (!isObject(body))
    throw new InsightsSettingsError(['the body must be an object with deployment and incidents']);
  const unknown = Object.keys(body).filter((k) => k !== 'deployment' && k !== 'incidents');
  if (unknown.length) problems.push(`unknown field ${unknown.join(', ')}`);
  const deployment = parseRule(body['deployment'], problems);
  const incidents = parseIncidents(body['incidents'], problems);
  if (problems.length || !deployment || !incidents) throw new InsightsSettingsError(problems);
  return { deployment, incidents };
}

function parseRule(v: unknown, problems: string[]): DeploymentRule | null {
  if (!isObject(v)) {
    problems.push('deployment must be an object with a kind');
    return null;
  }
  const kind = v['kind'];
  const allowed: Record<string, string[]> = {
    deployments: ['environments'],
    releases: ['includePrereleases'],
    tags: ['pattern'],
    workflow: ['workflowName'],
    merges: [],
  };
  if (typeof kind !== 'string' || !(DEPLOYMENT_RULE_KINDS as readonly string[]).includes(kind)) {
    problems.push(`deployment.kind must be one of ${DEPLOYMENT_RULE_KINDS.join(', ')}`);
    return null;
  }
  const extra = Object.keys(v).filter((k) => k !== 'kind' && !(allowed[kind] ?? []).includes(k));
  if (extra.length) problems.push(`deployment.${extra[0]} is not a field of the ${kind} rule`);
  switch (kind) {
    case 'deployments': {
      const environments = names(v['environments'], 'deployment.environments', MAX_ENVIRONMENTS, problems);
      if (environments && !environments.length)
        problems.push('deployment.environments must name at least one environment');
      return environments ? { kind, environments } : null;
    }
    case 'releases': {
      const pre = v['includePrereleases'] ?? false;
      if (typeof pre !== 'boolean') {
        problems.push('deployment.includePrereleases must be true or false');
        return null;
      }
      return { kind, includePrereleases: pre };
    }
    case 'tags': {
      const pattern = v['pattern'];
      if (
        typeof pattern !== 'string' ||
        !pattern.trim() ||
        pattern.length > MAX_NAME_LENGTH ||
        !GLOB_CHARS.test(pattern.trim())
      ) {
        problems.push(
          `deployment.pattern must be a tag glob of at most ${MAX_NAME_LENGTH} characters (letters, digits, . _ - / + @, * and ?)`,
        );
        return null;
      }
      return { kind, pattern: pattern.trim() };
    }
    case 'workflow': {
      const name = v['workflowName'];
      if (typeof name !== 'string' || !name.trim() || name.length > MAX_NAME_LENGTH) {
        problems.push(
          `deployment.workflowName must be a workflow name of 1 to ${MAX_NAME_LENGTH} characters`,
        );
        return null;
      }
      return { kind, workflowName: name.trim() };
    }
    default:
      return { kind: 'merges' };
  }
}

function parseIncidents(v: unknown, problems: string[]): IncidentRule | null {
  if (v === undefined) return { ...DEFAULT_INSIGHTS_SETTINGS.incidents };
  if (!isObject(v)) {
    problems.push('incidents must be an object');
    return null;
  }
  const extra = Object.keys(v).filter((k) => !['labels', 'reverts', 'failedDeployments'].includes(k));
  if (extra.length) problems.push(`incidents.${extra[0]} is not a field`);
  const labels = names(v['labels'] ?? [], 'incidents.labels', MAX_LABELS, problems);
  const reverts = v['reverts'] ?? true;
  const failedDeployments = v['failedDeployments'] ?? true;
  if (typeof reverts !== 'boolean') problems.push('incidents.reverts must be true or false');
  if (typeof failedDeployments !== 'boolean')
    problems.push('incidents.failedDeployments must be true or false');
  if (!labels || typeof reverts !== 'boolean' || typeof failedDeployments !== 'boolean') return null;
  return { labels, reverts, failedDeployments };
}

function names(v: unknown, field: string, max: number, problems: string[]): string[] | null {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    problems.push(`${field} must be a list of names`);
    return null;
  }
  const out: string[] = [];
  for (const raw of v as string[]) {
    const name = raw.trim();
    if (!name) continue;
    if (name.length > MAX_NAME_LENGTH) {
      problems.push(`${field} names are at most ${MAX_NAME_LENGTH} characters`);
      return null;
    }
    if (!out.some((o) => o.toLowerCase() === name.toLowerCase())) out.push(name);
  }
  if (out.length > max) {
    problems.push(`${field} holds at most ${max} names`);
    return null;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The settings in force: the repository's own, else its organization's default, else the built-in default. */
export function effectiveSettings(
  repository: InsightsSettings | null,
  organization: InsightsSettings | null,
): { effective: InsightsSettings; source: InsightsSettingsSource } {
  if (repository) return { effective: repository, source: 'repository' };
  if (organization) return { effective: organization, source: 'organization' };
  return { effective: DEFAULT_INSIGHTS_SETTINGS, source: 'default' };
}
