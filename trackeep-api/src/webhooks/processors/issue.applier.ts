import { IssuesRepository, type IssueWrite } from '../../repos/data/issues.repository';
import { date, int, login, obj, str, type ApplyContext, type ApplyOutcome, type Json } from './apply-context';
import { applyRepositoryCounters } from './repository.applier';

/** The issue of an `issues` payload as the write model takes it; null when it is a pull request or incomplete. */
function issueWrite(i: Json): IssueWrite | null {
  const number = int(i['number']);
  const state = str(i['state']);
  const title = str(i['title']);
  const createdAt = date(i['created_at']);
  const updatedAt = date(i['updated_at']);
  // GitHub sends some `issues` actions (milestoned…) for pull requests too; those are not issues here.
  if (i['pull_request'] !== undefined) return null;
  if (
    number === null ||
    (state !== 'open' && state !== 'closed') ||
    title === null ||
    !createdAt ||
    !updatedAt
  )
    return null;
  const names = (list: unknown, key: string) =>
    Array.isArray(list) ? list.flatMap((x) => str(obj(x)?.[key]) ?? []) : [];
  return {
    number,
    issue_id: int(i['id']),
    node_id: str(i['node_id']),
    title,
    state,
    state_reason: str(i['state_reason']),
    author_login: login(i['user']),
    labels: names(i['labels'], 'name'),
    assignees: names(i['assignees'], 'login'),
    html_url: str(i['html_url']),
    created_at: createdAt,
    updated_at: updatedAt,
    closed_at: date(i['closed_at']),
    // A webhook never names what closed the issue; a merged pull request's closing keywords or the sync do.
    closed_by_pull: null,
  };
}

/**
 * issues: the issue as it is now (a deleted or transferred one as a tombstone), then the open-issue counter the
 * repository object carries. A payload whose issue lacks its state (pinned, unpinned) changes only the counters.
 */
export async function applyIssue(ctx: ApplyContext): Promise<ApplyOutcome> {
  const issue = issueWrite(obj(ctx.payload['issue']) ?? {});
  if (issue) {
    if (ctx.delivery.action === 'deleted' || ctx.delivery.action === 'transferred')
      await IssuesRepository.markGone(ctx.tx, ctx.repo.id, issue, ctx.delivery.received_at);
    else await IssuesRepository.upsert(ctx.tx, ctx.repo.id, [issue]);
  }
  return applyRepositoryCounters(ctx);
}
