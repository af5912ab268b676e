import { ChangeDetectionStrategy, Component, inject, input, linkedSignal, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import type { SyncHistory } from '@trackeep/contracts';
import { firstValueFrom } from 'rxjs';
import { describeError } from '../../core/api/api-error';
import { InsightsApi } from '../../core/api/insights.api';

type Choice = 'default' | 'all' | 'day';

/** What the window in force reads, in words. */
export function historyText(h: SyncHistory): string {
  const start = h.effectiveSince ? `since ${h.effectiveSince.slice(0, 10)}` : 'their whole history';
  const whose =
    h.since === null
      ? `the instance's default, ${h.instanceDays ? `${h.instanceDays} days` : 'everything'}`
      : "this repository's own";
  return `Deployments, releases, tags, issues and workflow runs are read ${start} (${whose}).`;
}

/**
 * A repository's history window: how far back its deployments, releases, tags, issues and workflow runs are read.
 * Reaching further back starts a sync that reads the older data; the API says why when it refuses.
 */
@Component({
  selector: 'trk-history-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule],
  template: `
    <section aria-labelledby="history-title">
      <h3 id="history-title">History</h3>
      @if (history.value(); as h) {
        <p>{{ text(h) }}</p>
        @if (h.canEdit) {
          <form (submit)="$event.preventDefault(); save()" aria-labelledby="history-title">
            <label
              >Read history
              <select [value]="choice()" (change)="choice.set($any($event.target).value)">
                <option value="default">the instance's default</option>
                <option value="day">since a day</option>
                <option value="all">all of it</option>
              </select>
            </label>
            @if (choice() === 'day') {
              <label
                >First day
                <input type="date" [value]="day()" [max]="today" (input)="day.set($any($event.target).value)"
              /></label>
            }
            <div class="actions">
              <button mat-flat-button type="submit" [disabled]="busy()">Save the history window</button>
            </div>
            @if (notice()) {
              <p role="status">{{ notice() }}</p>
            }
            @if (problem()) {
              <p class="problem" role="alert">{{ problem() }}</p>
            }
          </form>
        } @else {
          <p class="muted">Changing it takes the maintain or admin permission on GitHub.</p>
        }
      } @else if (history.error()) {
        <p class="problem" role="alert">{{ describe(history.error()) }}</p>
      } @else {
        <p class="muted">Loading the history window…</p>
      }
    </section>
  `,
  styleUrl: './settings-form.scss',
  styles: `
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class HistoryFormComponent {
  private readonly api = inject(InsightsApi);
  readonly owner = input.required<string>();
  readonly name = input.required<string>();

  protected readonly today = new Date().toISOString().slice(0, 10);
  protected readonly history = rxResource({
    params: () => ({ owner: this.owner(), name: this.name() }),
    stream: ({ params }) => this.api.syncHistory(params.owner, params.name),
  });
  protected readonly choice = linkedSignal<Choice>(() => {
    const since = this.history.value()?.since ?? null;
    return since === null ? 'default' : since === 'all' ? 'all' : 'day';
  });
  protected readonly day = linkedSignal<string>(() => {
    const h = this.history.value();
    return h?.since && h.since !== 'all' ? h.since : (h?.effectiveSince?.slice(0, 10) ?? this.today);
  });
  protected readonly busy = signal(false);
  protected readonly problem = signal<string | null>(null);
  protected readonly notice = signal<string | null>(null);
  protected readonly text = historyText;
  protected readonly describe = describeError;

  protected async save(): Promise<void> {
    const before = this.history.value()?.effectiveSince ?? null;
    const since = this.choice() === 'default' ? null : this.choice() === 'all' ? 'all' : this.day();
    this.busy.set(true);
    this.problem.set(null);
    this.notice.set(null);
    try {
      const saved = await firstValueFrom(this.api.saveSyncHistory(this.owner(), this.name(), since));
      this.history.set(saved);
      const further = before !== null && (saved.effectiveSince === null || saved.effectiveSince < before);
      this.notice.set(
        further
          ? 'Saved. A sync is reading the older history now.'
          : 'Saved. What is already stored is kept.',
      );
    } catch (err) {
      this.problem.set(describeError(err));
    } finally {
      this.busy.set(false);
    }
  }
}
