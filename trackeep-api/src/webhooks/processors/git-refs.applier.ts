import {
  PROCESSED,
  date,
  ignored,
  int,
  obj,
  str,
  type ApplyContext,
  type ApplyOutcome,
  type Json,
} from './apply-context';

const SHA = /^[0-9a-f]{40}$/;
const ZERO_SHA = '0000000000000000000000000000000000000000';

/** Sizes GitHub puts on a commit only in some payloads (and the simulator's): used when present. */
function stats(commit: Json): {
  additions: number | null;
  deletions: number | null;
  changedFiles: number | null;
} {
  const s = obj(commit['stats']);
  const files = ['added', 'removed', 'modified'].map((k) =>
    Array.isArray(commit[k]) ? (commit[k] as unknown[]).length : null,
  );
  return {
    additions: int(s?.['additions']),
    deletions: int(s?.['deletions']),
    changedFiles:
      int(s?.['total_files']) ??
      (files.every((f) => f === null) ? null : files.reduce<number>((a, f) => a + (f ?? 0), 0)),
  };
}

/**
 * push to a branch: its commits (upserted; sizes from the sync are never overwritten with nothing), the
 * branch's commit list and head (only moved forward in time, so a late delivery of an older push — forced or
 * not — does not roll the head back), the repo's pushed_at, and one timeline entry per head sha.
 */
export async function applyPush(ctx: ApplyContext): Promise<ApplyOutcome> {
  const { client, payload, repo } = ctx;
  const ref = str(payload['ref']) ?? '';
  if (!ref.startsWith('refs/heads/'))
    return ignored(
      ref.startsWith('refs/tags/') ? 'tag pushes are not tracked' : `unsupported ref ${ref.slice(0, 100)}`,
    );
  const branch = ref.slice('refs/heads/'.length);
  const repository = obj(payload['repository']);
  const headCommit = obj(payload['head_commit']);
  const pushedAt =
    date(repository?.['pushed_at']) ?? date(headCommit?.['timestamp']) ?? ctx.delivery.received_at;
  const after = str(payload['after']) ?? ZERO_SHA;

  if (payload['deleted'] === true || after === ZERO_SHA) {
    await client.query('DELETE FROM branches WHERE repo_id = $1 AND name = $2 AND updated_at <= $3', [
      repo.id,
      branch,
      pushedAt,
    ]);
    await client.query('DELETE FROM branch_commits WHERE repo_id = $1 AND branch = $2', [repo.id, branch]);
    return PROCESSED;
  }

  const commits = (Array.isArray(payload['commits']) ? payload['commits'] : [])
    .map(obj)
    .filter((c): c is Json => c !== null && SHA.test(str(c['id']) ?? ''));
  if (commits.length > 0) {
    const params: unknown[] = [repo.id];
    const rows: string[] = [];
    for (const c of commits) {
      const author = obj(c['author']);
      const committer = obj(c['committer']);
      const when = date(c['timestamp']) ?? pushedAt;
      const size = stats(c);
      const p = params.length;
      rows.push(`($1, ${Array.from({ length: 14 }, (_, i) => `$${p + i + 1}`).join(', ')})`);
      params.push(
        str(c['id']),
        str(c['message']) ?? '',
        str(author?.['name']),
        str(author?.['email']),
        str(author?.['username']),
        when,
        str(committer?.['name']),
        str(committer?.['email']),
        str(committer?.['username']),
        when,
        size.additions,
        size.deletions,
        size.changedFiles,
        str(c['url']) ?? '',
      );
    }
    // Commits and the branch's commit list in one statement (one round trip).
    const p = params.length;
    params.push(
      branch,
      commits.map((c) => str(c['id'])),
    );
    await client.query(
      `WITH stored AS (
         INSERT INTO commits AS c (repo_id, sha, message, author_name, author_email, author_login, authored_at, committer_name,
                                   committer_email, committer_login, committed_at, additions, deletions, changed_files, html_url)
         VALUES ${rows.join(', ')}
         ON CONFLICT (repo_id, sha) DO UPDATE SET
           additions = COALESCE(EXCLUDED.additions, c.additions), deletions = COALESCE(EXCLUDED.deletions, c.deletions),
           changed_files = COALESCE(EXCLUDED.changed_files, c.changed_files),
           author_login = COALESCE(c.author_login, EXCLUDED.author_login), committer_login = COALESCE(c.committer_login, EXCLUDED.committer_login))
       INSERT INTO branch_commits (repo_id, branch, sha) SELECT $1, $${p + 1}, unnest($${p + 2}::text[]) ON CONFLICT DO NOTHING`,
      params,
    );
  }

  // Branch head (only forward in time) and the repo's pushed_at, in one statement.
  await client.query(
    `WITH head AS (
       INSERT INTO branches AS b (repo_id, name, head_sha, last_commit_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (repo_id, name) DO UPDATE SET head_sha = EXCLUDED.head_sha,
         last_commit_at = COALESCE(EXCLUDED.last_commit_at, b.last_commit_at), updated_at = EXCLUDED.updated_at
       WHERE b.updated_at <= EXCLUDED.updated_at)
     UPDATE repositories SET pushed_at = $5, updated_at = now() WHERE id = $1 AND (pushed_at IS NULL OR pushed_at < $5)`,
    [repo.id, branch, after, date(headCommit?.['timestamp']), pushedAt],
  );

  const forced = payload['forced'] === true;
  if (commits.length > 0 || forced) {
    const n = commits.length;
    const pusher = str(obj(payload['pusher'])?.['name']) ?? str(obj(payload['sender'])?.['login']);
    await ctx.activity({
      type: 'push',
      actor: pusher,
      title: forced
        ? `Force-pushed ${branch}${n ? ` (${n} commit${n === 1 ? '' : 's'})` : ''}`
        : `Pushed ${n} commit${n === 1 ? '' : 's'} to ${branch}`,
      url: str(payload['compare']),
      occurredAt: pushedAt,
      data: {
        ref: branch,
        commits: n,
        before: str(payload['before']),
        after,
        forced,
        created: payload['created'] === true,
        headMessage: str(headCommit?.['message'])?.split('\n')[0] ?? null,
      },
      dedupeKey: `push:${after}`,
    });
  }
  return PROCESSED;
}

