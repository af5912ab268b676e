import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  InjectionToken,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import type { ChartColors, ChartFactory, ChartHandle, ChartSpec, ChartTone } from './chart.types';

export const CHART_FACTORY_LOADER = new InjectionToken<() => Promise<ChartFactory>>('CHART_FACTORY_LOADER', {
  providedIn: 'root',
  factory: () => () => import('./chart-factory').then((m) => m.createChart),
});

const TONES: ChartTone[] = ['primary', 'secondary', 'tertiary', 'error', 'neutral'];

/**
 * A Chart.js chart that loads the library on first render. Colours come from the Material theme (resolved by
 * the browser, so dark mode just works) and follow a change of the system colour scheme. A fixed-height box
 * keeps the layout still while loading, and the numbers are always available as a table.
 */
@Component({
  selector: 'trk-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[attr.data-state]': 'state()' },
  template: `
    <figure>
      <figcaption>{{ caption() }}</figcaption>
      <div class="box" [style.height.px]="height()">
        @if (empty()) {
          <p class="empty">{{ emptyText() }}</p>
        }
        <!-- Chart.js styles the canvas itself, so emptiness hides a wrapper rather than the canvas. -->
        <div class="canvas-wrap" [style.visibility]="empty() ? 'hidden' : 'visible'">
          <canvas #canvas role="img" [attr.aria-label]="summary()"></canvas>
        </div>
      </div>
      @if (!empty()) {
        <details>
          <summary>Data table</summary>
          <div class="table-scroll" tabindex="0" role="region" [attr.aria-label]="caption() + ', data'">
            <table>
              <thead>
                <tr>
                  <th scope="col">{{ labelHeading() }}</th>
                  @for (s of spec().series; track s.label) {
                    <th scope="col">{{ s.label }}</th>
                  }
                </tr>
              </thead>
              <tbody>
                @for (label of spec().labels; track $index; let i = $index) {
                  <tr>
                    <th scope="row">{{ label }}</th>
                    @for (s of spec().series; track s.label) {
                      <td>{{ s.data[i] ?? '–' }}</td>
                    }
                  </tr>
                }
              </tbody>
            </table>
          </div>
        </details>
      }
    </figure>
    <span class="swatches" aria-hidden="true">
      @for (tone of tones; track tone) {
        <span [class]="'swatch ' + tone"></span>
      }
      <span class="swatch text"></span><span class="swatch grid"></span>
    </span>
  `,
  styles: `
    :host {
      display: block;
      min-width: 0;
    }
    figure {
      margin: 0;
    }
    figcaption {
      font: var(--mat-sys-title-small);
      margin-bottom: 8px;
    }
    .box {
      position: relative;
    }
    .canvas-wrap {
      position: absolute;
      inset: 0;
    }
    .empty {
      position: absolute;
      inset: 0;
      display: grid;
      place-items: center;
      margin: 0;
      color: var(--mat-sys-on-surface-variant);
    }
    details {
      margin-top: 4px;
      font: var(--mat-sys-body-small);
    }
    summary {
      cursor: pointer;
      color: var(--mat-sys-on-surface-variant);
      width: max-content;
    }
    .table-scroll {
      max-height: 240px;
      overflow: auto;
    }
    table {
      border-collapse: collapse;
      margin-top: 4px;
    }
    th,
    td {
      padding: 2px 8px;
      text-align: right;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .swatches {
      display: none;
    }
    .primary {
      color: var(--mat-sys-primary);
    }
    .secondary {
      color: var(--mat-sys-secondary);
    }
    .tertiary {
      color: var(--mat-sys-tertiary);
    }
    .error {
      color: var(--mat-sys-error);
    }
    .neutral {
      color: var(--mat-sys-on-surface);
    }
    .text {
      color: var(--mat-sys-on-surface-variant);
    }
    .grid {
      color: var(--mat-sys-outline-variant);
    }
  `,
})
export class ChartComponent {
  private readonly load = inject(CHART_FACTORY_LOADER);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private readonly factory = signal<ChartFactory | null>(null);
  private handle: ChartHandle | null = null;

  readonly spec = input.required<ChartSpec>();
  readonly caption = input.required<string>();
  readonly labelHeading = input('Period');
  readonly height = input(220);
  readonly emptyText = input('No data yet');

  protected readonly tones = TONES;
  protected readonly state = signal<'loading' | 'ready' | 'failed'>('loading');
  protected readonly empty = computed(() => this.spec().labels.length === 0);
  protected readonly summary = computed(() => chartSummary(this.caption(), this.spec()));

  constructor() {
    afterNextRender(() => {
      this.load().then(
        (factory) => this.factory.set(factory),
        () => this.state.set('failed'),
      );
    });
    effect(() => {
      const factory = this.factory();
      const spec = this.spec();
      if (factory) this.render(factory, spec);
    });
    const scheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    const recolor = () => {
      const factory = this.factory();
      if (factory) this.render(factory, this.spec());
    };
    scheme?.addEventListener('change', recolor);
    inject(DestroyRef).onDestroy(() => {
      scheme?.removeEventListener('change', recolor);
      this.handle?.destroy();
    });
  }

  private render(factory: ChartFactory, spec: ChartSpec): void {
    const colors: ChartColors = {
      tones: Object.fromEntries(TONES.map((t) => [t, this.swatch(t)])) as Record<ChartTone, string>,
      text: this.swatch('text'),
      grid: this.swatch('grid'),
    };
    if (this.handle) this.handle.update(spec, colors);
    else this.handle = factory(this.canvas().nativeElement, spec, colors);
    this.state.set('ready');
  }

  private swatch(name: string): string {
    const el = this.host.nativeElement.querySelector(`.swatch.${name}`);
    return el ? getComputedStyle(el).color : '#888888';
  }
}

/** What a screen reader hears for the canvas: caption, extent, and the latest value of each series. */
export function chartSummary(caption: string, spec: ChartSpec): string {
  if (spec.labels.length === 0) return `${caption}: no data yet`;
  const latest = spec.series
    .map((s) => {
      const values = s.data.filter((v): v is number => v !== null);
      return values.length ? `${s.label} ${values[values.length - 1]}` : `${s.label} none`;
    })
    .join(', ');
  return `${caption}, ${spec.labels[0]} to ${spec.labels[spec.labels.length - 1]}; latest: ${latest}`;
}
