import type { RepoPermission } from '@trackeep/contracts';

const PERMISSIONS: readonly RepoPermission[] = ['admin', 'maintain', 'push', 'triage', 'pull'];

/** GitHub's `permissions` object (REST) → the highest permission it grants; public repos default to pull. */
export function highestPermission(
  permissions: Partial<Record<RepoPermission, boolean>> | undefined,
): RepoPermission {
  for (const p of PERMISSIONS) if (permissions?.[p]) return p;
  return 'pull';
}

/** A stored permission as the API's type; anything unknown grants the least. */
export function toRepoPermission(value: string): RepoPermission {
  return PERMISSIONS.find((p) => p === value) ?? 'pull';
}

/** How much a permission grants: admin highest. */
export function permissionRank(permission: RepoPermission): number {
  return PERMISSIONS.length - PERMISSIONS.indexOf(permission);
}
