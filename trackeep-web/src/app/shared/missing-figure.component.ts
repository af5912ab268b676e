import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Stands in for a figure (lines added, files changed) that GitHub did not provide: a dash, explained. */
@Component({
  selector: 'trk-missing-figure',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { title: 'GitHub did not provide this figure' },
  template: `<span aria-hidden="true">—</span
    ><span class="sr-only">GitHub did not provide this figure</span>`,
  styles: `
    :host {
      color: var(--mat-sys-on-surface-variant);
      cursor: help;
    }
  `,
})
export class MissingFigureComponent {}
