import type { SimCommit, SimHook, SimIssue, SimPull, SimRepo, SimReview } from './world.types';

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
      action: 'opened' | 'closed' | 'reopened' | 'edited';
      issue: SimIssue;
    }
  | { type: 'member'; repo: SimRepo; senderId: number; action: 'added' | 'removed'; memberId: number }
  | { type: 'ping'; repo: SimRepo; senderId: number; hook: SimHook };

export type SimEventListener = (event: SimDomainEvent) => void | Promise<void>;
