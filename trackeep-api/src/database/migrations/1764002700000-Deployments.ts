import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub deployments (keyed by GitHub's id) and their statuses (keyed by node id: GraphQL's DeploymentStatus has no
 * database id, the webhook has both). A deployment keeps its latest status so a page of deployments needs no join.
 * Written by the sync (one query per changed repository) and by the `deployment` and `deployment_status` webhooks;
 * the insights detect deployments to chosen environments from them.
 */
export class Deployments1764002700000 implements MigrationInterface {
  name = 'Deployments1764002700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deployments (
        repo_id uuid NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        deployment_id bigint NOT NULL,
        node_id text,
        environment text NOT NULL,
        sha text NOT NULL,
        ref text,
        task text,
        description text,
        creator_login text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz,
        latest_state text,
        latest_state_at timestamptz,
        PRIMARY KEY (repo_id, deployment_id)
      )`);
    await q.query(`CREATE INDEX deployments_repo_created_idx ON deployments (repo_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE deployment_statuses (
        repo_id uuid NOT NULL,
        node_id text NOT NULL,
        deployment_id bigint NOT NULL,
        state text NOT NULL,
        description text,
        environment_url text,
        log_url text,
        creator_login text,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (repo_id, node_id),
        FOREIGN KEY (repo_id, deployment_id) REFERENCES deployments(repo_id, deployment_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX deployment_statuses_deployment_idx ON deployment_statuses (repo_id, deployment_id, created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deployment_statuses`);
    await q.query(`DROP TABLE deployments`);
  }
}
