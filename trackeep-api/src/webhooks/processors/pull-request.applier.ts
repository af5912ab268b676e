import type { Transaction } from 'kysely';
import type { DB } from '../../database/db.types';
import { IssuesRepository } from '../../repos/data/issues.repository';
import { PullRequestReviewsRepository, reviewState } from '../../repos/data/pull-request-reviews.repository';
import { PullRequestsRepository } from '../../repos/data/pull-requests.repository';
import {
  PROCESSED,
  date,
  ignored,
  int,
  login,
  obj,
  required,
  str,
  type ApplyContext,
  type ApplyOutcome,
  type Json,
} from './apply-context';
import { closedIssueNumbers } from './closing-keywords';

/**
 * Writes a pull request as the payload describes it. Which copy wins (deliveries arrive out of order; the
 * sync has its own) and which fields a payload may lack (review payloads carry a shorter PR) is the write
 * model's: PULL_REQUEST_RULES.
 */
async function upsertPullRequest(tx: Transaction<DB>, repoId: string, pr: Json): Promise<void> {
  const number = required(int(pr['number']), 'pull_request.number');
  const updatedAt = required(date(pr['updated_at']), 'pull_request.updated_at');
  const mergedAt = date(pr['merged_at']);
  const state =
    mergedAt || pr['merged'] === true ? 'merged' : str(pr['state']) === 'closed' ? 'closed' : 'open';
  const labels = Array.isArray(pr['labels'])
    ? pr['labels'].map((l) => str(obj(l)?.['name'])).filter((l): l is string => l !== null)
    : [];
  // A review payload's shorter pull request has no counts: it leaves the stored one alone.
  const comments = int(pr['comments']);
  const reviewComments = int(pr['review_comments']);
  const counted =
    comments !== null && reviewComments !== null ? { comments_count: comments + reviewComments } : {};
  await PullRequestsRepository.upsert(tx, repoId, [
    {
      number,
      node_id: str(pr['node_id']),
      title: str(pr['title']) ?? '',
      state,
      draft: pr['draft'] === true,
      author_login: login(pr['user']),
      created_at: date(pr['created_at']) ?? updatedAt,
      updated_at: updatedAt,
      closed_at: date(pr['closed_at']),
      merged_at: mergedAt,
      base_ref: str(obj(pr['base'])?.['ref']) ?? '',
      head_ref: str(obj(pr['head'])?.['ref']) ?? '',
      additions: int(pr['additions']),
      deletions: int(pr['deletions']),
      changed_files: int(pr['changed_files']),
      commits_count: int(pr['commits']),
      labels,
      html_url: str(pr['html_url']) ?? '',
      ...counted,
    },
  ]);
}

/** pull_request: every action updates the row (guarded by updated_at); opened/closed/merged/reopened go on the timeline. */
export async function applyPullRequest(ctx: ApplyContext): Promise<ApplyOutcome> {
  const pr = required(obj(ctx.payload['pull_request']), 'pull_request');
  const number = required(int(pr['number']), 'pull_request.number');
  const updatedAt = required(date(pr['updated_at']), 'pull_request.updated_at');
  await upsertPullRequest(ctx.tx, ctx.repo.id, pr);

  const title = str(pr['title']) ?? '';
  const actor = login(ctx.payload['sender']);
  const url = str(pr['html_url']);
  const data = {
    number,
    title,
    baseRef: str(obj(pr['base'])?.['ref']),
    headRef: str(obj(pr['head'])?.['ref']),
    draft: pr['draft'] === true,
  };
  switch (ctx.delivery.action) {
    case 'opened':
      await ctx.activity({
        type: 'pr_opened',
        actor: login(pr['user']) ?? actor,
        title: `#${number} ${title}`,
        url,
        occurredAt: date(pr['created_at']) ?? updatedAt,
        data,
        dedupeKey: `pr_opened:${number}`,
      });
      break;
    case 'closed': {
      const mergedAt = date(pr['merged_at']);
      const defaultBranch = str(obj(ctx.payload['repository'])?.['default_branch']);
      if (mergedAt && data.baseRef && data.baseRef === defaultBranch)
        await IssuesRepository.setClosedBy(
          ctx.tx,
          ctx.repo.id,
          closedIssueNumbers(str(pr['body']), ctx.repo.fullName),
          number,
        );
      if (mergedAt) {
        await ctx.activity({
          type: 'pr_merged',
          actor: login(pr['merged_by']) ?? actor,
          title: `#${number} ${title}`,
          url,
          occurredAt: mergedAt,
          data,
          dedupeKey: `pr_merged:${number}`,
        });
      } else {
        const closedAt = date(pr['closed_at']) ?? updatedAt;
        await ctx.activity({
          type: 'pr_closed',
          actor,
          title: `#${number} ${title}`,
          url,
          occurredAt: closedAt,
          data,
          dedupeKey: `pr_closed:${number}:${closedAt.toISOString()}`,
        });
      }
      break;
    }
    case 'reopened':
      await ctx.activity({
        type: 'pr_reopened',
        actor,
        title: `#${number} ${title}`,
        url,
        occurredAt: updatedAt,
        data,
        dedupeKey: `pr_reopened:${number}:${updatedAt.toISOString()}`,
      });
      break;
  }
  return PROCESSED;
}

/**
 * pull_request_review: refreshes the PR from the embedded (shorter) PR object and, for a newly submitted
 * review, counts it once (the timeline entry keyed by review id is what makes a replay not count twice).
 */
export async function applyPullRequestReview(ctx: ApplyContext): Promise<ApplyOutcome> {
  const pr = required(obj(ctx.payload['pull_request']), 'pull_request');
  const review = required(obj(ctx.payload['review']), 'review');
  const reviewId = required(int(review['id']), 'review.id');
  const number = required(int(pr['number']), 'pull_request.number');
  await upsertPullRequest(ctx.tx, ctx.repo.id, pr);
  const submittedAt = date(review['submitted_at']) ?? ctx.delivery.received_at;
  const state = str(review['state']);
  if (state === 'pending') return ignored('pending reviews are not submitted yet');
  // The review itself, as the sync stores it (submitted, edited and dismissed all carry its current state).
  const known = reviewState(state);
  if (known) {
    const reviewer = obj(review['user']);
    const reviewerLogin = login(review['user']);
    await PullRequestReviewsRepository.upsert(ctx.tx, ctx.repo.id, [
      {
        review_id: reviewId,
        pull_number: number,
        reviewer_login: reviewerLogin,
        reviewer_is_bot: str(reviewer?.['type']) === 'Bot' || (reviewerLogin?.endsWith('[bot]') ?? false),
        state: known,
        submitted_at: submittedAt,
      },
    ]);
  }
  if (ctx.delivery.action !== 'submitted') return PROCESSED;

  const isNew = await ctx.activity({
    type: 'pr_review',
    actor: login(review['user']) ?? login(ctx.payload['sender']),
    title: `#${number} ${str(pr['title']) ?? ''}`,
    url: str(review['html_url']) ?? str(pr['html_url']),
    occurredAt: submittedAt,
    data: { number, state, reviewId },
    dedupeKey: `pr_review:${reviewId}`,
  });
  if (isNew) {
    await PullRequestsRepository.countReview(ctx.tx, ctx.repo.id, number, submittedAt);
  }
  return PROCESSED;
}
