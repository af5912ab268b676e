import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Daily and weekly activity rollups for the organization, team and person pages. Scanning the commits and pull
 * requests of hundreds of repositories for two periods takes seconds; these tables hold the same counts, kept by
 * the database whatever writes the source rows (sync, webhook, App event, a repository's removal):
 *
 * - `activity_days`: per repository, UTC day and person (`who`: the lowercased login, else the commit's email,
 *   else its name, '' when none): commits and their lines, pull requests opened (on their creation day) and
 *   merged (on their merge day).
 * - `owner_activity_weeks`: the same per owner (an organization or a user), ISO week (from Monday) and person:
 *   an organization's figures read one row per person and week. A viewer who may not read some of the owner's
 *   repositories gets those repositories' days taken out again.
 *
 * Statement triggers on `commits` and `pull_requests` append each statement's signed change (new rows minus old
 * rows, grouped) to `activity_deltas`: an insert that no other writer waits on. `activity_fold()` moves the queued
 * changes into the three rollups, one folder at a time (an advisory lock); readers fold before they read, and every
 * API replica folds in the background. Rows present before this migration are counted by `activity_rollup_rebuild`
 * (run by the API at start for every repository whose `activity_rolled_up` is false).
 */

/** Columns of a delta row: repo_id, day, who, named_bot and the five counts. */
const COMMIT_DELTA = `
  SELECT s.repo_id, (s.committed_at AT TIME ZONE 'UTC')::date AS day,
         lower(coalesce(s.author_login, s.author_email, s.author_name, '')) AS who,
         lower(coalesce(s.author_login, s.author_name, '')) LIKE '%[bot]' AS named_bot,
         s.sign AS commits, s.sign * coalesce(s.additions, 0)::bigint AS lines_added,
         s.sign * coalesce(s.deletions, 0)::bigint AS lines_deleted, 0 AS pulls_opened, 0 AS pulls_merged
    FROM (__ROWS__) s`;

const PULL_DELTA = `
  SELECT s.repo_id, (s.created_at AT TIME ZONE 'UTC')::date AS day, lower(coalesce(s.author_login, '')) AS who,
         lower(coalesce(s.author_login, '')) LIKE '%[bot]' AS named_bot, 0 AS commits, 0::bigint AS lines_added,
         0::bigint AS lines_deleted, s.sign AS pulls_opened, 0 AS pulls_merged
    FROM (__ROWS__) s
  UNION ALL
  SELECT s.repo_id, (s.merged_at AT TIME ZONE 'UTC')::date, lower(coalesce(s.author_login, '')),
         lower(coalesce(s.author_login, '')) LIKE '%[bot]', 0, 0::bigint, 0::bigint, 0, s.sign
    FROM (__ROWS__) s
   WHERE s.merged_at IS NOT NULL`;

const COUNTS = ['commits', 'lines_added', 'lines_deleted', 'pulls_opened', 'pulls_merged'] as const;
const addCounts = (table: string) =>
  [
    ...COUNTS.map((c) => `${c} = ${table}.${c} + EXCLUDED.${c}`),
    `named_bot = ${table}.named_bot OR EXCLUDED.named_bot`,
  ].join(', ');

/**
 * Adds a delta (rows from __DELTA__, after the CTEs in __PREFIX__) to the three rollups. Only repositories that
 * still exist are counted: a repository's removal takes its folded rows out (activity_repository_removed), and its
 * queued changes find no repository here.
 */
