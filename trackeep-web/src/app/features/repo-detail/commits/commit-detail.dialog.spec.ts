import { TestBed } from '@angular/core/testing';
import { MAT_DIALOG_DATA } from '@angular/material/dialog';
import type { Commit } from '@trackeep/contracts';
import { aCommit } from '../../../../testing/fixtures';
import { CommitDetailDialog } from './commit-detail.dialog';

describe(CommitDetailDialog.name, () => {
  async function renderDialog(commit: Commit): Promise<HTMLElement> {
    TestBed.configureTestingModule({
      providers: [{ provide: MAT_DIALOG_DATA, useValue: { commit, repoFullName: 'acme/widgets' } }],
    });
    const fixture = TestBed.createComponent(CommitDetailDialog);
    await fixture.whenStable();
    return fixture.nativeElement;
  }

  const changes = (el: HTMLElement, term: string) =>
    [...el.querySelectorAll('dt')].find((dt) => dt.textContent?.trim() === term)?.nextElementSibling;

  it('shows the lines and files GitHub reported', async () => {
    const el = await renderDialog(aCommit({ additions: 10, deletions: 2, changedFiles: 3 }));
    expect(changes(el, 'Changes')?.textContent?.replace(/\s+/g, '')).toBe('+10−2');
    expect(changes(el, 'Files changed')?.textContent?.trim()).toBe('3');
  });

  it('shows a dash, explained, for each figure GitHub did not provide', async () => {
    const commit = {
      ...aCommit({ additions: null, deletions: null, changedFiles: null }),
      figuresUnavailable: true,
    };
    const el = await renderDialog(commit);
    for (const term of ['Changes', 'Files changed']) {
      const missing = changes(el, term)?.querySelector('trk-missing-figure');
      expect(missing?.getAttribute('title')).toBe('GitHub did not provide this figure');
      expect(missing?.textContent).toBe('—GitHub did not provide this figure');
    }
  });
});
