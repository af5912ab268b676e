import type { RepoPermission } from '@trackeep/contracts';

/** GitHub's `permissions` object (REST) → the highest permission it grants; public repos default to pull. */
export function highestPermission(
  permissions: Partial<Record<RepoPermission, boolean>> | undefined,
): RepoPermission {
  for (const p of ['admin', 'maintain', 'push', 'triage', 'pull'] as const) if (permissions?.[p]) return p;
  return 'pull';
}
