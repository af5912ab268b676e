import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ActivityPage } from '@trackeep/contracts';
import type { PeriodChoice } from '../../core/api/teams.api';
import { ChartComponent } from '../../shared/chart/chart.component';
import { fullNumber } from '../../shared/format.util';
import { contributorsTrend, cycleTimeTrend, figureCards, periodText, throughputChart } from './team-figures';

/**
 * The figures the organization and team pages share: the period picker, each figure next to the previous
 * period's, the most active repositories and the weekly trends (each chart with its data table).
 */
@Component({
  selector: 'trk-activity-figures',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ChartComponent, RouterLink],
  template: `
    <form class="period" (submit)="$event.preventDefault()" aria-label="Period">
      <label>
        Period
        <select [value]="choice().period" (change)="pick($any($event.target).value)">
          <option value="week">This week</option>
          <option value="4w">Last 4 weeks</option>
          <option value="quarter">Last quarter (13 weeks)</option>
          <option value="custom">Custom…</option>
        </select>
      </label>
      @if (choice().period === 'custom') {
        <label
          >From
          <input
            type="date"
            [value]="choice().from ?? ''"
            (change)="setDate('from', $any($event.target).value)"
        /></label>
        <label
          >To
          <input type="date" [value]="choice().to ?? ''" (change)="setDate('to', $any($event.target).value)"
        /></label>
      }
      <label class="bots">
        <input
          type="checkbox"
          [checked]="choice().includeBots"
          (change)="changed.emit({ includeBots: $any($event.target).checked })"
        />
        Include bots
      </label>
    </form>
    <p class="muted">
      {{ periodText() }} · {{ page().repositories }}
      {{ page().repositories === 1 ? 'repository' : 'repositories' }} you can read
    </p>

    <ul class="figures" aria-label="Figures, next to the previous period">
      @for (f of cards(); track f.label) {
        <li class="card figure">
          <span class="label">{{ f.label }}</span>
          <span class="value">{{ f.current }}</span>
          <span class="previous">
            previous: {{ f.previous }}
            @if (f.change) {
              <span class="change" [attr.data-direction]="f.direction">
                <span aria-hidden="true">{{
                  f.direction === 'up' ? '▲' : f.direction === 'down' ? '▼' : ''
                }}</span>
                {{ f.change }}
              </span>
            }
          </span>
        </li>
      }
    </ul>

    <div class="charts">
      <section class="card chart-card" aria-label="Commits and merged pull requests per week">
        <trk-chart
          caption="Commits and merged pull requests per week"
          labelHeading="Week of"
          [spec]="throughput()"
        />
      </section>
      <section class="card chart-card" aria-label="Median cycle time per week">
        <trk-chart caption="Median cycle time per week (hours)" labelHeading="Week of" [spec]="cycle()" />
      </section>
      <section class="card chart-card" aria-label="Active contributors per week">
        <trk-chart caption="Active contributors per week" labelHeading="Week of" [spec]="contributors()" />
      </section>
    </div>

    <section aria-labelledby="repos-title">
      <h2 id="repos-title">Most active repositories</h2>
      @if (page().mostActiveRepositories.length === 0) {
        <p class="muted">No work in this period.</p>
      } @else {
        <div class="table-scroll" tabindex="0" role="region" aria-labelledby="repos-title">
          <table>
            <thead>
              <tr>
                <th scope="col">Repository</th>
                <th scope="col">Commits</th>
                <th scope="col">Lines changed</th>
                <th scope="col">PRs opened</th>
                <th scope="col">PRs merged</th>
              </tr>
            </thead>
            <tbody>
              @for (r of page().mostActiveRepositories; track r.fullName) {
                <tr>
                  <th scope="row">
                    <a [routerLink]="'/repos/' + r.fullName">{{ r.fullName }}</a>
                  </th>
                  <td>{{ number(r.commits) }}</td>
                  <td>{{ number(r.linesChanged) }}</td>
                  <td>{{ number(r.pullsOpened) }}</td>
                  <td>{{ number(r.pullsMerged) }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    </section>
  `,
  styles: `
    :host {
      display: grid;
      gap: 16px;
      min-width: 0;
    }
    .period {
      display: flex;
      flex-wrap: wrap;
      gap: 8px 16px;
      align-items: end;
    }
    .period label {
      display: grid;
      gap: 2px;
      font: var(--mat-sys-body-small);
    }
    .period .bots {
      display: flex;
      align-items: center;
      gap: 6px;
    }
    select,
    input[type='date'] {
      font: inherit;
      min-height: 32px;
      color: var(--mat-sys-on-surface);
      background: var(--mat-sys-surface-container);
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 8px;
      padding: 2px 8px;
    }
    .figures {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
      gap: 8px;
    }
    .figure {
      display: grid;
      gap: 2px;
      margin: 0;
    }
    .label,
    .previous {
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
    .value {
      font: var(--mat-sys-headline-small);
    }
    .change {
      white-space: nowrap;
      margin-left: 4px;
    }
    .charts {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr));
      gap: 16px;
    }
    .chart-card {
      min-width: 0;
    }
    section {
      min-width: 0;
    }
    .table-scroll {
      overflow-x: auto;
    }
    table {
      border-collapse: collapse;
      width: 100%;
    }
    th,
    td {
      padding: 4px 8px;
      text-align: right;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    th[scope='row'],
    thead th:first-child {
      text-align: left;
      overflow-wrap: anywhere;
      /* Long names wrap, but on a phone the table scrolls rather than stack a name a letter per line. */
      min-width: 10rem;
    }
    a {
      color: var(--mat-sys-primary);
    }
  `,
})
export class ActivityFiguresComponent {
  readonly page = input.required<ActivityPage>();
  readonly choice = input.required<PeriodChoice>();
  /** Query-string changes: a period, dates, or the bots switch. */
  readonly changed = output<Partial<PeriodChoice>>();

  protected readonly number = fullNumber;
  protected readonly cards = computed(() => figureCards(this.page()));
  protected readonly throughput = computed(() => throughputChart(this.page().weekly));
  protected readonly cycle = computed(() => cycleTimeTrend(this.page().weekly));
  protected readonly contributors = computed(() => contributorsTrend(this.page().weekly));
  protected readonly periodText = computed(() => periodText(this.page().period));

  protected pick(period: string): void {
    if (period === 'custom') {
      const { current } = this.page().period;
      this.changed.emit({
        period: 'custom',
        from: current.from.slice(0, 10),
        to: new Date(Date.parse(current.to) - 86_400_000).toISOString().slice(0, 10),
      });
    } else this.changed.emit({ period: period as PeriodChoice['period'] });
  }

  protected setDate(which: 'from' | 'to', value: string): void {
    if (value) this.changed.emit({ [which]: value });
  }
}
