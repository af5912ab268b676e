export type ChartTone = 'primary' | 'secondary' | 'tertiary' | 'error' | 'neutral';

export interface ChartSeries {
  label: string;
  data: (number | null)[];
  tone: ChartTone;
}

/** A chart described as data only; the chart component turns it into Chart.js config once the library loads. */
export interface ChartSpec {
  kind: 'line' | 'bar';
  labels: string[];
  series: ChartSeries[];
  /** Axis title for the values, e.g. "Commits" or "Hours". */
  valueLabel: string;
  /** Bars of one label stacked on each other (a breakdown of a whole). */
  stacked?: boolean;
}

export interface ChartColors {
  tones: Record<ChartTone, string>;
  text: string;
  grid: string;
}

/** The subset of a Chart.js instance the component drives. */
export interface ChartHandle {
  update(spec: ChartSpec, colors: ChartColors): void;
  destroy(): void;
}

export type ChartFactory = (canvas: HTMLCanvasElement, spec: ChartSpec, colors: ChartColors) => ChartHandle;
