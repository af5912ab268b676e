import { workflowRunFromGithub, WorkflowRunsRepository } from '../../repos/data/workflow-runs.repository';
import { ignored, obj, PROCESSED, str, type ApplyContext, type ApplyOutcome } from './apply-context';

/**
 * workflow_run (requested, in_progress, completed): the run as it is now, when it ran on the repository's default
 * branch (the sync reads only those too). Deliveries may come in any order: the write model keeps the newest copy.
 */
export async function applyWorkflowRun(ctx: ApplyContext): Promise<ApplyOutcome> {
  const payload = obj(ctx.payload['workflow_run']);
  const run = workflowRunFromGithub(payload);
  if (!run) return ignored('payload has no complete workflow_run');
  const defaultBranch = str(obj(ctx.payload['repository'])?.['default_branch']);
  if (!defaultBranch || run.head_branch !== defaultBranch)
    return ignored('runs are tracked on the default branch only');
  await WorkflowRunsRepository.upsert(ctx.tx, ctx.repo.id, [run]);
  return PROCESSED;
}
