import type { IncidentRule, IncidentSource } from '@trackeep/contracts';
import type { Deployment } from './deployment-detection';
import { isMerged, type MergedPull, type PullFact, type RepoFacts } from './insights.facts';

export interface Incident {
  key: string;
  source: IncidentSource;
  title: string;
  startedAt: Date;
  recoveredAt: Date | null;
  /** The deployment it is counted against for the change failure rate. */
  deployment: Deployment | null;
  url: string | null;
}

/**
 * The incidents of a repository, oldest first.
 *
 * - issue: an issue with one of the labels. It starts when opened and is recovered when closed; it counts
 *   against the last successful deployment at or before its opening.
 * - revert: a merged pull request that reverts another merged one (GitHub's revert button names its branch
 *   `revert-<number>-…`; a title `Revert "<title>"` naming a merged pull request's title counts too). It starts
 *   when the revert is opened, is recovered by the first deployment containing the revert, and counts against
 *   the deployment that first contained the reverted pull request.
 * - failed_deployment: a deployment that failed. It starts at the failure, is recovered by the next successful
 *   deployment, and counts against itself.
 */
export function detectIncidents(
  rule: IncidentRule,
  facts: RepoFacts,
  deployments: readonly Deployment[],
  deploymentOf: ReadonlyMap<number, Deployment>,
): Incident[] {
  const out: Incident[] = [];
  const successes = deployments.filter((d) => d.status === 'success');
  const labels = new Set(rule.labels.map((l) => l.toLowerCase()));
  if (labels.size)
    for (const i of facts.issues) {
      if (!i.labels.some((l) => labels.has(l.toLowerCase()))) continue;
      out.push({
        key: `issue-${i.number}`,
        source: 'issue',
        title: `#${i.number} ${i.title}`,
        startedAt: i.createdAt,
        recoveredAt: i.closedAt,
        deployment: lastAtOrBefore(successes, i.createdAt),
        url: i.url,
      });
    }
  if (rule.reverts)
    for (const { revert, reverted } of reverts(facts.pulls)) {
      out.push({
        key: `revert-${revert.number}`,
        source: 'revert',
        title: `#${revert.number} ${revert.title}`,
        startedAt: revert.createdAt,
        recoveredAt: deploymentOf.get(revert.number)?.at ?? null,
        deployment: deploymentOf.get(reverted.number) ?? null,
        url: revert.url,
      });
    }
  if (rule.failedDeployments)
    for (const d of deployments) {
      if (d.status !== 'failure') continue;
      out.push({
        key: `failed-${d.source}-${d.key}`,
        source: 'failed_deployment',
        title: `${d.name} failed`,
        startedAt: d.at,
        recoveredAt: successes.find((s) => s.at.getTime() > d.at.getTime())?.at ?? null,
        deployment: d,
        url: d.url,
      });
    }
  return out.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.key < b.key ? -1 : 1));
}

/** Merged pull requests that revert another merged pull request, with the one they revert. */
export function reverts(pulls: readonly PullFact[]): Array<{ revert: MergedPull; reverted: MergedPull }> {
  const merged = pulls.filter(isMerged);
  const byNumber = new Map(merged.map((p) => [p.number, p]));
  const out: Array<{ revert: MergedPull; reverted: MergedPull }> = [];
  for (const p of merged) {
    const branch = /^revert-(\d+)-/.exec(p.headRef);
    const title = /^Revert "(.+)"$/.exec(p.title.trim());
    const reverted =
      (branch && byNumber.get(Number(branch[1]))) ||
      (title &&
        merged.find(
          (o) => o.number !== p.number && o.title.trim() === title[1] && o.mergedAt <= p.mergedAt,
        )) ||
      undefined;
    if (reverted && reverted.number !== p.number) out.push({ revert: p, reverted });
  }
  return out;
}

function lastAtOrBefore(sorted: readonly Deployment[], at: Date): Deployment | null {
  let found: Deployment | null = null;
  for (const d of sorted) {
    if (d.at.getTime() > at.getTime()) break;
    found = d;
  }
  return found;
}
