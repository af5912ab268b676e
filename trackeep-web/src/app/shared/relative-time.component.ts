import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Clock } from './clock.service';
import { exactTime, relativeTime } from './format.util';

/** A relative time with the exact time on hover (title) and for machines (datetime). */
@Component({
  selector: 'trk-time',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `@if (at()) {
      <time [attr.datetime]="at()" [title]="exact()">{{ relative() }}</time>
    } @else {
      <span>{{ emptyText() }}</span>
    }`,
})
export class RelativeTimeComponent {
  private readonly clock = inject(Clock);
  readonly at = input<string | null | undefined>(null);
  readonly emptyText = input('never');
  protected readonly relative = computed(() => relativeTime(this.at(), this.clock.now()));
  protected readonly exact = computed(() => exactTime(this.at()));
}
