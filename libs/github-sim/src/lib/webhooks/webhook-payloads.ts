import {
  hook as hookBody,
  iso,
  issue,
  orgSimple,
  pullRequest,
  pullRequestSimple,
  repository,
  review,
  simpleUser,
  userById,
  type Urls,
  emptyReactions,
} from '../rest/serializers';
import { installation, installationRepoEntry } from '../rest/app-serializers';
import { teamBody } from '../rest/team-serializers';
import type { SimDomainEvent, SimInstallationEvent, SimOrgEvent } from '../world/domain-events';
import type { SimWorld } from '../world/sim-world';
import { ZERO_SHA } from '../world/git-objects';
import type { SimCommit, SimHook, SimRepo, SimUser } from '../world/world.types';
import { deployment, deploymentStatus } from '../rest/deployment-serializers';
import { release } from '../rest/release-serializers';
import { workflow, workflowRunSerializer } from '../rest/workflow-serializers';

/** Event names a repository webhook can subscribe to (GitHub's list, as in @octokit/webhooks-examples). */
export const WEBHOOK_EVENTS: readonly string[] = [
  'branch_protection_rule',
  'check_run',
  'check_suite',
  'code_scanning_alert',
  'commit_comment',
  'create',
  'delete',
  'dependabot_alert',
  'deploy_key',
  'deployment',
  'deployment_review',
  'deployment_status',
  'discussion',
  'discussion_comment',
  'fork',
  'gollum',
  'issue_comment',
  'issues',
  'label',
  'member',
  'meta',
  'milestone',
  'package',
  'page_build',
  'project',
  'project_card',
  'project_column',
  'public',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_review_thread',
  'push',
  'registry_package',
  'release',
  'repository',
  'repository_dispatch',
  'repository_import',
  'repository_vulnerability_alert',
  'secret_scanning_alert',
  'security_and_analysis',
  'star',
  'status',
  'team_add',
  'watch',
  'workflow_dispatch',
  'workflow_job',
  'workflow_run',
  'merge_group',
];

const ZEN = [
  'Anything added dilutes everything else.',
  'Design for failure.',
  'Keep it logically awesome.',
  'Non-blocking is better than blocking.',
  'Responsive is better than fast.',
  'Speak like a human.',
  'Favor focus over features.',
  'Approachable is better than simple.',
  'Mind your words, they are important.',
  'Practicality beats purity.',
];

export interface WebhookMessage {
  event: string;
  action: string | null;
  payload: Record<string, unknown>;
}

/** The `repository` object of webhook payloads: the REST shape without `permissions`, plus the push quirks. */
export function webhookRepository(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  forPush = false,
): Record<string, unknown> {
  const { permissions: _p, ...base } = repository(w, urls, repo, null);
  const out: Record<string, unknown> = { ...base, custom_properties: {} };
  if (forPush) {
    // Push payloads keep GitHub's legacy format: epoch seconds, html url as `url`, extra counters.
    out['created_at'] = Math.floor(repo.createdAt / 1000);
    out['pushed_at'] = Math.floor(repo.pushedAt / 1000);
    out['url'] = base.html_url;
    out['stargazers'] = base.stargazers_count;
    out['master_branch'] = repo.defaultBranch;
    if (repo.ownerType === 'Organization') out['organization'] = w.ownerLogin(repo);
  }
  return out;
}

/**
 * Webhook pull requests carry `custom_properties` on `head.repo` and `base.repo` (REST pull requests do not),
 * as in @octokit/webhooks-examples' pull_request payloads.
 */
function webhookPull<T extends { head: { repo: unknown }; base: { repo: unknown } }>(pr: T): T {
  const repo = (r: unknown) =>
    r && typeof r === 'object' ? { ...(r as Record<string, unknown>), custom_properties: {} } : r;
  return {
    ...pr,
    head: { ...pr.head, repo: repo(pr.head.repo) },
    base: { ...pr.base, repo: repo(pr.base.repo) },
  };
}

function envelope(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  senderId: number,
  forPush = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    repository: webhookRepository(w, urls, repo, forPush),
    sender: userById(w, urls, senderId),
  };
  if (repo.ownerType === 'Organization') {
    const org = w.orgs.get(repo.ownerId);
    if (org) out['organization'] = orgSimple(urls, org);
  }
  return out;
}

function pushCommit(w: SimWorld, urls: Urls, repo: SimRepo, c: SimCommit): Record<string, unknown> {
  const login = (id: number | null) => (id === null ? undefined : w.users.get(id)?.login);
  const person = (a: SimCommit['author']) => ({
    name: a.name,
    email: a.email,
    ...(login(a.userId) ? { username: login(a.userId) } : {}),
  });
  return {
    id: c.sha,
    tree_id: c.treeSha,
    distinct: true,
    message: c.message,
    timestamp: iso(c.committedAt),
    url: `${urls.web}/${w.fullName(repo)}/commit/${c.sha}`,
    author: person(c.author),
    committer: person(c.committer),
    added: c.files.filter((f) => f.status === 'added').map((f) => f.filename),
    removed: c.files.filter((f) => f.status === 'removed').map((f) => f.filename),
    modified: c.files.filter((f) => f.status === 'modified' || f.status === 'renamed').map((f) => f.filename),
  };
}

