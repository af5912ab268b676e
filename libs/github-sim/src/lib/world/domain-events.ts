import type {
  SimCommit,
  SimDeployment,
  SimDeploymentStatus,
  SimRelease,
  SimHook,
  SimInstallation,
  SimIssue,
  SimOrg,
  SimPull,
  SimRepo,
  SimReview,
  SimTeam,
  SimWorkflow,
  SimWorkflowRun,
} from './world.types';

/** What a world mutation announces; the webhook dispatcher turns these into GitHub webhook deliveries. */
export type SimDomainEvent =
  | {
      type: 'push';
      repo: SimRepo;
      senderId: number;
      ref: string;
      before: string;
      after: string;
      commits: SimCommit[];
      created: boolean;
      deleted: boolean;
      forced: boolean;
      /** A tag push: the tagged commit (`head_commit`; `after` may be an annotated tag object). */
      headSha?: string;
      /** A tag push: the branch whose tip the tag is on (`base_ref`), else null. */
      baseRef?: string | null;
    }
  | { type: 'create' | 'delete'; repo: SimRepo; senderId: number; refType: 'branch' | 'tag'; ref: string }
  | {
      type: 'pull_request';
      repo: SimRepo;
      senderId: number;
      action:
        | 'opened'
        | 'edited'
        | 'closed'
        | 'reopened'
        | 'synchronize'
        | 'ready_for_review'
        | 'converted_to_draft';
      pull: SimPull;
      changes?: Record<string, { from: unknown }>;
      /** Head before/after a synchronize. */
      before?: string;
      after?: string;
    }
  | {
      type: 'pull_request_review';
      repo: SimRepo;
      senderId: number;
      action: 'submitted';
      pull: SimPull;
      review: SimReview;
    }
  | { type: 'star'; repo: SimRepo; senderId: number; action: 'created' | 'deleted'; starredAt: number | null }
  | { type: 'watch'; repo: SimRepo; senderId: number; action: 'started' }
  | { type: 'fork'; repo: SimRepo; senderId: number; forkee: SimRepo }
  | {
      type: 'repository';
      repo: SimRepo;
      senderId: number;
      action:
        | 'created'
        | 'renamed'
        | 'archived'
        | 'unarchived'
        | 'deleted'
        | 'transferred'
        | 'privatized'
        | 'publicized'
        | 'edited';
      changes?: Record<string, unknown>;
    }
  | {
      type: 'issues';
      repo: SimRepo;
      senderId: number;
      action: 'opened' | 'closed' | 'reopened' | 'edited' | 'assigned' | 'unassigned';
      issue: SimIssue;
      /** The user assigned or unassigned (`assignee` of those payloads). */
      assigneeId?: number;
    }
  | { type: 'deployment'; repo: SimRepo; senderId: number; deployment: SimDeployment }
  | {
      type: 'deployment_status';
      repo: SimRepo;
      senderId: number;
      deployment: SimDeployment;
      status: SimDeploymentStatus;
    }
  | {
      type: 'release';
      repo: SimRepo;
      senderId: number;
      action: 'created' | 'published' | 'released' | 'prereleased' | 'deleted';
      release: SimRelease;
    }
  | {
      type: 'workflow_run';
      repo: SimRepo;
      senderId: number;
      action: 'requested' | 'in_progress' | 'completed';
      workflow: SimWorkflow;
      run: SimWorkflowRun;
    }
  | { type: 'member'; repo: SimRepo; senderId: number; action: 'added' | 'removed'; memberId: number }
  | { type: 'ping'; repo: SimRepo; senderId: number; hook: SimHook };

/** Events about an App's installation: delivered to the App's webhook only, never to repository hooks. */
export type SimInstallationEvent =
  | {
      type: 'installation';
      installation: SimInstallation;
      senderId: number;
      action: 'created' | 'deleted' | 'suspend' | 'unsuspend' | 'new_permissions_accepted';
      /** The repositories it reached (created, deleted, new_permissions_accepted), as the payload lists them. */
      repos: SimRepo[];
    }
  | {
      type: 'installation_repositories';
      installation: SimInstallation;
      senderId: number;
      action: 'added' | 'removed';
      added: SimRepo[];
      removed: SimRepo[];
    };

/**
 * Organization, team and team-membership changes: delivered to Apps installed on the organization that subscribed
 * to the event (organization hooks are not simulated).
 */
export type SimOrgEvent =
  | {
      type: 'organization';
      org: SimOrg;
      senderId: number;
      action: 'member_added' | 'member_removed';
      memberId: number;
      role: 'admin' | 'member';
    }
  | {
      type: 'team';
      org: SimOrg;
      senderId: number;
      action: 'created' | 'deleted' | 'edited' | 'added_to_repository' | 'removed_from_repository';
      team: SimTeam;
      /** The repository of added_to_repository / removed_from_repository. */
      repo?: SimRepo;
      changes?: Record<string, unknown>;
    }
  | {
      type: 'membership';
      org: SimOrg;
      senderId: number;
      action: 'added' | 'removed';
      team: SimTeam;
      memberId: number;
    };

export type SimEventListener = (
  event: SimDomainEvent | SimInstallationEvent | SimOrgEvent,
) => void | Promise<void>;
