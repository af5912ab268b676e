import { sql, type RawBuilder } from 'kysely';

/**
 * The common table `tree (root, id, github_id)` for a `WITH RECURSIVE`: each team of `orgId` that `roots` selects,
 * with every team nested under it (GitHub lists a team's members with its child teams', and deletes a team with
 * them).
 */
export function teamTree(orgId: string, roots: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`tree AS (
    SELECT id AS root, id, github_id FROM teams WHERE org_id = ${orgId} AND ${roots}
    UNION
    SELECT tree.root, t.id, t.github_id FROM teams t JOIN tree ON t.parent_github_id = tree.github_id
     WHERE t.org_id = ${orgId}
  )`;
}
