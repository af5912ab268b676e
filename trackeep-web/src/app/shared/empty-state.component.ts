import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** What to show instead of an empty list: what it means and what to do next (projected actions). */
@Component({
  selector: 'trk-empty-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p class="title">{{ title() }}</p>
    @if (message()) {
      <p class="message">{{ message() }}</p>
    }
    <div class="actions"><ng-content /></div>
  `,
  styles: `
    :host {
      display: block;
      text-align: center;
      padding: 32px 16px;
      border: 1px dashed var(--mat-sys-outline-variant);
      border-radius: 12px;
    }
    .title {
      font: var(--mat-sys-title-medium);
      margin: 0 0 4px;
    }
    .message {
      margin: 0 0 12px;
      color: var(--mat-sys-on-surface-variant);
    }
    .actions:empty {
      display: none;
    }
  `,
})
export class EmptyStateComponent {
  readonly title = input.required<string>();
  readonly message = input<string | null>(null);
}
