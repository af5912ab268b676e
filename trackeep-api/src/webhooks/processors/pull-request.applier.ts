import type { PoolClient } from 'pg';
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

/**
 * Writes a pull request as the payload describes it, unless the stored row is newer: deliveries arrive out
 * of order, and GitHub's updated_at says which state is the latest (an equal timestamp applies, so two
 * changes in the same second still converge on the last one processed). Sizes the payload omits (review
 * payloads carry a shorter PR) keep their stored values. Returns whether the row was written.
 */
export async function upsertPullRequest(client: PoolClient, repoId: string, pr: Json): Promise<boolean> {
  const number = required(int(pr['number']), 'pull_request.number');
  const updatedAt = required(date(pr['updated_at']), 'pull_request.updated_at');
  const mergedAt = date(pr['merged_at']);
  const state =
    mergedAt || pr['merged'] === true ? 'merged' : str(pr['state']) === 'closed' ? 'closed' : 'open';
  const labels = Array.isArray(pr['labels'])
    ? pr['labels'].map((l) => str(obj(l)?.['name'])).filter((l): l is string => l !== null)
    : [];
  const { rowCount } = await client.query(
    `INSERT INTO pull_requests AS p (repo_id, number, node_id, title, state, draft, author_login, created_at, updated_at, closed_at,
                                     merged_at, base_ref, head_ref, additions, deletions, changed_files, commits_count, labels, html_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (repo_id, number) DO UPDATE SET
       node_id = COALESCE(EXCLUDED.node_id, p.node_id), title = EXCLUDED.title, state = EXCLUDED.state, draft = EXCLUDED.draft,
       author_login = COALESCE(EXCLUDED.author_login, p.author_login), updated_at = EXCLUDED.updated_at,
       closed_at = EXCLUDED.closed_at, merged_at = EXCLUDED.merged_at, base_ref = EXCLUDED.base_ref, head_ref = EXCLUDED.head_ref,
       additions = COALESCE(EXCLUDED.additions, p.additions), deletions = COALESCE(EXCLUDED.deletions, p.deletions),
       changed_files = COALESCE(EXCLUDED.changed_files, p.changed_files), commits_count = COALESCE(EXCLUDED.commits_count, p.commits_count),
       labels = EXCLUDED.labels, html_url = EXCLUDED.html_url
     WHERE p.updated_at <= EXCLUDED.updated_at`,
    [
      repoId,
      number,
      str(pr['node_id']),
      str(pr['title']) ?? '',
      state,
      pr['draft'] === true,
      login(pr['user']),
      date(pr['created_at']) ?? updatedAt,
      updatedAt,
      date(pr['closed_at']),
      mergedAt,
      str(obj(pr['base'])?.['ref']) ?? '',
      str(obj(pr['head'])?.['ref']) ?? '',
      int(pr['additions']),
      int(pr['deletions']),
      int(pr['changed_files']),
      int(pr['commits']),
      labels,
      str(pr['html_url']) ?? '',
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** pull_request: every action updates the row (guarded by updated_at); opened/closed/merged/reopened go on the timeline. */
export async function applyPullRequest(ctx: ApplyContext): Promise<ApplyOutcome> {
  const pr = required(obj(ctx.payload['pull_request']), 'pull_request');
  const number = required(int(pr['number']), 'pull_request.number');
  const updatedAt = required(date(pr['updated_at']), 'pull_request.updated_at');
  await upsertPullRequest(ctx.client, ctx.repo.id, pr);

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
  await upsertPullRequest(ctx.client, ctx.repo.id, pr);
  if (ctx.delivery.action !== 'submitted') return PROCESSED;

  const submittedAt = date(review['submitted_at']) ?? ctx.delivery.received_at;
  const state = str(review['state']);
  if (state === 'pending') return ignored('pending reviews are not submitted yet');
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
    await ctx.client.query(
      `UPDATE pull_requests SET review_count = review_count + 1, first_review_at = LEAST(COALESCE(first_review_at, $3), $3)
        WHERE repo_id = $1 AND number = $2`,
      [ctx.repo.id, number, submittedAt],
    );
  }
  return PROCESSED;
}
