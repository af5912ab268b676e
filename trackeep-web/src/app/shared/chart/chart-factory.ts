// Loaded with a dynamic import only: Chart.js lands in its own chunk, fetched when a chart is first shown.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { ChartColors, ChartFactory, ChartSpec } from './chart.types';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);

function toConfig(spec: ChartSpec, colors: ChartColors): ChartConfiguration {
  const reduceMotion =
    typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
  return {
    type: spec.kind,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => ({
        label: s.label,
        data: s.data,
        borderColor: colors.tones[s.tone],
        backgroundColor: spec.kind === 'bar' ? colors.tones[s.tone] : 'transparent',
        pointRadius: spec.labels.length > 40 ? 0 : 2,
        tension: 0.25,
        spanGaps: true,
        borderWidth: 2,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 300 },
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { display: spec.series.length > 1, labels: { color: colors.text, boxWidth: 12 } },
        tooltip: { enabled: true },
      },
      scales: {
        x: {
          stacked: spec.stacked === true,
          ticks: { color: colors.text, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 },
          grid: { color: colors.grid },
        },
        y: {
          stacked: spec.stacked === true,
          beginAtZero: spec.kind === 'bar',
          ticks: { color: colors.text, precision: 0 },
          grid: { color: colors.grid },
          title: { display: true, text: spec.valueLabel, color: colors.text },
        },
      },
    },
  };
}

export const createChart: ChartFactory = (canvas, spec, colors) => {
  const chart = new Chart(canvas, toConfig(spec, colors));
  return {
    update(next, nextColors) {
      const config = toConfig(next, nextColors);
      chart.data = config.data;
      chart.options = config.options ?? {};
      chart.update();
    },
    destroy() {
      chart.destroy();
    },
  };
};
