import type { SyncStatus } from '@trackeep/contracts';
import { applySyncProgress } from './sync.store';

const status: SyncStatus = {
  repos: [
    {
      repoId: 'r1',
      repoFullName: 'acme/widgets',
      lastSuccessAt: null,
      running: false,
      progress: null,
      nextScheduledAt: null,
      lastError: null,
    },
  ],
  rateLimits: [],
};

const progress = (p: number, s: 'running' | 'succeeded' | 'failed', repoId = 'r1') =>
  ({
    type: 'sync_progress',
    repoId,
    repoFullName: 'acme/gears',
    runId: 'x',
    progress: p,
    status: s,
  }) as const;

describe(applySyncProgress.name, () => {
  it('moves the progress bar of the repository the message is about', () => {
    const next = applySyncProgress(status, progress(42.4, 'running'));
    expect(next.repos[0]).toMatchObject({ running: true, progress: 42 });
    expect(status.repos[0]?.progress).toBeNull();
  });

  it('clamps odd values into 0..100', () => {
    expect(applySyncProgress(status, progress(140, 'running')).repos[0]?.progress).toBe(100);
    expect(applySyncProgress(status, progress(-3, 'running')).repos[0]?.progress).toBe(0);
  });

  it('ends the running state when the run finished, whatever the outcome', () => {
    expect(applySyncProgress(status, progress(100, 'succeeded')).repos[0]).toMatchObject({
      running: false,
      progress: null,
    });
    expect(applySyncProgress(status, progress(60, 'failed')).repos[0]).toMatchObject({
      running: false,
      progress: null,
    });
  });

  it('adds a repository it did not know yet (tracked a moment ago)', () => {
    const next = applySyncProgress(status, progress(10, 'running', 'r2'));
    expect(next.repos.map((r) => [r.repoFullName, r.progress])).toEqual([
      ['acme/widgets', null],
      ['acme/gears', 10],
    ]);
  });
});
