import { releaseActivity, ReleasesRepository, type ReleaseWrite } from '../../repos/data/releases.repository';
import {
  date,
  int,
  login,
  obj,
  PROCESSED,
  required,
  str,
  type ApplyContext,
  type ApplyOutcome,
  type Json,
} from './apply-context';

function releaseWrite(r: Json): ReleaseWrite {
  return {
    release_id: required(int(r['id']), 'release.id'),
    node_id: str(r['node_id']),
    tag_name: required(str(r['tag_name']), 'release.tag_name'),
    name: str(r['name']),
    target_commitish: str(r['target_commitish']),
    // A webhook names the target; only a full commit id there says which commit was tagged.
    sha: /^[0-9a-f]{40}$/.test(str(r['target_commitish']) ?? '') ? str(r['target_commitish']) : null,
    draft: r['draft'] === true,
    prerelease: r['prerelease'] === true,
    author_login: login(r['author']),
    html_url: str(r['html_url']),
    created_at: required(date(r['created_at']), 'release.created_at'),
    published_at: date(r['published_at']),
    updated_at: date(r['updated_at']),
  };
}

/**
 * release: every action carries the whole release, so each one writes it as it is now; `deleted` leaves a
 * tombstone. A published one gets its timeline entry ("released v1.2") once.
 */
export async function applyRelease(ctx: ApplyContext): Promise<ApplyOutcome> {
  const release = releaseWrite(required(obj(ctx.payload['release']), 'release'));
  if (ctx.delivery.action === 'deleted') {
    await ReleasesRepository.markDeleted(ctx.tx, ctx.repo.id, release, ctx.delivery.received_at);
    return PROCESSED;
  }
  await ReleasesRepository.upsert(ctx.tx, ctx.repo.id, [release]);
  const entry = releaseActivity(release);
  if (entry) await ctx.activity({ type: 'release', ...entry });
  return PROCESSED;
}
