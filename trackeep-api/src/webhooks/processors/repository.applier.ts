import {
  PROCESSED,
  date,
  int,
  obj,
  required,
  str,
  type ApplyContext,
  type ApplyOutcome,
  type Json,
} from './apply-context';

const STAR_MILESTONES = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000];

interface CounterChange {
  applied: boolean;
  starsBefore: number;
  starsAfter: number;
}

/**
 * The counters every repository payload carries (stars, forks, watchers, open issues), applied unless the
 * stored row was refreshed from a newer state of the repo (GitHub's updated_at), plus a stats snapshot — at
 * most one per repo per minute, the latest values winning, so a starring spree does not flood the chart.
 */
async function applyCounters(ctx: ApplyContext, repository: Json): Promise<CounterChange> {
  const updatedAt = date(repository['updated_at']);
  const { rows } = await ctx.client.query<{
    stars_before: number;
    stars: number;
    forks: number;
    watchers: number;
    open_issues: number;
  }>(
    `UPDATE repositories r SET
       stars = COALESCE($2, r.stars), forks = COALESCE($3, r.forks), watchers = COALESCE($4, r.watchers),
       open_issues = COALESCE($5, r.open_issues), github_updated_at = GREATEST(r.github_updated_at, $6), updated_at = now()
     FROM (SELECT stars AS stars_before FROM repositories WHERE id = $1 FOR UPDATE) old
     WHERE r.id = $1 AND ($6::timestamptz IS NULL OR r.github_updated_at IS NULL OR r.github_updated_at <= $6)
     RETURNING old.stars_before, r.stars, r.forks, r.watchers, r.open_issues`,
    [
      ctx.repo.id,
      int(repository['stargazers_count']),
      int(repository['forks_count']) ?? int(repository['forks']),
      int(repository['watchers_count']) ?? int(repository['watchers']),
      int(repository['open_issues_count']) ?? int(repository['open_issues']),
      updatedAt,
    ],
  );
  const row = rows[0];
  if (!row) return { applied: false, starsBefore: 0, starsAfter: 0 };
  const values = [ctx.repo.id, row.stars, row.forks, row.watchers, row.open_issues];
  const updated = await ctx.client.query(
    `UPDATE repo_stats_snapshots SET stars = $2, forks = $3, watchers = $4, open_issues = $5
      WHERE id = (SELECT id FROM repo_stats_snapshots WHERE repo_id = $1 ORDER BY captured_at DESC LIMIT 1)
        AND captured_at > now() - interval '1 minute'`,
    values,
  );
  if (!updated.rowCount) {
    await ctx.client.query(
      'INSERT INTO repo_stats_snapshots (repo_id, stars, forks, watchers, open_issues) VALUES ($1, $2, $3, $4, $5)',
      values,
    );
  }
  return { applied: true, starsBefore: row.stars_before, starsAfter: row.stars };
}

/** star, watch (GitHub's name for starring), fork, issues: counters and snapshot; star milestones on the timeline. */
export async function applyRepositoryCounters(ctx: ApplyContext): Promise<ApplyOutcome> {
  const repository = required(obj(ctx.payload['repository']), 'repository');
  const change = await applyCounters(ctx, repository);
  if (change.applied && change.starsAfter > change.starsBefore) {
    const milestone = STAR_MILESTONES.filter((m) => change.starsBefore < m && m <= change.starsAfter).pop();
    if (milestone) {
      await ctx.activity({
        type: 'star_milestone',
        actor: str(obj(ctx.payload['sender'])?.['login']),
        title: `Reached ${milestone} stars`,
        url: str(repository['html_url']),
        occurredAt: date(ctx.payload['starred_at']) ?? ctx.delivery.received_at,
        data: { stars: change.starsAfter, milestone },
        dedupeKey: `star_milestone:${milestone}`,
      });
    }
  }
  return PROCESSED;
}

/**
 * repository: renamed and transferred (names follow GitHub's id, so links keep working), archived/unarchived,
 * privatized/publicized, edited, deleted. Metadata is applied unless the stored row reflects a newer state.
 */
export async function applyRepositoryChange(ctx: ApplyContext): Promise<ApplyOutcome> {
  const repository = required(obj(ctx.payload['repository']), 'repository');
  const action = ctx.delivery.action;
  if (action === 'deleted') {
    await ctx.client.query(
      `UPDATE repositories SET github_state = 'deleted', updated_at = now() WHERE id = $1`,
      [ctx.repo.id],
    );
    return PROCESSED;
  }
  const fullName = str(repository['full_name']);
  const [owner, name] = fullName?.includes('/') ? fullName.split('/', 2) : [null, null];
  const visibility =
    str(repository['visibility']) ??
    (repository['private'] === true ? 'private' : repository['private'] === false ? 'public' : null);
  // Locked, so a sync recording the same rename or archive waits for this one and then finds nothing to record.
  const previous = await ctx.client.query<{ full_name: string; archived: boolean }>(
    'SELECT full_name, archived FROM repositories WHERE id = $1 FOR UPDATE',
    [ctx.repo.id],
  );
  const { rowCount } = await ctx.client.query(
    `UPDATE repositories SET
       owner = COALESCE($2, owner), name = COALESCE($3, name), full_name = COALESCE($4, full_name),
       description = $5, default_branch = COALESCE($6, default_branch), visibility = COALESCE($7, visibility),
       archived = COALESCE($8, archived), html_url = COALESCE($9, html_url), topics = COALESCE($10, topics),
       language = COALESCE($11, language), github_updated_at = GREATEST(github_updated_at, $12), github_state = 'ok', updated_at = now()
     WHERE id = $1 AND ($12::timestamptz IS NULL OR github_updated_at IS NULL OR github_updated_at <= $12)`,
    [
      ctx.repo.id,
      owner,
      name,
      fullName,
      str(repository['description']),
      str(repository['default_branch']),
      visibility && ['public', 'private', 'internal'].includes(visibility) ? visibility : null,
      typeof repository['archived'] === 'boolean' ? repository['archived'] : null,
      str(repository['html_url']),
      Array.isArray(repository['topics'])
        ? repository['topics'].filter((t): t is string => typeof t === 'string')
        : null,
      str(repository['language']),
      date(repository['updated_at']),
    ],
  );
  if (!rowCount) return PROCESSED;

  const before = previous.rows[0];
  const actor = str(obj(ctx.payload['sender'])?.['login']);
  const url = str(repository['html_url']);
  const occurredAt = date(repository['updated_at']) ?? ctx.delivery.received_at;
  if (
    (action === 'renamed' || action === 'transferred') &&
    fullName &&
    before &&
    before.full_name !== fullName
  ) {
    await ctx.activity({
      type: 'repo_renamed',
      actor,
      title: `${action === 'renamed' ? 'Renamed' : 'Transferred'} ${before.full_name} to ${fullName}`,
      url,
      occurredAt,
      data: { from: before.full_name, to: fullName, transferred: action === 'transferred' },
      dedupeKey: `repo_renamed:${ctx.delivery.delivery_id}`,
    });
  }
  if (action === 'archived' && before && !before.archived) {
    await ctx.activity({
      type: 'repo_archived',
      actor,
      title: `Archived ${fullName ?? ctx.repo.fullName}`,
      url,
      occurredAt,
      data: {},
      dedupeKey: `repo_archived:${occurredAt.toISOString()}`,
    });
  }
  await applyCounters(ctx, repository);
  return PROCESSED;
}
