import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** A tiny trend line in plain SVG: cheap enough for the header, no chart library needed. */
@Component({
  selector: 'trk-sparkline',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <svg
      [attr.viewBox]="'0 0 ' + width() + ' ' + height()"
      [attr.width]="width()"
      [attr.height]="height()"
      role="img"
      [attr.aria-label]="label()"
      preserveAspectRatio="none"
    >
      @if (points()) {
        <polyline
          [attr.points]="points()"
          fill="none"
          stroke="currentColor"
          stroke-width="2"
          stroke-linejoin="round"
          stroke-linecap="round"
        />
      } @else {
        <line
          x1="0"
          [attr.y1]="height() / 2"
          [attr.x2]="width()"
          [attr.y2]="height() / 2"
          stroke="currentColor"
          stroke-opacity="0.3"
          stroke-dasharray="4 4"
        />
      }
    </svg>
  `,
  styles: `
    :host {
      display: inline-block;
      color: var(--mat-sys-primary);
      line-height: 0;
    }
  `,
})
export class SparklineComponent {
  readonly values = input.required<readonly number[]>();
  readonly width = input(120);
  readonly height = input(32);
  /** What the line shows, e.g. "Stars"; the summary of first and last value is added for screen readers. */
  readonly name = input('Trend');

  protected readonly points = computed(() => sparklinePoints(this.values(), this.width(), this.height()));
  protected readonly label = computed(() => {
    const v = this.values();
    if (v.length < 2) return `${this.name()}: not enough history yet`;
    return `${this.name()}: from ${v[0]} to ${v[v.length - 1]} over ${v.length} snapshots`;
  });
}

/** SVG polyline points scaled into the box with a 2px margin; null when there is nothing to draw. */
export function sparklinePoints(values: readonly number[], width: number, height: number): string | null {
  if (values.length < 2) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const pad = 2;
  const stepX = (width - pad * 2) / (values.length - 1);
  return values
    .map((v, i) => {
      const x = pad + i * stepX;
      const y = max === min ? height / 2 : pad + (1 - (v - min) / span) * (height - pad * 2);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}
