import type { ActivityType } from '@trackeep/contracts';
import type { IconName } from './icon.component';

export const ACTIVITY_TYPES: { type: ActivityType; label: string; icon: IconName }[] = [
  { type: 'push', label: 'Pushes', icon: 'commit' },
  { type: 'pr_opened', label: 'Pull requests opened', icon: 'pull' },
  { type: 'pr_merged', label: 'Pull requests merged', icon: 'merge' },
  { type: 'pr_closed', label: 'Pull requests closed', icon: 'pull' },
  { type: 'pr_reopened', label: 'Pull requests reopened', icon: 'pull' },
  { type: 'pr_review', label: 'Reviews', icon: 'eye' },
  { type: 'branch_created', label: 'Branches created', icon: 'branch' },
  { type: 'branch_deleted', label: 'Branches deleted', icon: 'branch' },
  { type: 'release', label: 'Releases', icon: 'tag' },
  { type: 'deployment', label: 'Deployments', icon: 'external' },
  { type: 'star_milestone', label: 'Star milestones', icon: 'star' },
  { type: 'repo_renamed', label: 'Renames', icon: 'sync' },
  { type: 'repo_archived', label: 'Archived', icon: 'archive' },
];

const BY_TYPE = new Map(ACTIVITY_TYPES.map((t) => [t.type, t]));

export function activityIcon(type: ActivityType): IconName {
  return BY_TYPE.get(type)?.icon ?? 'clock';
}

export function isActivityType(value: string | null | undefined): value is ActivityType {
  return !!value && BY_TYPE.has(value as ActivityType);
}