const APPLY = `
  WITH __PREFIX__ d AS (
    SELECT x.repo_id, x.day, x.who, r.github_host, lower(r.owner) AS owner_key, bool_or(x.named_bot) AS named_bot,
           ${COUNTS.map((c) => `sum(x.${c})::${c.startsWith('lines') ? 'bigint' : 'int'} AS ${c}`).join(', ')}
      FROM (__DELTA__) x
      JOIN repositories r ON r.id = x.repo_id
     GROUP BY x.repo_id, x.day, x.who, r.github_host, lower(r.owner)
    HAVING ${COUNTS.map((c) => `sum(x.${c}) <> 0`).join(' OR ')}
  ), days AS (
    INSERT INTO activity_days AS a (repo_id, day, who, named_bot, ${COUNTS.join(', ')})
    SELECT repo_id, day, who, named_bot, ${COUNTS.join(', ')} FROM d ORDER BY repo_id, day, who
    ON CONFLICT (repo_id, day, who) DO UPDATE SET ${addCounts('a')}
  ), repo_weeks AS (
    INSERT INTO repo_activity_weeks AS k (repo_id, week, named_bot, ${COUNTS.join(', ')})
    SELECT repo_id, date_trunc('week', day)::date AS week, named_bot, ${COUNTS.map((c) => `sum(${c})`).join(', ')}
      FROM d
     GROUP BY repo_id, week, named_bot
     ORDER BY repo_id, week, named_bot
    ON CONFLICT (repo_id, week, named_bot) DO UPDATE SET ${COUNTS.map((c) => `${c} = k.${c} + EXCLUDED.${c}`).join(', ')}
  )
  INSERT INTO owner_activity_weeks AS w (github_host, owner_key, week, who, named_bot, ${COUNTS.join(', ')})
  SELECT github_host, owner_key, date_trunc('week', day)::date AS week, who, bool_or(named_bot),
         ${COUNTS.map((c) => `sum(${c})`).join(', ')}
    FROM d
   GROUP BY github_host, owner_key, week, who
   ORDER BY github_host, owner_key, week, who
  ON CONFLICT (github_host, owner_key, week, who) DO UPDATE SET ${addCounts('w')}`;

/** Adds (sign 1) or takes out (-1) a repository's days from its owner's weeks, under the given host and owner. */
const MOVE_OWNER_WEEKS = (sign: 1 | -1, host: string, owner: string, repoId: string) => `
  INSERT INTO owner_activity_weeks AS w (github_host, owner_key, week, who, named_bot, ${COUNTS.join(', ')})
  SELECT ${host}, lower(${owner}), date_trunc('week', a.day)::date AS week, a.who, bool_or(a.named_bot),
         ${COUNTS.map((c) => `${sign} * sum(a.${c})`).join(', ')}
    FROM activity_days a
   WHERE a.repo_id = ${repoId}
   GROUP BY week, a.who
   ORDER BY week, a.who
  ON CONFLICT (github_host, owner_key, week, who) DO UPDATE SET ${addCounts('w')}`;

/** Each statement's rows, signed: what a trigger of that event adds (new rows) and takes out (old rows). */
const SIGNED_ROWS = {
  insert: 'SELECT 1 AS sign, n.* FROM new_rows n',
  update: 'SELECT 1 AS sign, n.* FROM new_rows n UNION ALL SELECT -1 AS sign, o.* FROM old_rows o',
  delete: 'SELECT -1 AS sign, o.* FROM old_rows o',
} as const;

/** A statement trigger function queueing the signed change of its statement's rows (static SQL: plans are kept). */
function statementTrigger(name: string, delta: string, op: keyof typeof SIGNED_ROWS): string {
  return `
    CREATE FUNCTION ${name}_${op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO activity_deltas (repo_id, day, who, named_bot, ${COUNTS.join(', ')})
      SELECT x.repo_id, x.day, x.who, bool_or(x.named_bot), ${COUNTS.map((c) => `sum(x.${c})`).join(', ')}
        FROM (${delta.replaceAll('__ROWS__', SIGNED_ROWS[op])}) x
       GROUP BY x.repo_id, x.day, x.who
      HAVING ${COUNTS.map((c) => `sum(x.${c}) <> 0`).join(' OR ')};
      RETURN NULL;
    END
    $fn$`;
}

/** The count columns of a rollup or delta table, in COUNTS order (lines can pass 2^31 in a busy week). */
const countColumns = (suffix: string) =>
  COUNTS.map((c) => `${c} ${c.startsWith('lines') ? 'bigint' : 'integer'} NOT NULL${suffix}`).join(
    ',\n        ',
  );

/** Held by whoever writes the rollups: the folder, a repository's removal or move, a rebuild. */
const FOLD_LOCK = `pg_advisory_xact_lock(hashtext('trackeep.activity_rollups'))`;

