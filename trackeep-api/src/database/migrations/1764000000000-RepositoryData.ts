import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The GitHub data Trackeep keeps, shared by every user who tracks a repository: written by the sync and
 * the webhook processor, read by the repo endpoints. Keys are GitHub's own (host + numeric id, sha,
 * PR number) so sync and webhooks converge on the same rows.
 */
export class RepositoryData1764000000000 implements MigrationInterface {
  name = 'RepositoryData1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repositories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        github_host text NOT NULL,
        github_id bigint NOT NULL,
        node_id text NOT NULL,
        owner text NOT NULL,
        name text NOT NULL,
        full_name text NOT NULL,
        description text,
        language text,
        languages jsonb NOT NULL DEFAULT '{}',
        topics text[] NOT NULL DEFAULT '{}',
        visibility text NOT NULL DEFAULT 'public',
        default_branch text NOT NULL DEFAULT 'main',
        archived boolean NOT NULL DEFAULT false,
        stars integer NOT NULL DEFAULT 0,
        forks integer NOT NULL DEFAULT 0,
        watchers integer NOT NULL DEFAULT 0,
        open_issues integer NOT NULL DEFAULT 0,
        size_kb integer NOT NULL DEFAULT 0,
        pushed_at timestamptz,
        github_updated_at timestamptz,
        html_url text NOT NULL,
        github_state text NOT NULL DEFAULT 'ok',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT repositories_github_key UNIQUE (github_host, github_id)
      )`);
    await q.query(`CREATE INDEX repositories_full_name_idx ON repositories (github_host, lower(full_name))`);

    await q.query(`
      CREATE TABLE commits (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        sha text NOT NULL,
        message text NOT NULL,
        author_name text,
        author_email text,
        author_login text,
        authored_at timestamptz NOT NULL,
        committer_name text,
        committer_email text,
        committer_login text,
        committed_at timestamptz NOT NULL,
        additions integer,
        deletions integer,
        changed_files integer,
        parents text[] NOT NULL DEFAULT '{}',
        html_url text NOT NULL,
        PRIMARY KEY (repo_id, sha)
      )`);
    // Commit list: newest first with keyset pagination on (committed_at, sha); author filter.
    await q.query(`CREATE INDEX commits_repo_time_idx ON commits (repo_id, committed_at DESC, sha DESC)`);
    await q.query(
      `CREATE INDEX commits_repo_author_idx ON commits (repo_id, author_login, committed_at DESC)`,
    );

    // Which branch histories a commit was seen on, for the branch filter.
    await q.query(`
      CREATE TABLE branch_commits (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        branch text NOT NULL,
        sha text NOT NULL,
        PRIMARY KEY (repo_id, branch, sha)
      )`);

    await q.query(`
      CREATE TABLE branches (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        name text NOT NULL,
        head_sha text NOT NULL,
        protected boolean NOT NULL DEFAULT false,
        last_commit_at timestamptz,
        ahead_by integer,
        behind_by integer,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repo_id, name)
      )`);

    await q.query(`
      CREATE TABLE pull_requests (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        number integer NOT NULL,
        node_id text,
        title text NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'closed', 'merged')),
        draft boolean NOT NULL DEFAULT false,
        author_login text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        closed_at timestamptz,
        merged_at timestamptz,
        base_ref text NOT NULL,
        head_ref text NOT NULL,
        additions integer,
        deletions integer,
        changed_files integer,
        commits_count integer,
        review_count integer NOT NULL DEFAULT 0,
        first_review_at timestamptz,
        labels text[] NOT NULL DEFAULT '{}',
        html_url text NOT NULL,
        PRIMARY KEY (repo_id, number)
      )`);
    await q.query(
      `CREATE INDEX pull_requests_repo_state_idx ON pull_requests (repo_id, state, updated_at DESC, number DESC)`,
    );
    await q.query(
      `CREATE INDEX pull_requests_repo_updated_idx ON pull_requests (repo_id, updated_at DESC, number DESC)`,
    );
    await q.query(`CREATE INDEX pull_requests_repo_author_idx ON pull_requests (repo_id, author_login)`);

    await q.query(`
      CREATE TABLE repo_stats_snapshots (
        id bigserial PRIMARY KEY,
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        captured_at timestamptz NOT NULL DEFAULT now(),
        stars integer NOT NULL,
        forks integer NOT NULL,
        watchers integer NOT NULL,
        open_issues integer NOT NULL
      )`);
    await q.query(
      `CREATE INDEX repo_stats_snapshots_repo_time_idx ON repo_stats_snapshots (repo_id, captured_at)`,
    );

    // The unified timeline. dedupe_key lets the sync and the webhook processor record the same
    // happening (e.g. 'pr_merged:42', 'push:<head sha>') without duplicating it.
    await q.query(`
      CREATE TABLE activity_events (
        id bigserial PRIMARY KEY,
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        type text NOT NULL,
        actor text,
        title text NOT NULL,
        url text,
        occurred_at timestamptz NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        dedupe_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT activity_events_dedupe_key UNIQUE (repo_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX activity_events_time_idx ON activity_events (occurred_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX activity_events_repo_time_idx ON activity_events (repo_id, occurred_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'activity_events',
      'repo_stats_snapshots',
      'pull_requests',
      'branches',
      'branch_commits',
      'commits',
      'repositories',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
