import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { issueTimeline } from '../world/issue-timeline';
import { notFound, SimError, validationFailed } from '../world/sim-error';
import { PERMISSION_RANK } from '../world/world-store';
import type { SimIssue, SimRepo } from '../world/world.types';
import { bodyObject, hasScope, repoFromPath } from './access';
import { issue, pullAsIssue, userById } from './serializers';

const ISSUE_SCOPES = ['repo', 'public_repo'];

/**
 * One issue, and its assignees: GET /repos/{o}/{r}/issues/{n} (a pull request's number answers the pull request
 * as an issue), POST and DELETE …/assignees, GET …/assignees/{assignee} (can that user be assigned?).
 */
export function registerIssueRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;
  const numberOf = (r: ApiRequest): number => {
    const n = Number(r.param('issue_number'));
    if (!Number.isInteger(n) || n < 1) throw notFound();
    return n;
  };
  const issueOf = (repo: SimRepo, r: ApiRequest): SimIssue => {
    const n = numberOf(r);
    const i = w.detail(repo).issues.find((x) => x.number === n);
    if (!i) throw notFound();
    return i;
  };

  api.get('/repos/:owner/:repo/issues/:issue_number', '/repos/{owner}/{repo}/issues/{issue_number}', (r) => {
    const repo = repoFromPath(w, r);
    const n = numberOf(r);
    const d = w.detail(repo);
    const i = d.issues.find((x) => x.number === n);
    if (i) {
      // The single-issue answer also names who closed it last (lists leave closed_by out, as GitHub's do).
      const closed = issueTimeline(i)
        .filter((e) => e.type === 'closed')
        .at(-1);
      const closedBy = i.state === 'closed' && closed ? userById(w, r.urls, closed.actorId) : null;
      return { body: { ...issue(w, r.urls, repo, i), closed_by: closedBy } };
    }
    const p = d.pulls.find((x) => x.number === n);
    if (p) return { body: pullAsIssue(w, r.urls, repo, p, r.viewerId) };
    throw notFound();
  });

  api.get(
    '/repos/:owner/:repo/issues/:issue_number/assignees/:assignee',
    '/repos/{owner}/{repo}/issues/{issue_number}/assignees/{assignee}',
    (r) => {
      const repo = repoFromPath(w, r);
      issueOf(repo, r);
      const u = w.user(r.param('assignee'));
      if (!u || w.permissionOf(repo, u.id) === null) throw notFound();
      return { status: 204 };
    },
  );

  // Only people with triage access or more change assignees; GitHub drops anyone else's change silently.
  for (const [method, remove] of [
    ['post', false],
    ['delete', true],
  ] as const) {
    api[method](
      '/repos/:owner/:repo/issues/:issue_number/assignees',
      '/repos/{owner}/{repo}/issues/{issue_number}/assignees',
      async (r) => {
        if (r.viewerId === null && !r.installation) throw new SimError(401, 'Requires authentication');
        const repo = repoFromPath(w, r);
        const scoped =
          r.installation !== undefined ||
          !!r.userApp ||
          hasScope(r.scopes, 'repo') ||
          (hasScope(r.scopes, 'public_repo') && !repo.private);
        if (!scoped) throw notFound();
        const i = issueOf(repo, r);
        const raw = bodyObject(r)['assignees'] ?? [];
        if (!Array.isArray(raw) || raw.some((a) => typeof a !== 'string'))
          throw validationFailed([{ resource: 'Issue', field: 'assignees', code: 'invalid' }]);
        const level = r.viewerId === null ? null : w.permissionOf(repo, r.viewerId);
        const allowed =
          r.installation !== undefined ||
          (level !== null && PERMISSION_RANK[level] >= PERMISSION_RANK.triage);
        if (allowed)
          await w.setAssignees({
            owner: w.ownerLogin(repo),
            repo: repo.name,
            number: i.number,
            assignees: raw as string[],
            remove,
            sender: r.viewerId === null ? undefined : w.users.get(r.viewerId)?.login,
          });
        return { status: remove ? 200 : 201, body: issue(w, r.urls, repo, i) };
      },
      { acceptedScopes: ISSUE_SCOPES },
    );
  }
}
