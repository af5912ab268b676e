import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** Grey placeholder blocks with the size of the content they stand for, so nothing jumps on load. */
@Component({
  selector: 'trk-skeleton',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { 'aria-hidden': 'true' },
  template: `@for (w of widths(); track $index) {
    <span class="bar" [style.width]="w" [style.height.px]="lineHeight()"></span>
  }`,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .bar {
      display: block;
      border-radius: 4px;
      background: color-mix(in srgb, var(--mat-sys-on-surface) 10%, transparent);
      animation: pulse 1.4s ease-in-out infinite;
    }
    @keyframes pulse {
      50% {
        opacity: 0.5;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .bar {
        animation: none;
      }
    }
  `,
})
export class SkeletonComponent {
  readonly lines = input(3);
  readonly lineHeight = input(14);
  protected readonly widths = computed(() =>
    Array.from({ length: this.lines() }, (_, i) => (i === this.lines() - 1 && i > 0 ? '60%' : '100%')),
  );
}
