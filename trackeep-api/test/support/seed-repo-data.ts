import type { Client } from 'pg';

// Writes rows the way the sync does, so the read endpoints can be tested on known data.

export interface SeedCommit {
  sha: string;
  message: string;
  authorLogin?: string | null;
  authorName?: string;
  authorEmail?: string;
  /** ISO timestamp; microseconds allowed. */
  committedAt: string;
  branches?: string[];
}

export async function seedCommits(db: Client, repoId: string, commits: SeedCommit[]): Promise<void> {
  for (const c of commits) {
    await db.query(
      `INSERT INTO commits (repo_id, sha, message, author_name, author_email, author_login, authored_at, committer_name,
         committer_email, committer_login, committed_at, additions, deletions, changed_files, parents, html_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $4, $5, $6, $7, 1, 2, 3, '{}', $8)`,
      [
        repoId,
        c.sha,
        c.message,
        c.authorName ?? c.authorLogin ?? 'Someone',
        c.authorEmail ?? `${c.authorLogin ?? 'someone'}@example.com`,
        c.authorLogin ?? null,
        c.committedAt,
        `https://example.test/commit/${c.sha}`,
      ],
    );
    for (const branch of c.branches ?? ['main']) {
      await db.query(`INSERT INTO branch_commits (repo_id, branch, sha) VALUES ($1, $2, $3)`, [
        repoId,
        branch,
        c.sha,
      ]);
    }
  }
}

export interface SeedPull {
  number: number;
  title?: string;
  state: 'open' | 'closed' | 'merged';
  author: string;
  createdAt: string;
  updatedAt: string;
  mergedAt?: string;
  reviewCount?: number;
}

export async function seedPulls(db: Client, repoId: string, pulls: SeedPull[]): Promise<void> {
  for (const p of pulls) {
    await db.query(
      `INSERT INTO pull_requests (repo_id, number, title, state, author_login, created_at, updated_at, closed_at, merged_at,
         base_ref, head_ref, review_count, labels, html_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'main', $10, $11, '{bug}', $12)`,
      [
        repoId,
        p.number,
        p.title ?? `PR ${p.number}`,
        p.state,
        p.author,
        p.createdAt,
        p.updatedAt,
        p.state === 'open' ? null : (p.mergedAt ?? p.updatedAt),
        p.mergedAt ?? null,
        `feature-${p.number}`,
        p.reviewCount ?? 0,
        `https://example.test/pull/${p.number}`,
      ],
    );
  }
}

export async function seedBranches(db: Client, repoId: string, names: string[]): Promise<void> {
  for (const name of names) {
    await db.query(
      // Compared with main's head as the sync stores it: the counts and the two heads they are for.
      `INSERT INTO branches (repo_id, name, head_sha, protected, last_commit_at, ahead_by, behind_by, compared_sha, compared_to_sha)
       VALUES ($1, $2, $3, $4, now(), $5, $6, $3, 'sha-main')`,
      [repoId, name, `sha-${name}`, name === 'main', name === 'main' ? 0 : 1, name === 'main' ? 0 : 2],
    );
  }
}

export async function seedSnapshots(
  db: Client,
  repoId: string,
  points: Array<{ capturedAt: string; stars: number }>,
): Promise<void> {
  for (const p of points) {
    await db.query(
      `INSERT INTO repo_stats_snapshots (repo_id, captured_at, stars, forks, watchers, open_issues) VALUES ($1, $2, $3, 1, 2, 3)`,
      [repoId, p.capturedAt, p.stars],
    );
  }
}

export interface SeedActivity {
  type: string;
  occurredAt: string;
  title?: string;
}

/** Inserts in the given order, so ids follow the array while occurred_at may not (as after a backfill). */
export async function seedActivity(db: Client, repoId: string, events: SeedActivity[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, e] of events.entries()) {
    const res = await db.query(
      `INSERT INTO activity_events (repo_id, type, actor, title, url, occurred_at, data, dedupe_key)
       VALUES ($1, $2, 'octocat', $3, NULL, $4, $5, $6) RETURNING id`,
      [
        repoId,
        e.type,
        e.title ?? `${e.type} ${i}`,
        e.occurredAt,
        JSON.stringify({ seq: i }),
        `seed:${repoId}:${i}:${e.type}`,
      ],
    );
    ids.push(String(res.rows[0].id));
  }
  return ids;
}