export class ActivityRollups1764003600000 implements MigrationInterface {
  name = 'ActivityRollups1764003600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE activity_days (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        day date NOT NULL,
        who text NOT NULL,
        named_bot boolean NOT NULL DEFAULT false,
        ${countColumns(' DEFAULT 0')},
        PRIMARY KEY (repo_id, day, who)
      )`);
    // A team's or a person's days, across repositories.
    await q.query(`CREATE INDEX activity_days_who_idx ON activity_days (who, day)`);
    await q.query(`
      CREATE TABLE owner_activity_weeks (
        github_host text NOT NULL,
        owner_key text NOT NULL,
        week date NOT NULL,
        who text NOT NULL,
        named_bot boolean NOT NULL DEFAULT false,
        ${countColumns(' DEFAULT 0')},
        PRIMARY KEY (github_host, owner_key, week, who)
      )`);
    // A repository's weeks, with people whose login or name ends in [bot] apart: the most active repositories.
    await q.query(`
      CREATE TABLE repo_activity_weeks (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        week date NOT NULL,
        named_bot boolean NOT NULL,
        ${countColumns(' DEFAULT 0')},
        PRIMARY KEY (repo_id, week, named_bot)
      )`);
    // Changes waiting to be folded into the rollups (no key, no index: appended by writers, emptied by the folder).
    await q.query(`
      CREATE TABLE activity_deltas (
        repo_id uuid NOT NULL,
        day date NOT NULL,
        who text NOT NULL,
        named_bot boolean NOT NULL,
        ${countColumns('')}
      )`);
    await q.query(`
      CREATE FUNCTION activity_fold() RETURNS void LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ${FOLD_LOCK};
        ${APPLY.replace('__PREFIX__', 'moved AS (DELETE FROM activity_deltas RETURNING *),').replace(
          '__DELTA__',
          `SELECT repo_id, day, who, named_bot, ${COUNTS.join(', ')} FROM moved`,
        )};
      END
      $fn$`);
    // Existing repositories wait for a rebuild; repositories added from now on start counted (empty).
    await q.query(`ALTER TABLE repositories ADD COLUMN activity_rolled_up boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE repositories ALTER COLUMN activity_rolled_up SET DEFAULT true`);

    for (const [table, fn, delta] of [
      ['commits', 'activity_from_commits', COMMIT_DELTA],
      ['pull_requests', 'activity_from_pull_requests', PULL_DELTA],
    ] as const) {
      // One trigger per event: PostgreSQL allows transition tables only on single-event triggers.
      const tables = {
        insert: 'NEW TABLE AS new_rows',
        update: 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
        delete: 'OLD TABLE AS old_rows',
      } as const;
      for (const op of ['insert', 'update', 'delete'] as const) {
        await q.query(statementTrigger(fn, delta, op));
        await q.query(
          `CREATE TRIGGER ${table}_activity_${op} AFTER ${op.toUpperCase()} ON ${table} REFERENCING ${tables[op]} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}_${op}()`,
        );
      }
    }

    // A removed repository leaves its owner's weeks before its rows cascade away (its queued changes are dropped).
    await q.query(`
      CREATE FUNCTION activity_repository_removed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ${FOLD_LOCK};
        ${MOVE_OWNER_WEEKS(-1, 'OLD.github_host', 'OLD.owner', 'OLD.id')};
        RETURN OLD;
      END
      $fn$`);
    await q.query(
      `CREATE TRIGGER repositories_activity_removed BEFORE DELETE ON repositories FOR EACH ROW EXECUTE FUNCTION activity_repository_removed()`,
    );
    // A repository transferred or renamed to another owner takes its folded days along; queued ones fold there.
    await q.query(`
      CREATE FUNCTION activity_repository_moved() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ${FOLD_LOCK};
        ${MOVE_OWNER_WEEKS(-1, 'OLD.github_host', 'OLD.owner', 'OLD.id')};
        ${MOVE_OWNER_WEEKS(1, 'NEW.github_host', 'NEW.owner', 'NEW.id')};
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER repositories_activity_moved AFTER UPDATE OF owner, github_host ON repositories FOR EACH ROW
        WHEN (lower(OLD.owner) IS DISTINCT FROM lower(NEW.owner) OR OLD.github_host IS DISTINCT FROM NEW.github_host)
        EXECUTE FUNCTION activity_repository_moved()`);

    // Recounts repositories from their rows. Writers wait meanwhile, so no change is lost or counted twice.
    const recount = APPLY.replace('__PREFIX__', '').replace(
      '__DELTA__',
      `${COMMIT_DELTA.replace('__ROWS__', 'SELECT 1 AS sign, c.* FROM commits c WHERE c.repo_id = ANY($1)')}
       UNION ALL
       ${PULL_DELTA.replaceAll('__ROWS__', 'SELECT 1 AS sign, p.* FROM pull_requests p WHERE p.repo_id = ANY($1)')}`,
    );
    await q.query(`
      CREATE FUNCTION activity_rollup_rebuild(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE
        rid uuid;
      BEGIN
        LOCK TABLE commits, pull_requests IN SHARE ROW EXCLUSIVE MODE;
        PERFORM ${FOLD_LOCK};
        -- Every committed change of these repositories is in their rows now: the recount covers their queue.
        DELETE FROM activity_deltas WHERE repo_id = ANY(ids);
        FOREACH rid IN ARRAY ids LOOP
          INSERT INTO owner_activity_weeks AS w (github_host, owner_key, week, who, named_bot, ${COUNTS.join(', ')})
          SELECT r.github_host, lower(r.owner), date_trunc('week', a.day)::date AS week, a.who, bool_or(a.named_bot),
                 ${COUNTS.map((c) => `-sum(a.${c})`).join(', ')}
            FROM activity_days a JOIN repositories r ON r.id = a.repo_id
           WHERE a.repo_id = rid
           GROUP BY r.github_host, lower(r.owner), week, a.who
           ORDER BY week, a.who
          ON CONFLICT (github_host, owner_key, week, who) DO UPDATE SET ${addCounts('w')};
        END LOOP;
        DELETE FROM activity_days WHERE repo_id = ANY(ids);
        DELETE FROM repo_activity_weeks WHERE repo_id = ANY(ids);
        EXECUTE $recount$${recount}$recount$ USING ids;
        UPDATE repositories SET activity_rolled_up = true WHERE id = ANY(ids);
      END
      $fn$`);

    // The review queue: pull requests still open at an instant (most closed long before it).
    await q.query(`
      CREATE INDEX pull_requests_open_until_idx ON pull_requests
        (repo_id, (least(coalesce(merged_at, 'infinity'::timestamptz), coalesce(closed_at, 'infinity'::timestamptz))))`);
    // Cycle time percentiles read merged pull requests without visiting the table.
    await q.query(`
      CREATE INDEX pull_requests_merged_cover_idx ON pull_requests (repo_id, merged_at)
        INCLUDE (created_at, author_login) WHERE merged_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX pull_requests_merged_cover_idx`);
    await q.query(`DROP INDEX pull_requests_open_until_idx`);
    for (const [table, fn] of [
      ['commits', 'activity_from_commits'],
      ['pull_requests', 'activity_from_pull_requests'],
    ])
      for (const op of ['insert', 'update', 'delete']) {
        await q.query(`DROP TRIGGER ${table}_activity_${op} ON ${table}`);
        await q.query(`DROP FUNCTION ${fn}_${op}()`);
      }
    await q.query(`DROP TRIGGER repositories_activity_moved ON repositories`);
    await q.query(`DROP TRIGGER repositories_activity_removed ON repositories`);
    for (const fn of [
      'activity_fold()',
      'activity_rollup_rebuild(uuid[])',
      'activity_repository_moved()',
      'activity_repository_removed()',
    ])
      await q.query(`DROP FUNCTION ${fn}`);
    await q.query(`ALTER TABLE repositories DROP COLUMN activity_rolled_up`);
    await q.query(`DROP TABLE activity_deltas`);
    await q.query(`DROP TABLE repo_activity_weeks`);
    await q.query(`DROP TABLE owner_activity_weeks`);
    await q.query(`DROP TABLE activity_days`);
  }
}
