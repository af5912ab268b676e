import type { ActivityEvent, LiveEvent, SyncRunStatus, TrackedRepo } from '@trackeep/contracts';

export const LIVE_EVENT_TYPES = ['activity', 'sync_progress', 'repo_changed'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/**
 * Reads one SSE message. The API sends the whole LiveEvent as `data`; a bare payload (the activity or repo
 * alone) is accepted too so a small change of envelope on the server does not silently blank the timeline.
 */
export function parseLiveEvent(type: string, data: string): LiveEvent | null {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null) return null;
  const record = payload as Record<string, unknown>;
  if (record['type'] === type) return payload as LiveEvent;
  switch (type) {
    case 'activity':
      return 'id' in record && 'repoFullName' in record ? { type, activity: payload as ActivityEvent } : null;
    case 'repo_changed':
      return 'fullName' in record ? { type, repo: payload as TrackedRepo } : null;
    case 'sync_progress':
      return typeof record['repoId'] === 'string' ? ({ ...record, type } as LiveEvent) : null;
    default:
      return null;
  }
}

/** A run in one of these states is over (whatever the outcome); queued and running are not. */
export function isFinishedSync(status: SyncRunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'partial';
}
