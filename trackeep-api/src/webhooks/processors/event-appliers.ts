import { alsoApplyOrgChange } from '../../teams/org-webhook.applier';
import type { Applier } from './apply-context';
import { applyDeployment, applyDeploymentStatus } from './deployment.applier';
import { applyFork } from './fork.applier';
import { applyPush, applyRefChange } from './git-refs.applier';
import { applyIssue } from './issue.applier';
import { applyPullRequest, applyPullRequestReview } from './pull-request.applier';
import { applyRelease } from './release.applier';
import { applyAccessChange, applyRepositoryAccess, type AccessApplier } from './repo-access.applier';
import { applyRepositoryChange, applyRepositoryCounters } from './repository.applier';
import { applyStar } from './star.applier';
import { applyWorkflowRun } from './workflow-run.applier';

/** Events applied to a tracked repository's data. */
export const REPO_APPLIERS: Readonly<Record<string, Applier>> = {
  push: applyPush,
  pull_request: applyPullRequest,
  pull_request_review: applyPullRequestReview,
  create: applyRefChange,
  delete: applyRefChange,
  repository: async (ctx) => {
    const outcome = await applyRepositoryChange(ctx);
    await applyRepositoryAccess(ctx);
    return outcome;
  },
  star: applyStar,
  watch: applyRepositoryCounters,
  fork: applyFork,
  issues: applyIssue,
  deployment: applyDeployment,
  deployment_status: applyDeploymentStatus,
  release: applyRelease,
  workflow_run: applyWorkflowRun,
};

/** Events about hooks and installations, handled without a tracked repository. */
export const HOOK_EVENTS = new Set(['ping', 'installation', 'installation_repositories']);

/**
 * Events that take access away, applied whether or not they name a tracked repository (organization hooks); they
 * also keep the organizations, teams and people current.
 */
export const ACCESS_APPLIERS: Readonly<Record<string, AccessApplier>> = {
  member: alsoApplyOrgChange(applyAccessChange),
  membership: alsoApplyOrgChange(applyAccessChange),
  organization: alsoApplyOrgChange(applyAccessChange),
  team: alsoApplyOrgChange(applyAccessChange),
};

/** Every event that gets a processing job; all others are stored as ignored on arrival. */
export const APPLIED_EVENTS: ReadonlySet<string> = new Set([
  ...Object.keys(REPO_APPLIERS),
  ...Object.keys(ACCESS_APPLIERS),
  ...HOOK_EVENTS,
]);