/** create / delete of a branch: the timeline, and for delete the branch rows. Tags are not tracked. */
export async function applyRefChange(ctx: ApplyContext): Promise<ApplyOutcome> {
  const refType = str(ctx.payload['ref_type']);
  const ref = str(ctx.payload['ref']);
  if (refType !== 'branch')
    return ignored(
      refType === 'tag' ? 'tags are not tracked' : `ref type ${String(refType).slice(0, 40)} is not tracked`,
    );
  if (!ref) return ignored('payload has no ref');
  const created = ctx.delivery.event === 'create';
  const occurredAt = ctx.delivery.received_at; // create/delete payloads carry no time of their own
  if (!created) {
    // A push that recreated the branch after this delete was sent carries a later time and survives.
    await ctx.client.query('DELETE FROM branches WHERE repo_id = $1 AND name = $2 AND updated_at <= $3', [
      ctx.repo.id,
      ref,
      occurredAt,
    ]);
    await ctx.client.query(
      'DELETE FROM branch_commits WHERE repo_id = $1 AND branch = $2 AND NOT EXISTS (SELECT 1 FROM branches WHERE repo_id = $1 AND name = $2)',
      [ctx.repo.id, ref],
    );
  }
  await ctx.activity({
    type: created ? 'branch_created' : 'branch_deleted',
    actor: str(obj(ctx.payload['sender'])?.['login']),
    title: `${created ? 'Created' : 'Deleted'} branch ${ref}`,
    url: null,
    occurredAt,
    data: { ref },
    // GitHub's redeliveries keep the delivery id, so this is one entry per happening.
    dedupeKey: `${created ? 'branch_created' : 'branch_deleted'}:${ref}:${ctx.delivery.delivery_id}`,
  });
  return PROCESSED;
}
