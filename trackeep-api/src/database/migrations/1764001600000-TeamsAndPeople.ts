import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub organizations, their members, teams (nested through the parent's GitHub id), team members and team
 * repositories, and people (GitHub accounts, bots marked by `type`). Keyed by GitHub's ids, which survive
 * renames; team repositories are held by the repository's GitHub id, so a team may name a repository nobody
 * tracks yet. confirmed_at is when the sync last saw a row: a full re-read removes the rows it did not see.
 */
export class TeamsAndPeople1764001600000 implements MigrationInterface {
  name = 'TeamsAndPeople1764001600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE people (
        github_host text NOT NULL,
        github_id bigint NOT NULL,
        login text NOT NULL,
        name text,
        avatar_url text,
        type text NOT NULL DEFAULT 'User',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (github_host, github_id)
      )`);
    await q.query(`CREATE INDEX people_login_idx ON people (github_host, lower(login))`);
    await q.query(`
      CREATE TABLE github_orgs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        github_host text NOT NULL,
        github_id bigint NOT NULL,
        login text NOT NULL,
        name text,
        avatar_url text,
        synced_at timestamptz,
        UNIQUE (github_host, github_id)
      )`);
    await q.query(`CREATE INDEX github_orgs_login_idx ON github_orgs (github_host, lower(login))`);
    await q.query(`
      CREATE TABLE org_members (
        org_id uuid NOT NULL REFERENCES github_orgs(id) ON DELETE CASCADE,
        person_github_id bigint NOT NULL,
        role text NOT NULL DEFAULT 'member',
        confirmed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, person_github_id)
      )`);
    await q.query(`CREATE INDEX org_members_person_idx ON org_members (person_github_id)`);
    await q.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES github_orgs(id) ON DELETE CASCADE,
        github_id bigint NOT NULL,
        slug text NOT NULL,
        name text NOT NULL,
        description text,
        privacy text NOT NULL DEFAULT 'closed',
        parent_github_id bigint,
        confirmed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, github_id)
      )`);
    await q.query(`CREATE INDEX teams_slug_idx ON teams (org_id, lower(slug))`);
    await q.query(`
      CREATE TABLE team_members (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        person_github_id bigint NOT NULL,
        role text NOT NULL DEFAULT 'member',
        confirmed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, person_github_id)
      )`);
    await q.query(`CREATE INDEX team_members_person_idx ON team_members (person_github_id)`);
    await q.query(`
      CREATE TABLE team_repos (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        repo_github_id bigint NOT NULL,
        permission text NOT NULL,
        confirmed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, repo_github_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE team_repos`);
    await q.query(`DROP TABLE team_members`);
    await q.query(`DROP TABLE teams`);
    await q.query(`DROP TABLE org_members`);
    await q.query(`DROP TABLE github_orgs`);
    await q.query(`DROP TABLE people`);
  }
}
