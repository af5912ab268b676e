import type { SyncStatus } from '@trackeep/contracts';
import { applySyncProgress, mergeStatusHead } from './sync.store';

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
  nextCursor: null,
  tracked: 1,
  running: 0,
  rateLimits: [],
};

const aRepo = (repoId: string, repoFullName: string) => ({
  repoId,
  repoFullName,
  lastSuccessAt: null,
  running: false,
  progress: null,
  nextScheduledAt: null,
  lastError: null,
});

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

  it('counts the repositories syncing as their runs start and end', () => {
    const started = applySyncProgress(status, progress(5, 'running'));
    expect(started.running).toBe(1);
    expect(applySyncProgress(started, progress(50, 'running')).running).toBe(1);
    expect(applySyncProgress(started, progress(100, 'succeeded')).running).toBe(0);
  });

  it('adds a repository it did not know yet (tracked a moment ago) in its place by name', () => {
    const next = applySyncProgress(status, progress(10, 'running', 'r2'));
    expect(next.repos.map((r) => [r.repoFullName, r.progress])).toEqual([
      ['acme/gears', 10],
      ['acme/widgets', null],
    ]);
    expect(next.running).toBe(1);
  });

  it('leaves out a repository beyond the loaded pages: a later page lists it', () => {
    const next = applySyncProgress({ ...status, nextCursor: 'more' }, progress(10, 'running', 'r2'));
    expect(next.repos.map((r) => r.repoId)).toEqual(['r1']);
  });
});

describe(mergeStatusHead.name, () => {
  const loaded: SyncStatus = {
    ...status,
    repos: [aRepo('a', 'a/a'), aRepo('b', 'b/b'), aRepo('c', 'c/c'), aRepo('d', 'd/d')],
    nextCursor: 'after-d',
    tracked: 6,
  };

  it('takes the fresh head as it is when it covers what was shown', () => {
    const head = { ...loaded, repos: [aRepo('a', 'a/a'), aRepo('b', 'b/b')], nextCursor: 'after-b' };
    expect(mergeStatusHead(loaded, head, 4)).toBe(head);
    expect(mergeStatusHead(null, head, 2)).toBe(head);
  });

  it('keeps the shown repositories after the fresh head, and the cursor after them', () => {
    const head = {
      ...loaded,
      repos: [{ ...aRepo('a', 'a/a'), running: true }, aRepo('b', 'b/b')],
      nextCursor: 'after-b',
      running: 1,
    };
    const merged = mergeStatusHead(loaded, head, 2);
    expect(merged.repos.map((r) => [r.repoId, r.running])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
      ['d', false],
    ]);
    expect(merged.nextCursor).toBe('after-d');
    expect(merged.running).toBe(1);
  });
});
