import type { SimWorld } from '../world/sim-world';
import type { SimRepo, SimWorkflow, SimWorkflowRun } from '../world/world.types';
import { iso, minimalRepository, nodeId, userById, type Schemas, type Urls } from './serializers';

/** Check suites are not simulated; each run names one of its own, as on GitHub. */
export const CHECK_SUITE_OFFSET = 10_000_000_000;

/** A workflow as REST answers it (components/schemas/workflow). */
export function workflow(w: SimWorld, urls: Urls, repo: SimRepo, wf: SimWorkflow): Schemas['workflow'] {
  const fullName = w.fullName(repo);
  return {
    id: wf.id,
    node_id: nodeId('Workflow', wf.id),
    name: wf.name,
    path: wf.path,
    state: wf.state,
    created_at: iso(wf.createdAt),
    updated_at: iso(wf.updatedAt),
    url: `${urls.api}/repos/${fullName}/actions/workflows/${wf.id}`,
    html_url: `${urls.web}/${fullName}/blob/${repo.defaultBranch}/${wf.path}`,
    badge_url: `${urls.web}/${fullName}/workflows/${encodeURIComponent(wf.name)}/badge.svg`,
  };
}

/**
 * Serializes runs of one repository (components/schemas/workflow-run). The repository object is made once for a
 * whole page; `excludePullRequests` answers `pull_requests: []` (the `exclude_pull_requests` parameter).
 */
export function workflowRunSerializer(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  excludePullRequests = false,
): (run: SimWorkflowRun) => Schemas['workflow-run'] {
  const fullName = w.fullName(repo);
  const api = `${urls.api}/repos/${fullName}`;
  const d = w.detail(repo);
  const repoBody = minimalRepository(w, urls, repo, null);
  const workflows = new Map(d.workflows.map((x) => [x.id, x]));
  const graph = w.graph(repo);
  const repoRef = { id: repo.id, url: api, name: repo.name };
  return (run) => {
    const url = `${api}/actions/runs/${run.id}`;
    const checkSuiteId = run.id + CHECK_SUITE_OFFSET;
    const c = graph.get(run.headSha);
    // GitHub lists the open pull requests whose head is the run's branch.
    const pulls =
      excludePullRequests || run.headBranch === repo.defaultBranch
        ? []
        : d.pulls.filter((p) => p.state === 'open' && p.headRef === run.headBranch);
    return {
      id: run.id,
      name: run.name,
      node_id: nodeId('WorkflowRun', run.id),
      check_suite_id: checkSuiteId,
      check_suite_node_id: nodeId('CheckSuite', checkSuiteId),
      head_branch: run.headBranch,
      head_sha: run.headSha,
      path: workflows.get(run.workflowId)?.path ?? '',
      run_number: run.runNumber,
      run_attempt: run.runAttempt,
      referenced_workflows: [],
      event: run.event,
      status: run.status,
      conclusion: run.conclusion,
      workflow_id: run.workflowId,
      url,
      html_url: `${urls.web}/${fullName}/actions/runs/${run.id}`,
      pull_requests: pulls.map((p) => ({
        id: p.id,
        number: p.number,
        url: `${api}/pulls/${p.number}`,
        head: { ref: p.headRef, sha: p.headSha, repo: repoRef },
        base: { ref: p.baseRef, sha: p.baseSha, repo: repoRef },
      })),
      created_at: iso(run.createdAt),
      updated_at: iso(run.updatedAt),
      actor: userById(w, urls, run.actorId),
      triggering_actor: userById(w, urls, run.triggeringActorId),
      run_started_at: iso(run.runStartedAt),
      jobs_url: `${url}/jobs`,
      logs_url: `${url}/logs`,
      check_suite_url: `${api}/check-suites/${checkSuiteId}`,
      artifacts_url: `${url}/artifacts`,
      cancel_url: `${url}/cancel`,
      rerun_url: `${url}/rerun`,
      previous_attempt_url: run.runAttempt > 1 ? `${url}/attempts/${run.runAttempt - 1}` : null,
      workflow_url: `${api}/actions/workflows/${run.workflowId}`,
      head_commit: c
        ? {
            id: c.sha,
            tree_id: c.treeSha,
            message: c.message,
            timestamp: iso(c.committedAt),
            author: { name: c.author.name, email: c.author.email },
            committer: { name: c.committer.name, email: c.committer.email },
          }
        : null,
      repository: repoBody,
      head_repository: repoBody,
      head_repository_id: repo.id,
      display_title: run.displayTitle,
    };
  };
}
