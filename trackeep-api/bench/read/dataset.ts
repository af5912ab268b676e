import type { Client } from 'pg';

/** How much history the read benchmark writes straight into the migrated schema. */
export interface DatasetSize {
  repos: number;
  commitsPerRepo: number;
  pullsPerRepo: number;
  people: number;
  branchesPerRepo: number;
  activityPerRepo: number;
  snapshotDays: number;
  /** Sync runs: one per repository per cycle, every `syncEveryMinutes`, for `historyDays`. */
  historyDays: number;
  syncEveryMinutes: number;
  webhookDeliveriesPerRepoPerDay: number;
  /** Teams in the measured organization; a fifth of them nested under another. */
  teams: number;
  /** Delivery history over the same two years as the commits: what the DORA and cycle pages read. */
  deploymentsPerRepo: number;
  releasesPerRepo: number;
  issuesPerRepo: number;
  workflowRunsPerRepo: number;
}

export interface SimRepo {
  githubId: number;
  nodeId: string;
  owner: string;
  name: string;
  htmlUrl: string;
}

const log = (line: string) => process.stdout.write(`[bench:read] ${line}\n`);

async function timed(db: Client, what: string, text: string, values: unknown[] = []): Promise<void> {
  const started = performance.now();
  const res = await db.query(text, values);
  log(`  ${what}: ${res.rowCount ?? 0} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The sha of repository r's commit at `position` (1 = newest): the one place commits are named. */
const commitSha = (position: string) =>
  `md5(r.id::text || ':' || (${position})) || substr(md5((${position})::text || r.id::text), 1, 8)`;
/** That commit's time: `perRepo` commits per repository spread evenly over two years, the newest now. */
const commitTime = (position: string, perRepo: string) =>
  `now() - ((${position}) - 1) * (interval '730 days' / ${perRepo}::int) - (abs(hashtext(r.id::text)) % 600) * interval '1 second'`;
/**
 * For each row of repositories r, the commit at `position` (clamped to the oldest) as c.sha and c.at, when the
 * statement's $1 is the commits per repository.
 */
const commitOf = (position: string) =>
  `LATERAL (SELECT ${commitSha('p.i')} AS sha, ${commitTime('p.i', '$1')} AS at
              FROM (SELECT least($1::int, ${position}) AS i) p) c`;

/**
 * One signed-in user who tracks every repository, and each repository's commits, pull requests, branches,
 * stats snapshots, timeline, sync runs and webhook deliveries, generated set-wise in SQL (INSERT … SELECT
 * generate_series) so a million commits take seconds, not a sync. Times end at now(); people are the
 * commit and pull request authors (`person-<n>`), spread evenly.
 */
export async function generateDataset(
  db: Client,
  size: DatasetSize,
  userId: string,
  githubHost: string,
  repos: SimRepo[],
): Promise<void> {
  const s = size;
  await timed(
    db,
    'repositories',
    `INSERT INTO repositories (github_host, github_id, node_id, owner, name, full_name, html_url, description,
                              language, topics, visibility, default_branch, stars, forks, watchers, open_issues,
                              size_kb, pushed_at, github_updated_at)
     SELECT $1, x.gid, x.nid, x.owner, x.name, x.owner || '/' || x.name, x.url, 'Benchmark repository ' || x.ord,
            (ARRAY['TypeScript','Go','Python','Rust','Java','Kotlin'])[1 + (x.ord % 6)::int], ARRAY['bench'], 'public', 'main',
            (x.ord * 37) % 5000, (x.ord * 7) % 300, (x.ord * 3) % 200, x.ord % 50, 1000 + x.ord,
            now() - (x.ord % 30) * interval '1 day' - (x.ord % 97) * interval '1 minute',
            now() - (x.ord % 30) * interval '1 day'
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
            AS x(gid, nid, owner, name, url, ord)`,
    [
      githubHost,
      repos.map((r) => r.githubId),
      repos.map((r) => r.nodeId),
      repos.map((r) => r.owner),
      repos.map((r) => r.name),
      repos.map((r) => r.htmlUrl),
    ],
  );
  await timed(
    db,
    'tracked_repos',
    `INSERT INTO tracked_repos (user_id, repo_id, tracked_at) SELECT $1, id, now() - interval '60 days' FROM repositories`,
    [userId],
  );
  await timed(
    db,
    'repo_access',
    `INSERT INTO repo_access (user_id, repo_id, permission) SELECT $1, id, 'push' FROM repositories`,
    [userId],
  );
  await timed(
    db,
    'webhook_registrations',
    `INSERT INTO webhook_registrations (repo_id, hook_id, status, events, registered_by, last_delivery_at)
     SELECT id, 1000000 + row_number() OVER (ORDER BY id), 'active', '{push,pull_request}', $1, now() - interval '3 minutes'
       FROM repositories`,
    [userId],
  );
  // A repository's commits are spread evenly over two years, newest now; every one is on main, each the parent of
  // the next (the history the lead time walks).
  await timed(
    db,
    'commits',
    `INSERT INTO commits (repo_id, sha, message, author_name, author_email, author_login, authored_at,
                         committer_name, committer_email, committer_login, committed_at, additions, deletions,
                         changed_files, parents, html_url)
     SELECT c.repo_id, c.sha, c.message, 'Person ' || c.p, 'person' || c.p || '@example.com', 'person-' || c.p, c.t,
            'Person ' || c.p, 'person' || c.p || '@example.com', 'person-' || c.p, c.t,
            (c.i * 13) % 400, (c.i * 7) % 200, 1 + c.i % 20,
            CASE WHEN c.i < $2::int THEN ARRAY[c.parent] ELSE '{}' END, c.html_url || '/commit/' || c.sha
       FROM (SELECT r.id AS repo_id, r.html_url, i,
                    ${commitSha('i')} AS sha, ${commitSha('i + 1')} AS parent,
                    (ARRAY['fix: ','feat: ','chore: ','refactor: ','docs: '])[1 + i % 5] || 'change number ' || i AS message,
                    abs(hashtext(r.id::text || '/' || i)) % $1::int AS p,
                    ${commitTime('i', '$2')} AS t
               FROM repositories r, generate_series(1, $2::int) AS i) c`,
    [s.people, s.commitsPerRepo],
  );
  await timed(
    db,
    'branch_commits',
    `INSERT INTO branch_commits (repo_id, branch, sha) SELECT repo_id, 'main', sha FROM commits`,
  );
  await timed(
    db,
    'branches',
    `INSERT INTO branches (repo_id, name, head_sha, protected, last_commit_at, ahead_by, behind_by)
     SELECT r.id, CASE WHEN b = 1 THEN 'main' ELSE 'feature/branch-' || b END, md5(r.id::text || b),
            b = 1, now() - b * interval '1 day', CASE WHEN b = 1 THEN 0 ELSE b END, CASE WHEN b = 1 THEN 0 ELSE b * 3 END
       FROM repositories r, generate_series(1, $1::int) AS b`,
    [s.branchesPerRepo],
  );
  // Pull requests over two years: the newest fiftieth and every 25th (stale ones) open, one in eight of the rest
  // closed unmerged.
  await timed(
    db,
    'pull_requests',
    `INSERT INTO pull_requests (repo_id, number, node_id, title, state, draft, author_login, created_at, updated_at,
                               closed_at, merged_at, base_ref, head_ref, additions, deletions, changed_files,
                               commits_count, review_count, first_review_at, labels, html_url)
     SELECT x.repo_id, x.n, 'PR_' || x.n, 'Change ' || x.n, x.state, false, 'person-' || x.p, x.created,
            x.created + x.open_for + interval '1 hour',
            CASE WHEN x.state = 'open' THEN NULL ELSE x.created + x.open_for END,
            CASE WHEN x.state = 'merged' THEN x.created + x.open_for END,
            'main', 'feature/change-' || x.n, (x.n * 11) % 500, (x.n * 5) % 200, 1 + x.n % 15, 1 + x.n % 6,
            x.n % 4, x.created + interval '3 hours', '{}', x.html_url || '/pull/' || x.n
       FROM (SELECT r.id AS repo_id, r.html_url, n,
                    CASE WHEN n > $2::int * 0.98 OR n % 25 = 0 THEN 'open' WHEN n % 8 = 0 THEN 'closed' ELSE 'merged' END AS state,
                    abs(hashtext(r.id::text || '#' || n)) % $1::int AS p,
                    now() - ($2::int - n + 1) * (interval '730 days' / $2::int) AS created,
                    (1 + abs(hashtext(n::text || r.id::text)) % 96) * interval '1 hour' AS open_for
               FROM repositories r, generate_series(1, $2::int) AS n) x`,
    [s.people, s.pullsPerRepo],
  );
  // Each merge is squashed: the last commit on main before it carries the pull request's subject, as GitHub writes it.
  await timed(
    db,
    'squash merge subjects',
    `UPDATE commits c SET message = m.title || ' (#' || m.number || ')'
       FROM (SELECT p.repo_id, p.number, p.title,
                    (SELECT c2.sha FROM commits c2 WHERE c2.repo_id = p.repo_id AND c2.committed_at <= p.merged_at
                      ORDER BY c2.committed_at DESC LIMIT 1) AS sha
               FROM pull_requests p WHERE p.state = 'merged') m
      WHERE c.repo_id = m.repo_id AND c.sha = m.sha`,
  );
  await generateDeliveryHistory(db, s);
  await timed(
    db,
    'repo_stats_snapshots',
    `INSERT INTO repo_stats_snapshots (repo_id, captured_at, stars, forks, watchers, open_issues)
     SELECT r.id, now() - d * interval '1 day', greatest(0, r.stars - d), greatest(0, r.forks - d / 10), r.watchers, r.open_issues
       FROM repositories r, generate_series(0, $1::int - 1) AS d`,
    [s.snapshotDays],
  );
  await timed(
    db,
    'activity_events',
    `INSERT INTO activity_events (repo_id, type, actor, title, url, occurred_at, data, dedupe_key)
     SELECT r.id, t.type, 'person-' || (abs(hashtext(r.id::text || e)) % $1::int),
            t.type || ' ' || e, r.html_url, now() - e * (interval '90 days' / $2::int) - (abs(hashtext(r.id::text)) % 3600) * interval '1 second',
            jsonb_build_object('ref', 'refs/heads/main', 'commits', 1 + e % 5), t.type || ':' || e
       FROM repositories r, generate_series(1, $2::int) AS e,
            LATERAL (SELECT (ARRAY['push','push','push','pr_opened','pr_merged','pr_review','branch_created'])[1 + e % 7] AS type) t`,
    [s.people, s.activityPerRepo],
  );
  // The schedule's history: a cycle every syncEveryMinutes, each syncing every repository (the cron's default).
  const cycles = Math.floor((s.historyDays * 24 * 60) / s.syncEveryMinutes);
  await timed(
    db,
    'sync_cycles',
    `INSERT INTO sync_cycles (slot, started_at, repos, detection_points, finished_at)
     SELECT date_trunc('hour', now()) - k * make_interval(mins => $2::int), date_trunc('hour', now()) - k * make_interval(mins => $2::int),
            $3::int, 10, date_trunc('hour', now()) - k * make_interval(mins => $2::int) + interval '40 seconds'
       FROM generate_series(1, $1::int) AS k`,
    [cycles, s.syncEveryMinutes, s.repos],
  );
  // One in fifty runs failed (GitHub 502), one in two hundred partial; the rest succeeded with nothing new.
  await timed(
    db,
    'sync_runs',
    `INSERT INTO sync_runs (repo_id, trigger, status, cycle_slot, attempts, queued_at, started_at, finished_at,
                           heartbeat_at, progress, items, graphql_points, rest_requests, not_modified, error, worker)
     SELECT r.id, 'schedule', x.status, c.slot, 1, c.slot, c.slot + interval '2 seconds', c.slot + interval '9 seconds',
            c.slot + interval '9 seconds', CASE WHEN x.status = 'succeeded' THEN 100 ELSE 40 END,
            '{"repository":1,"commits":0,"pulls":0,"branches":0,"snapshots":1,"activity":0}', 0, 1, 1,
            CASE WHEN x.status = 'succeeded' THEN NULL ELSE 'GitHub answered 502 Bad Gateway' END, 'bench-worker'
       FROM sync_cycles c CROSS JOIN repositories r,
            LATERAL (SELECT CASE abs(hashtext(r.id::text || c.slot::text)) % 200
                              WHEN 0 THEN 'partial' WHEN 1 THEN 'failed' WHEN 2 THEN 'failed' WHEN 3 THEN 'failed'
                              ELSE 'succeeded' END AS status) x`,
  );
  await timed(
    db,
    'webhook_deliveries',
    `INSERT INTO webhook_deliveries (delivery_id, event, action, hook_id, repo_id, repo_full_name, repo_github_id,
                                    signed_with, payload, status, received_at, processed_at, attempts, applied_count)
     SELECT md5(r.id::text || ':' || k), x.event, x.action, w.hook_id, r.id, r.full_name, r.github_id, 'hook',
            jsonb_build_object('ref', 'refs/heads/main', 'after', md5(k::text || r.id::text)),
            'processed', x.at, x.at + interval '40 milliseconds', 1, 1
       FROM repositories r JOIN webhook_registrations w ON w.repo_id = r.id,
            generate_series(1, $1::int * $2::int) AS k,
            LATERAL (SELECT CASE WHEN k % 3 = 0 THEN 'pull_request' ELSE 'push' END AS event,
                            CASE WHEN k % 3 = 0 THEN 'synchronize' END AS action,
                            now() - k * (interval '1 day' / $2::int) - (abs(hashtext(r.id::text)) % 600) * interval '1 second' AS at) x`,
    [s.historyDays, s.webhookDeliveriesPerRepoPerDay],
  );
  // A deployment's sync maintenance folds the runs into each repository's kept state within a minute.
  let started = performance.now();
  await db.query('SELECT sync_state_fold()');
  log(`  sync state folded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  // Autovacuum would get here on its own after a bulk load; the benchmark measures that settled state.
  await db.query('VACUUM ANALYZE');
  log(`  VACUUM ANALYZE in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Deployments to production (one in twelve failed, each with an in-progress and a final status), releases (one
 * in ten a pre-release), issues (one in twenty an incident, most closed within three days), CI runs of main (one
 * in ten failed) and reviews of the pull requests (as many as each one's review count), spread over the commits'
 * two years and naming their commits.
 */
async function generateDeliveryHistory(db: Client, s: DatasetSize): Promise<void> {
  // Deployment k (1 = oldest) ships the commit at position 2 + (D - k) * N / D, 20 minutes after it was written.
  await timed(
    db,
    'deployments',
    `INSERT INTO deployments (repo_id, deployment_id, node_id, sha, ref, task, environment, creator_login, created_at,
                             updated_at, latest_state, latest_state_at)
     SELECT x.repo_id, x.id, 'DE_' || x.id, x.sha, 'main', 'deploy', 'production', 'person-' || (x.id % $3::int),
            x.at, x.at + interval '10 minutes', x.state, x.at + interval '10 minutes'
       FROM (SELECT r.id AS repo_id, r.github_id * 100000 + k AS id, c.sha, c.at + interval '20 minutes' AS at,
                    CASE WHEN k % 12 = 0 THEN 'failure' ELSE 'success' END AS state
               FROM repositories r, generate_series(1, $2::int) AS k,
                    ${commitOf('2 + (($2::int - k) * $1::int) / $2::int')}) x`,
    [s.commitsPerRepo, s.deploymentsPerRepo, s.people],
  );
  await timed(
    db,
    'deployment_statuses',
    `INSERT INTO deployment_statuses (repo_id, node_id, deployment_id, state, log_url, creator_login, created_at)
     SELECT d.repo_id, 'DES_' || d.deployment_id || '_' || n, d.deployment_id,
            CASE WHEN n = 1 THEN 'in_progress' ELSE d.latest_state END,
            'https://ci.example.com/deploy/' || d.deployment_id, d.creator_login,
            d.created_at + CASE WHEN n = 1 THEN interval '1 minute' ELSE interval '10 minutes' END
       FROM deployments d, generate_series(1, 2) AS n`,
  );
  await timed(
    db,
    'releases',
    `INSERT INTO releases (repo_id, release_id, node_id, tag_name, target_commitish, sha, name, draft, prerelease,
                          author_login, created_at, published_at, updated_at, html_url)
     SELECT r.id, r.github_id * 10000 + k, 'RE_' || r.github_id || '_' || k, 'v1.' || k, 'main', c.sha,
            'Release 1.' || k, false, k % 10 = 0, 'person-' || (k % $3::int),
            c.at + interval '1 hour', c.at + interval '1 hour', c.at + interval '1 hour',
            r.html_url || '/releases/tag/v1.' || k
       FROM repositories r, generate_series(1, $2::int) AS k, ${commitOf('2 + (($2::int - k) * $1::int) / $2::int')}`,
    [s.commitsPerRepo, s.releasesPerRepo, s.people],
  );
  await timed(
    db,
    'issues',
    `INSERT INTO issues (repo_id, number, issue_id, node_id, title, state, author_login, labels, created_at,
                        updated_at, closed_at, html_url)
     SELECT x.repo_id, 1000 + x.n, x.repo_gid * 10000 + x.n, 'I_' || x.repo_gid || '_' || x.n,
            CASE WHEN x.incident THEN 'Production is down ' ELSE 'Bug ' END || x.n,
            CASE WHEN x.closed THEN 'closed' ELSE 'open' END, 'person-' || (x.n % $2::int),
            CASE WHEN x.incident THEN ARRAY['incident'] ELSE ARRAY['bug'] END, x.at,
            x.at + x.open_for, CASE WHEN x.closed THEN x.at + x.open_for END, x.html_url || '/issues/' || (1000 + x.n)
       FROM (SELECT r.id AS repo_id, r.github_id AS repo_gid, r.html_url, n, n % 20 = 0 AS incident,
                    n < $1::int * 0.95 AS closed,
                    now() - ($1::int - n + 1) * (interval '730 days' / $1::int) AS at,
                    (1 + abs(hashtext(r.id::text || '!' || n)) % 72) * interval '1 hour' AS open_for
               FROM repositories r, generate_series(1, $1::int) AS n) x`,
    [s.issuesPerRepo, s.people],
  );
  await timed(
    db,
    'workflow_runs',
    `INSERT INTO workflow_runs (repo_id, run_id, workflow_id, name, head_branch, head_sha, event, status, conclusion,
                               actor_login, run_number, run_attempt, run_started_at, created_at, updated_at, html_url)
     SELECT r.id, r.github_id * 100000 + k, r.github_id, 'CI', 'main', c.sha, 'push', 'completed',
            CASE WHEN k % 10 = 0 THEN 'failure' ELSE 'success' END, 'person-' || (k % $3::int), k, 1,
            c.at + interval '1 minute', c.at + interval '1 minute', c.at + interval '8 minutes',
            r.html_url || '/actions/runs/' || (r.github_id * 100000 + k)
       FROM repositories r, generate_series(1, $2::int) AS k, ${commitOf('1 + (($2::int - k) * $1::int) / $2::int')}`,
    [s.commitsPerRepo, s.workflowRunsPerRepo, s.people],
  );
  // The first review three hours after the opening, as the pull requests' first_review_at says, then hourly.
  await timed(
    db,
    'pull_request_reviews',
    `INSERT INTO pull_request_reviews (repo_id, review_id, pull_number, reviewer_login, state, submitted_at)
     SELECT p.repo_id, p.number * 10 + j, p.number, 'person-' || ((p.number * 7 + j) % $1::int),
            CASE WHEN j = p.review_count THEN 'APPROVED' ELSE 'COMMENTED' END,
            p.created_at + interval '3 hours' + (j - 1) * interval '1 hour'
       FROM pull_requests p, generate_series(1, p.review_count) AS j`,
    [s.people],
  );
}

/** Row counts of the tables the dataset fills. */
export async function datasetCounts(db: Client): Promise<Record<string, number>> {
  const tables = [
    'repositories',
    'commits',
    'branch_commits',
    'branches',
    'pull_requests',
    'repo_stats_snapshots',
    'activity_events',
    'sync_runs',
    'webhook_deliveries',
    'deployments',
    'deployment_statuses',
    'releases',
    'issues',
    'workflow_runs',
    'pull_request_reviews',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = rows[0]?.n ?? 0;
  }
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(DISTINCT author_login)::int AS n FROM commits`,
  );
  out['people'] = rows[0]?.n ?? 0;
  return out;
}

/** Synthetic GitHub ids of the benchmark's people and teams (the simulator never sees them). */
export const PERSON_GITHUB_ID_BASE = 90_000_000;
const TEAM_GITHUB_ID_BASE = 96_000_000;

/**
 * The organization `orgLogin` (the owner of many of the repositories) as the organization sync would store it:
 * every person (`person-<n>`, the commit and pull request authors) and the signed-in user are members; `teams`
 * teams, a fifth of them nested; each person in one team and every fifth person in a second one (so the
 * organization's figures must not count them twice); each of the organization's repositories belongs to one team.
 */
export async function generateOrganization(
  db: Client,
  size: DatasetSize,
  githubHost: string,
  org: { login: string; githubId: number },
  userGithubId: number,
): Promise<void> {
  const t = Math.max(1, size.teams);
  await timed(
    db,
    'people',
    `INSERT INTO people (github_host, github_id, login, name, type)
     SELECT $1, $2::bigint + n, 'person-' || n, 'Person ' || n, 'User' FROM generate_series(0, $3::int - 1) AS n`,
    [githubHost, PERSON_GITHUB_ID_BASE, size.people],
  );
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO github_orgs (github_host, github_id, login, name, synced_at) VALUES ($1, $2, $3, $3, now()) RETURNING id`,
    [githubHost, org.githubId, org.login],
  );
  const orgId = rows[0]?.id;
  await timed(
    db,
    'org_members',
    `INSERT INTO org_members (org_id, person_github_id, role)
     SELECT $1::uuid, $2::bigint + n, 'member' FROM generate_series(0, $3::int - 1) AS n
     UNION ALL SELECT $1::uuid, $4::bigint, 'admin'`,
    [orgId, PERSON_GITHUB_ID_BASE, size.people, userGithubId],
  );
  await timed(
    db,
    'teams',
    `INSERT INTO teams (org_id, github_id, slug, name, privacy, parent_github_id)
     SELECT $1, $2::bigint + k, 'team-' || k, 'Team ' || k, 'closed',
            CASE WHEN k % 5 = 4 THEN $2::bigint + (k - 1) END
       FROM generate_series(0, $3::int - 1) AS k`,
    [orgId, TEAM_GITHUB_ID_BASE, t],
  );
  await timed(
    db,
    'team_members',
    `INSERT INTO team_members (team_id, person_github_id)
     SELECT tm.id, $2::bigint + m.n
       FROM (SELECT n, n % $4::int AS k FROM generate_series(0, $3::int - 1) AS n
             UNION SELECT n, (n * 7 + 3) % $4::int FROM generate_series(0, $3::int - 1) AS n WHERE n % 5 = 0) AS m
       JOIN teams tm ON tm.org_id = $1 AND tm.github_id = $5::bigint + m.k`,
    [orgId, PERSON_GITHUB_ID_BASE, size.people, t, TEAM_GITHUB_ID_BASE],
  );
  await timed(
    db,
    'team_repos',
    `INSERT INTO team_repos (team_id, repo_github_id, permission)
     SELECT tm.id, r.github_id, 'push'
       FROM (SELECT github_id, row_number() OVER (ORDER BY github_id) - 1 AS ord FROM repositories
              WHERE github_host = $2 AND owner = $3) AS r
       JOIN teams tm ON tm.org_id = $1 AND tm.github_id = $4::bigint + r.ord % $5::int`,
    [orgId, githubHost, org.login, TEAM_GITHUB_ID_BASE, t],
  );
  await timed(db, 'ANALYZE', 'ANALYZE people, github_orgs, org_members, teams, team_members, team_repos');
}
