import { validationFailed } from '../sim-error';
import type { RepoRef } from '../world-store';
import type { SimRepo, SimWorkflow, SimWorkflowRun, SimWorkflowRunConclusion } from '../world.types';
import { WorldCapability } from './world-capability';

export const WORKFLOW_RUN_CONCLUSIONS: readonly SimWorkflowRunConclusion[] = [
  'success',
  'failure',
  'cancelled',
];

export interface WorkflowRunInput extends RepoRef {
  /** The workflow's name (default "CI"); a repository without one gets it (`.github/workflows/<name>.yml`). */
  name?: string;
  /** Default: the default branch. */
  headBranch?: string;
  /** Default: the branch's tip. */
  headSha?: string;
  /** Default: success. */
  conclusion?: SimWorkflowRunConclusion;
  sender?: string;
  /**
   * When it was queued (epoch ms). It starts 20 s later and completes 3 minutes after that; by default it was
   * queued 3 min 20 s ago, so it completes now and no time of it lies in the future.
   */
  at?: number;
}

const invalid = (field: string, message: string) =>
  validationFailed([{ resource: 'WorkflowRun', field, code: 'invalid', message }]);

/**
 * GitHub Actions runs as the runner reports them: each is requested (queued), in progress, then completed with
 * its conclusion, and each step announces a `workflow_run` webhook.
 */
export class WorkflowRuns extends WorldCapability {
  async runWorkflow(input: WorkflowRunInput): Promise<SimWorkflowRun> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    const name = input.name ?? 'CI';
    if (typeof name !== 'string' || !name.trim() || name.length > 100)
      throw invalid('name', 'name must be a non-empty string of at most 100 characters');
    const headBranch = input.headBranch ?? repo.defaultBranch;
    if (typeof headBranch !== 'string' || !d.branches.has(headBranch))
      throw invalid('head_branch', `No branch named ${String(headBranch)} in ${store.fullName(repo)}`);
    let headSha = d.branches.get(headBranch)?.tip as string;
    if (input.headSha !== undefined) {
      const commit =
        typeof input.headSha === 'string' && /^[0-9a-f]{7,40}$/i.test(input.headSha)
          ? store.graph(repo).resolve(input.headSha.toLowerCase())
          : undefined;
      if (!commit) throw invalid('head_sha', `No commit found for SHA: ${String(input.headSha)}`);
      headSha = commit.sha;
    }
    const conclusion = input.conclusion ?? 'success';
    if (!WORKFLOW_RUN_CONCLUSIONS.includes(conclusion))
      throw invalid('conclusion', `conclusion must be one of: ${WORKFLOW_RUN_CONCLUSIONS.join(', ')}`);
    const senderId = store.senderOf(repo, input.sender, 'push');
    const at = input.at ?? Date.now() - 200_000;
    const workflow = this.workflowNamed(repo, name.trim(), at);
    const pull =
      headBranch === repo.defaultBranch
        ? undefined
        : d.pulls.find((p) => p.state === 'open' && p.headRef === headBranch);
    const commit = store.graph(repo).get(headSha);
    const runNumber = d.workflowRuns.reduce(
      (n, r) => (r.workflowId === workflow.id ? Math.max(n, r.runNumber) : n),
      0,
    );
    const run: SimWorkflowRun = {
      id: store.nextId('workflowRun'),
      workflowId: workflow.id,
      name: workflow.name,
      headBranch,
      headSha,
      event: pull ? 'pull_request' : 'push',
      status: 'queued',
      conclusion: null,
      runNumber: runNumber + 1,
      runAttempt: 1,
      displayTitle: pull ? pull.title : (commit?.message.split('\n')[0] ?? workflow.name),
      pullNumber: pull?.number ?? null,
      createdAt: at,
      runStartedAt: at,
      updatedAt: at,
      actorId: senderId,
      triggeringActorId: senderId,
    };
    d.workflowRuns.push(run);
    const announce = (action: 'requested' | 'in_progress' | 'completed') =>
      store.emit({ type: 'workflow_run', repo, senderId, action, workflow, run });
    await announce('requested');
    run.status = 'in_progress';
    run.runStartedAt = at + 20_000;
    run.updatedAt = run.runStartedAt;
    await announce('in_progress');
    run.status = 'completed';
    run.conclusion = conclusion;
    run.updatedAt = run.runStartedAt + 180_000;
    await announce('completed');
    return run;
  }

  private workflowNamed(repo: SimRepo, name: string, at: number): SimWorkflow {
    const d = this.store.detail(repo);
    const found = d.workflows.find((x) => x.name === name);
    if (found) return found;
    const file =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'workflow';
    const workflow: SimWorkflow = {
      id: this.store.nextId('workflow'),
      name,
      path: `.github/workflows/${file}.yml`,
      state: 'active',
      createdAt: at,
      updatedAt: at,
    };
    d.workflows.push(workflow);
    return workflow;
  }
}
