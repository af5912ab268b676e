/**
 * Sync and webhooks both see a branch being created or deleted, but with different evidence: the sync keys the
 * event by the branch head it found, the webhook by its delivery (create/delete payloads carry no sha). So their
 * dedupe keys cannot match, and the timeline would show the happening twice. Instead, a branch event is not added
 * when the latest branch event of the same branch is the same kind and was recorded recently; a branch deleted
 * and created again in between still gets its new entry.
 */
export const BRANCH_EVENT_WINDOW = '6 hours';

/**
 * SQL that is true when the candidate event (`type`, `ref` as SQL expressions) repeats the latest branch event of
 * repository `repoId` (a SQL expression). Served by activity_events_branch_ref_idx.
 */
export function repeatsLatestBranchEvent(repoId: string, type: string, ref: string): string {
  return `(${type} IN ('branch_created', 'branch_deleted') AND EXISTS (
    SELECT 1 FROM (
      SELECT e.type, e.created_at FROM activity_events e
       WHERE e.repo_id = ${repoId} AND e.type IN ('branch_created', 'branch_deleted') AND e.data->>'ref' = ${ref}
       ORDER BY e.id DESC LIMIT 1
    ) latest
    WHERE latest.type = ${type} AND latest.created_at > now() - interval '${BRANCH_EVENT_WINDOW}'))`;
}
