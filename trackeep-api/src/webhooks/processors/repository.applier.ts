import { RepoStatsRepository } from '../../repos/data/repo-stats.repository';
import { RepositoriesRepository } from '../../repos/data/repositories.repository';
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
 * The counters every repository payload carries (stars, forks, open issues; watchers only where the payload
 * has subscribers_count, since its watchers_count counts stars), merged by the write model's rules (GitHub's
 * updated_at decides), plus a stats snapshot when they apply.
 */
async function applyCounters(ctx: ApplyContext, repository: Json): Promise<CounterChange> {
  const merged = await RepositoriesRepository.merge(ctx.tx, ctx.repo.id, {
    stars: int(repository['stargazers_count']),
    forks: int(repository['forks_count']) ?? int(repository['forks']),
    watchers: int(repository['subscribers_count']),
    open_issues: int(repository['open_issues_count']) ?? int(repository['open_issues']),
    github_updated_at: date(repository['updated_at']),
  });
  if (!merged?.newer) return { applied: false, starsBefore: 0, starsAfter: 0 };
  await RepoStatsRepository.record(ctx.tx, ctx.repo.id, merged.after);
  return { applied: true, starsBefore: merged.before.stars, starsAfter: merged.after.stars };
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
    await RepositoriesRepository.setGithubState(ctx.tx, ctx.repo.id, 'deleted');
    return PROCESSED;
  }
  const fullName = str(repository['full_name']);
  const [owner, name] = fullName?.includes('/') ? fullName.split('/', 2) : [null, null];
  const visibility =
    str(repository['visibility']) ??
    (repository['private'] === true ? 'private' : repository['private'] === false ? 'public' : null);
  // The row is locked by the merge, so a sync recording the same rename or archive waits and then finds nothing.
  const merged = await RepositoriesRepository.merge(
    ctx.tx,
    ctx.repo.id,
    {
      owner: owner ?? null,
      name: name ?? null,
      full_name: fullName,
      description: str(repository['description']),
      default_branch: str(repository['default_branch']),
      visibility: visibility && ['public', 'private', 'internal'].includes(visibility) ? visibility : null,
      archived: typeof repository['archived'] === 'boolean' ? repository['archived'] : null,
      html_url: str(repository['html_url']),
      topics: Array.isArray(repository['topics'])
        ? repository['topics'].filter((t): t is string => typeof t === 'string')
        : null,
      language: str(repository['language']),
      github_updated_at: date(repository['updated_at']),
    },
    { value: 'ok', when: 'newer' },
  );
  if (!merged?.newer) return PROCESSED;

  const before = merged.before;
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
