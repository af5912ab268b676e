import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Branch, TrackedRepo } from '@trackeep/contracts';
import { aTrackedRepo } from '../../../../testing/fixtures';
import type { Loadable } from '../../../core/repos/repos.store';
import { RepoDetailStore } from '../repo-detail.store';
import { BranchesPage } from './branches.page';

const branch = (
  name: string,
  aheadBy: number | null = null,
  behindBy: number | null = null,
  comparisonStale = false,
): Branch => ({
  name,
  headSha: 'a'.repeat(40),
  protected: false,
  lastCommitAt: '2026-03-01T10:00:00.000Z',
  aheadBy,
  behindBy,
  comparisonStale,
});

function render(branches: Branch[]): HTMLElement {
  const store = {
    repo: signal<Loadable<TrackedRepo>>({
      data: aTrackedRepo({ defaultBranch: 'main' }),
      loading: false,
      error: null,
    }),
    branches: signal<Loadable<Branch[]>>({ data: branches, loading: false, error: null }),
    ensureBranches: () => undefined,
    loadBranches: () => undefined,
  };
  TestBed.configureTestingModule({
    imports: [BranchesPage],
    providers: [provideRouter([]), { provide: RepoDetailStore, useValue: store }],
  });
  const fixture = TestBed.createComponent(BranchesPage);
  fixture.detectChanges();
  return fixture.nativeElement as HTMLElement;
}

const headers = (el: HTMLElement) => [...el.querySelectorAll('thead th')].map((th) => th.textContent?.trim());

describe(BranchesPage.name, () => {
  it('leaves out the comparison with the default branch while no branch has one', () => {
    const el = render([branch('main'), branch('feature/a')]);
    expect(headers(el)).toEqual(['Branch', 'Head commit', 'Last activity', 'Protection']);
    expect(el.textContent).not.toContain('–');
  });

  it('shows how far each branch is ahead of and behind the default branch when known', () => {
    const el = render([
      branch('main', 0, 0, true),
      branch('feature/a', 2, 5),
      branch('feature/b'),
      branch('feature/c', 1, 3, true),
    ]);
    expect(headers(el)).toContain('Compared to main');
    const rows = [...el.querySelectorAll('tbody tr')].map((r) => r.textContent?.replace(/\s+/g, ' ') ?? '');
    const row = (name: string) => rows.find((r) => r.includes(name)) ?? '';
    expect(row('feature/a')).toContain('2 ahead, 5 behind');
    expect(row('feature/a')).not.toContain('before the latest push');
    // Never compared yet: says when the counts come, not a bare dash.
    expect(row('feature/b')).toContain('after the next sync');
    // Pushed since it was compared: the last counts, marked as such.
    expect(row('feature/c')).toContain('1 ahead, 3 behind · before the latest push');
    expect(row('main')).not.toMatch(/after the next sync|before the latest push/);
  });

  it('keeps the column when every comparison is stale (a push to the default branch)', () => {
    const el = render([branch('main', 0, 0, true), branch('feature/a', 2, 5, true)]);
    expect(headers(el)).toContain('Compared to main');
  });
});