/** Turns a world event into the webhook GitHub would send (event name, action, payload). */
export function webhookFor(w: SimWorld, urls: Urls, e: SimDomainEvent): WebhookMessage | null {
  const repo = e.repo;
  switch (e.type) {
    case 'push': {
      const full = w.fullName(repo);
      const short = (s: string) => s.slice(0, 12);
      const tipCommit = e.deleted
        ? null
        : (e.commits.at(-1) ?? w.graph(repo).get(e.headSha ?? e.after) ?? null);
      const compare = e.deleted
        ? `${urls.web}/${full}/compare/${short(e.before)}...${short(ZERO_SHA)}`
        : e.created && e.commits.length === 0
          ? `${urls.web}/${full}/compare/${e.ref.replace(/^refs\/(heads|tags)\//, '')}`
          : e.created
            ? `${urls.web}/${full}/commit/${e.after}`
            : `${urls.web}/${full}/compare/${short(e.before)}...${short(e.after)}`;
      const pusher = w.users.get(e.senderId) as SimUser;
      return {
        event: 'push',
        action: null,
        payload: {
          ref: e.ref,
          before: e.before,
          after: e.after,
          ...envelope(w, urls, repo, e.senderId, true),
          pusher: { name: pusher.login, email: pusher.email },
          created: e.created,
          deleted: e.deleted,
          forced: e.forced,
          base_ref: e.baseRef ?? null,
          compare,
          commits: e.commits.slice(-2048).map((c) => pushCommit(w, urls, repo, c)),
          head_commit: tipCommit ? pushCommit(w, urls, repo, tipCommit) : null,
        },
      };
    }
    case 'create':
    case 'delete':
      return {
        event: e.type,
        action: null,
        payload: {
          ref: e.ref,
          ref_type: e.refType,
          ...(e.type === 'create'
            ? { master_branch: repo.defaultBranch, description: repo.description }
            : {}),
          pusher_type: 'user',
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'pull_request': {
      const payload: Record<string, unknown> = {
        action: e.action,
        number: e.pull.number,
        pull_request: webhookPull(pullRequest(w, urls, repo, e.pull, null)),
        ...envelope(w, urls, repo, e.senderId),
      };
      if (e.changes) payload['changes'] = e.changes;
      if (e.action === 'synchronize') {
        payload['before'] = e.before ?? e.pull.headSha;
        payload['after'] = e.after ?? e.pull.headSha;
      }
      return { event: 'pull_request', action: e.action, payload };
    }
    case 'pull_request_review': {
      const r = review(w, urls, repo, e.pull, e.review);
      return {
        event: 'pull_request_review',
        action: e.action,
        payload: {
          action: e.action,
          review: { ...r, state: r.state.toLowerCase() },
          pull_request: webhookPull(pullRequestSimple(w, urls, repo, e.pull, null)),
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    }
    case 'star':
      return {
        event: 'star',
        action: e.action,
        payload: {
          action: e.action,
          starred_at: e.starredAt === null ? null : iso(e.starredAt),
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'watch':
      return {
        event: 'watch',
        action: e.action,
        payload: { action: e.action, ...envelope(w, urls, repo, e.senderId) },
      };
    case 'fork':
      return {
        event: 'fork',
        action: null,
        payload: {
          forkee: {
            ...repository(w, urls, e.forkee, null),
            permissions: undefined,
            public: !e.forkee.private,
            custom_properties: {},
          },
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'repository': {
      const payload: Record<string, unknown> = { action: e.action, ...envelope(w, urls, repo, e.senderId) };
      if (e.changes) {
        const changes = structuredClone(e.changes) as Record<string, unknown>;
        const owner = (changes['owner'] as { from?: Record<string, unknown> } | undefined)?.from;
        if (owner?.['user']) owner['user'] = simpleUser(urls, owner['user'] as SimUser);
        if (owner?.['organization']) owner['organization'] = orgSimple(urls, owner['organization'] as never);
        payload['changes'] = changes;
      }
      return { event: 'repository', action: e.action, payload };
    }
    case 'issues':
      return {
        event: 'issues',
        action: e.action,
        payload: {
          action: e.action,
          issue: {
            ...issue(w, urls, repo, e.issue),
            reactions: emptyReactions(
              `${urls.api}/repos/${w.fullName(repo)}/issues/${e.issue.number}/reactions`,
            ),
            draft: false,
          },
          ...(e.assigneeId === undefined ? {} : { assignee: userById(w, urls, e.assigneeId) }),
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'deployment':
      return {
        event: 'deployment',
        action: 'created',
        payload: {
          action: 'created',
          deployment: deployment(w, urls, repo, e.deployment),
          workflow: null,
          workflow_run: null,
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'deployment_status':
      return {
        event: 'deployment_status',
        action: 'created',
        payload: {
          action: 'created',
          deployment_status: deploymentStatus(w, urls, repo, e.deployment, e.status),
          deployment: deployment(w, urls, repo, e.deployment),
          check_run: null,
          workflow: null,
          workflow_run: null,
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'release':
      return {
        event: 'release',
        action: e.action,
        payload: {
          action: e.action,
          release: release(w, urls, repo, e.release),
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'workflow_run':
      return {
        event: 'workflow_run',
        action: e.action,
        payload: {
          action: e.action,
          workflow: workflow(w, urls, repo, e.workflow),
          workflow_run: workflowRunSerializer(w, urls, repo)(e.run),
          ...envelope(w, urls, repo, e.senderId),
        },
      };
    case 'member': {
      const m = w.users.get(e.memberId) as SimUser;
      return {
        event: 'member',
        action: e.action,
        payload: { action: e.action, member: simpleUser(urls, m), ...envelope(w, urls, repo, e.senderId) },
      };
    }
    case 'ping':
      return { event: 'ping', action: null, payload: pingPayload(w, urls, repo, e.hook, e.senderId) };
  }
}

export function pingPayload(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  hook: SimHook,
  senderId: number,
): Record<string, unknown> {
  return {
    zen: ZEN[hook.id % ZEN.length],
    hook_id: hook.id,
    hook: hookBody(urls, w.fullName(repo), hook),
    ...envelope(w, urls, repo, senderId),
  };
}

/** `installation` and `installation_repositories` webhooks, as GitHub sends them to the App's webhook URL. */
export function installationWebhook(w: SimWorld, urls: Urls, e: SimInstallationEvent): WebhookMessage {
  const inst = installation(w, urls, e.installation);
  const sender = userById(w, urls, e.senderId);
  if (e.type === 'installation') {
    const payload: Record<string, unknown> = { action: e.action, installation: inst };
    if (e.action !== 'suspend' && e.action !== 'unsuspend')
      payload['repositories'] = e.repos.map((r) => installationRepoEntry(w, r));
    if (e.action === 'created') payload['requester'] = null;
    payload['sender'] = sender;
    return { event: 'installation', action: e.action, payload };
  }
  return {
    event: 'installation_repositories',
    action: e.action,
    payload: {
      action: e.action,
      installation: inst,
      repository_selection: e.installation.repositorySelection,
      repositories_added: e.added.map((r) => installationRepoEntry(w, r)),
      repositories_removed: e.removed.map((r) => installationRepoEntry(w, r)),
      requester: null,
      sender,
    },
  };
}

/**
 * `organization`, `team` and `membership` webhooks, as GitHub sends them for an organization (to the Apps
 * installed on it that subscribed to the event).
 */
export function organizationWebhook(w: SimWorld, urls: Urls, e: SimOrgEvent): WebhookMessage {
  if (e.type === 'team') {
    const payload: Record<string, unknown> = { action: e.action };
    if (e.changes) payload['changes'] = e.changes;
    payload['team'] = teamBody(urls, e.org, e.team);
    if (e.repo) {
      const perm = e.team.repos.get(e.repo.id);
      payload['repository'] = {
        ...webhookRepository(w, urls, e.repo),
        // The team's permissions on the repository (all false once removed).
        permissions: {
          pull: !!perm,
          triage: !!perm && perm !== 'pull',
          push: !!perm && perm !== 'pull' && perm !== 'triage',
          maintain: perm === 'maintain' || perm === 'admin',
          admin: perm === 'admin',
        },
      };
    }
    payload['organization'] = orgSimple(urls, e.org);
    payload['sender'] = userById(w, urls, e.senderId);
    return { event: 'team', action: e.action, payload };
  }
  if (e.type === 'membership') {
    return {
      event: 'membership',
      action: e.action,
      payload: {
        action: e.action,
        scope: 'team',
        member: userById(w, urls, e.memberId),
        sender: userById(w, urls, e.senderId),
        team: teamBody(urls, e.org, e.team),
        organization: orgSimple(urls, e.org),
      },
    };
  }
  const member = w.users.get(e.memberId) as SimUser;
  const api = `${urls.api}/orgs/${e.org.login}`;
  return {
    event: 'organization',
    action: e.action,
    payload: {
      action: e.action,
      membership: {
        url: `${api}/memberships/${member.login}`,
        state: 'active',
        role: e.role,
        organization_url: api,
        user: simpleUser(urls, member),
      },
      organization: orgSimple(urls, e.org),
      sender: userById(w, urls, e.senderId),
    },
  };
}
