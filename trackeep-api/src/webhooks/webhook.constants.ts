/** GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub. */
export const WEBHOOK_MAX_BODY_BYTES = 25 * 1024 * 1024;

/**
 * Which secret verified a delivery's signature: the repository hook's or the global one (current or previous),
 * or the GitHub App's webhook secret (GITHUB_APP_WEBHOOK_SECRET).
 */
export type SignedWith = 'hook' | 'hook_previous' | 'global' | 'global_previous' | 'app';

/** Path of the receiver, with the global prefix (the intake middleware is mounted here). */
export const WEBHOOK_RECEIVER_PATH = '/api/v1/webhooks/github';

/** pg-boss queue processing inbox rows, one job per delivery ({ deliveryId }). */
export const WEBHOOK_PROCESS_QUEUE = 'webhook-process';
/** pg-boss queue registering / removing repository hooks ({ repoId, userId } / { repoId }). */
export const WEBHOOK_REGISTER_QUEUE = 'webhook-register';
export const WEBHOOK_UNREGISTER_QUEUE = 'webhook-unregister';
/** pg-boss queue of the periodic comparison of registered hooks with GitHub's (scheduled, no data). */
export const WEBHOOK_CHECK_QUEUE = 'webhook-check';

/** The events Trackeep subscribes a repository hook to (those it applies; ping comes by itself). */
export const SUBSCRIBED_EVENTS = [
  'push',
  'pull_request',
  'pull_request_review',
  'create',
  'delete',
  'repository',
  'star',
  'watch',
  'fork',
  'issues',
  'member',
  'deployment',
  'deployment_status',
  'release',
  'workflow_run',
] as const;

/** The shapes GitHub's X-GitHub-Event and X-GitHub-Delivery headers have (checked at intake and on replay). */
export const WEBHOOK_EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const WEBHOOK_DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/;
