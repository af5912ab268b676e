import type { DeploymentRule, DeploymentSource } from '@trackeep/contracts';
import type { DeploymentFact, RepoFacts } from './insights.facts';

/** A deployment a rule detected (times as Dates; the contract's DetectedDeployment carries ISO text). */
export interface Deployment {
  key: string;
  source: DeploymentSource;
  sha: string | null;
  at: Date;
  environment: string | null;
  name: string;
  status: 'success' | 'failure';
  url: string | null;
}

const FAILED_STATES = new Set(['failure', 'error']);

/**
 * The deployments a rule detects in a repository's data, oldest first. Only finished ones count: a GitHub
 * deployment that is still queued or in progress, an unpublished release or a run that has not concluded is
 * not a deployment yet.
 *
 * - deployments: GitHub deployments to one of the environments (case-insensitive). Its time is its first
 *   success status; one whose latest status is failure or error is a failed deployment at that status's time.
 * - releases: published releases at their publication (pre-releases only when asked), of their tagged commit.
 * - tags: tags whose name matches the glob, at the tag's time.
 * - workflow: completed runs of the named workflow on the default branch that concluded success (failure: a
 *   failed deployment), at their completion.
 * - merges: each pull request merged into the default branch, at its merge.
 */
export function detectDeployments(rule: DeploymentRule, facts: RepoFacts): Deployment[] {
  const out: Deployment[] = [];
  switch (rule.kind) {
    case 'deployments': {
      const envs = new Set(rule.environments.map((e) => e.toLowerCase()));
      for (const d of facts.deployments) {
        if (!envs.has(d.environment.toLowerCase())) continue;
        const status = deploymentOutcome(d);
        if (status)
          out.push({
            ...status,
            key: d.id,
            source: 'deployment',
            sha: d.sha,
            environment: d.environment,
            name: `${d.environment} deployment ${d.id}`,
            url: d.url,
          });
      }
      break;
    }
    case 'releases':
      for (const r of facts.releases) {
        if (r.draft || !r.publishedAt || (r.prerelease && !rule.includePrereleases)) continue;
        out.push({
          key: r.tagName,
          source: 'release',
          sha: r.sha,
          at: r.publishedAt,
          environment: null,
          name: r.tagName,
          status: 'success',
          url: r.url,
        });
      }
      break;
    case 'tags': {
      const match = globMatcher(rule.pattern);
      for (const t of facts.tags) {
        if (match(t.name))
          out.push({
            key: t.name,
            source: 'tag',
            sha: t.sha,
            at: t.at,
            environment: null,
            name: t.name,
            status: 'success',
            url: null,
          });
      }
      break;
    }
    case 'workflow':
      for (const w of facts.workflowRuns) {
        if (w.name !== rule.workflowName || w.headBranch !== facts.defaultBranch) continue;
        if (w.status !== 'completed' || !w.completedAt) continue;
        if (w.conclusion !== 'success' && w.conclusion !== 'failure') continue;
        out.push({
          key: w.id,
          source: 'workflow_run',
          sha: w.headSha,
          at: w.completedAt,
          environment: null,
          name: `${w.name} run ${w.id}`,
          status: w.conclusion,
          url: w.url,
        });
      }
      break;
    case 'merges':
      for (const p of facts.pulls) {
        if (!p.mergedAt || p.baseRef !== facts.defaultBranch) continue;
        out.push({
          key: String(p.number),
          source: 'merge',
          sha: p.mergeCommitSha,
          at: p.mergedAt,
          environment: null,
          name: `#${p.number} ${p.title}`,
          status: 'success',
          url: p.url,
        });
      }
      break;
  }
  return out.sort(byTime);
}

/** A GitHub deployment's outcome from its statuses: the first success, else a latest failure or error. */
function deploymentOutcome(d: DeploymentFact): Pick<Deployment, 'at' | 'status'> | null {
  const statuses = [...d.statuses].sort((a, b) => a.at.getTime() - b.at.getTime());
  const success = statuses.find((s) => s.state === 'success');
  if (success) return { at: success.at, status: 'success' };
  const latest = statuses[statuses.length - 1];
  if (latest && FAILED_STATES.has(latest.state)) return { at: latest.at, status: 'failure' };
  return null;
}

/** `*` matches any run of characters, `?` one; everything else literally; the whole name must match. */
export function globMatcher(pattern: string): (name: string) => boolean {
  // Runs of stars collapse to one, so the expression never backtracks over several.
  const source = pattern
    .replace(/\*+/g, '*')
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}

export function byTime(a: { at: Date; key: string }, b: { at: Date; key: string }): number {
  return a.at.getTime() - b.at.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
