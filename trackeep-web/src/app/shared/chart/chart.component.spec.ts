import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { CHART_FACTORY_LOADER, ChartComponent, chartSummary } from './chart.component';
import type { ChartFactory, ChartSpec } from './chart.types';
import { query } from '../../../testing/dom';

const spec = (values: number[]): ChartSpec => ({
  kind: 'bar',
  labels: values.map((_, i) => `W${i + 1}`),
  valueLabel: 'Commits',
  series: [{ label: 'Commits', tone: 'primary', data: values }],
});

@Component({
  selector: 'trk-host',
  imports: [ChartComponent],
  template: `<trk-chart caption="Commits per week" [spec]="spec()" />`,
})
class HostComponent {
  readonly spec = signal(spec([1, 2]));
}

describe(ChartComponent.name, () => {
  const created: ChartSpec[] = [];
  const updated: ChartSpec[] = [];
  const factory: ChartFactory = (_canvas, s) => {
    created.push(s);
    return { update: (next) => updated.push(next), destroy: () => undefined };
  };
  let load: jest.Mock;

  beforeEach(() => {
    created.length = 0;
    updated.length = 0;
    load = jest.fn(async () => factory);
    TestBed.configureTestingModule({ providers: [{ provide: CHART_FACTORY_LOADER, useValue: load }] });
  });

  async function renderHost() {
    const fixture = TestBed.createComponent(HostComponent);
    await fixture.whenStable();
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
    return fixture;
  }

  it('loads the chart library only once rendered, then draws the data', async () => {
    const fixture = await renderHost();
    expect(load).toHaveBeenCalledTimes(1);
    expect(created).toEqual([spec([1, 2])]);
    expect(fixture.nativeElement.querySelector('trk-chart').getAttribute('data-state')).toBe('ready');
  });

  it('updates the same chart when the data changes', async () => {
    const fixture = await renderHost();
    fixture.componentInstance.spec.set(spec([3, 4, 5]));
    await fixture.whenStable();
    expect(created).toHaveLength(1);
    expect(updated).toEqual([spec([3, 4, 5])]);
  });

  it('describes the chart for screen readers and offers the numbers as a table', async () => {
    const fixture = await renderHost();
    const el: HTMLElement = fixture.nativeElement;
    expect(query(el, 'canvas').getAttribute('aria-label')).toBe(
      'Commits per week, W1 to W2; latest: Commits 2',
    );
    const rows = [...el.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.children].map((cell) => cell.textContent?.trim()),
    );
    expect(rows).toEqual([
      ['W1', '1'],
      ['W2', '2'],
    ]);
  });

  it('says so when there is nothing to draw', () => {
    expect(chartSummary('Stars', { ...spec([]) })).toBe('Stars: no data yet');
  });
});
