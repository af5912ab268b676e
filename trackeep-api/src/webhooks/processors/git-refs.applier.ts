import { BranchesRepository } from '../../repos/data/branches.repository';
import { CommitsRepository } from '../../repos/data/commits.repository';
import type { CommitWrite } from '../../repos/data/github-data.types';
import { TagsRepository } from '../../repos/data/tags.repository';
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
 * push to a branch: its commits, the branch's commit list and head (a late delivery of an older push, forced
 * or not, does not roll the head back), the repo's pushed_at, and one timeline entry per head sha. How each
 * column merges with what the sync stored is the write model's (repos/data).
 */
export async function applyPush(ctx: ApplyContext): Promise<ApplyOutcome> {
  const { tx, payload, repo } = ctx;
  const ref = str(payload['ref']) ?? '';
  const repository = obj(payload['repository']);
  const headCommit = obj(payload['head_commit']);
  const pushedAt =
    date(repository?.['pushed_at']) ?? date(headCommit?.['timestamp']) ?? ctx.delivery.received_at;
  const after = str(payload['after']) ?? ZERO_SHA;
  if (ref.startsWith('refs/tags/')) return applyTagPush(ctx, ref.slice('refs/tags/'.length), pushedAt);
  if (!ref.startsWith('refs/heads/')) return ignored(`unsupported ref ${ref.slice(0, 100)}`);
  const branch = ref.slice('refs/heads/'.length);

  if (payload['deleted'] === true || after === ZERO_SHA) {
    await BranchesRepository.delete(tx, repo.id, branch, pushedAt);
    return PROCESSED;
  }

  const commits = (Array.isArray(payload['commits']) ? payload['commits'] : [])
    .map(obj)
    .filter((c): c is Json => c !== null && SHA.test(str(c['id']) ?? ''));
  // A push payload's commit: no parents, and one timestamp for both dates (the sync completes it later).
  const rows: CommitWrite[] = commits.map((c) => {
    const author = obj(c['author']);
    const committer = obj(c['committer']);
    const when = date(c['timestamp']) ?? pushedAt;
    const size = stats(c);
    return {
      sha: str(c['id']) ?? '',
      message: str(c['message']) ?? '',
      author_name: str(author?.['name']),
      author_email: str(author?.['email']),
      author_login: str(author?.['username']),
      authored_at: when,
      committer_name: str(committer?.['name']),
      committer_email: str(committer?.['email']),
      committer_login: str(committer?.['username']),
      committed_at: when,
      additions: size.additions,
      deletions: size.deletions,
      changed_files: size.changedFiles,
      parents: [],
      html_url: str(c['url']) ?? '',
    };
  });
  // Commits and the branch's commit list in one statement; then the head and the repository's pushed_at.
  await CommitsRepository.upsert(tx, repo.id, rows, { branch });
  await BranchesRepository.recordPush(
    tx,
    repo.id,
    { name: branch, head_sha: after, last_commit_at: date(headCommit?.['timestamp']) },
    pushedAt,
  );

  const forced = payload['forced'] === true;
  const before = str(payload['before']);
  // Which commits the branch lost, only GitHub can tell: the next sync asks it, from the head the push names.
  if (forced && before && SHA.test(before) && before !== ZERO_SHA)
    await BranchesRepository.noteReplacedHeads(tx, repo.id, branch, [before]);
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
        before,
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

/**
 * A push of `refs/tags/NAME`: the tag moves to the pushed commit (an annotated tag's push names its commit as the
 * head commit), or is deleted. The tagger's date is not in a push; the sync adds it.
 */
async function applyTagPush(ctx: ApplyContext, name: string, pushedAt: Date): Promise<ApplyOutcome> {
  const after = str(ctx.payload['after']) ?? ZERO_SHA;
  if (!name) return ignored('payload has no tag name');
  if (ctx.payload['deleted'] === true || after === ZERO_SHA) {
    await TagsRepository.markDeleted(ctx.tx, ctx.repo.id, name, pushedAt);
    return PROCESSED;
  }
  const headCommit = obj(ctx.payload['head_commit']);
  const sha = str(headCommit?.['id']) ?? after;
  if (!SHA.test(sha)) return ignored('tag push names no commit');
  await TagsRepository.upsert(
    ctx.tx,
    ctx.repo.id,
    [{ name, sha, tagged_at: null, commit_at: date(headCommit?.['timestamp']) }],
    pushedAt,
  );
  return PROCESSED;
}

/**
 * create / delete of a branch: the timeline, and for delete the branch rows. A deleted tag is marked deleted; a
 * created one is written by its push, which names the commit.
 */
export async function applyRefChange(ctx: ApplyContext): Promise<ApplyOutcome> {
  const refType = str(ctx.payload['ref_type']);
  const ref = str(ctx.payload['ref']);
  const created = ctx.delivery.event === 'create';
  if (refType === 'tag' && ref) {
    if (created) return ignored('a new tag is written by its push');
    await TagsRepository.markDeleted(ctx.tx, ctx.repo.id, ref, ctx.delivery.received_at);
    return PROCESSED;
  }
  if (refType !== 'branch') return ignored(`ref type ${String(refType).slice(0, 40)} is not tracked`);
  if (!ref) return ignored('payload has no ref');
  const occurredAt = ctx.delivery.received_at; // create/delete payloads carry no time of their own
  if (!created) {
    // A push that recreated the branch after this delete was sent carries a later time and survives.
    await BranchesRepository.delete(ctx.tx, ctx.repo.id, ref, occurredAt);
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
