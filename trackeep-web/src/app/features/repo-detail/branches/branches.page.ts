import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import { EmptyStateComponent } from '../../../shared/empty-state.component';
import { shortSha } from '../../../shared/format.util';
import { IconComponent } from '../../../shared/icon.component';
import { RelativeTimeComponent } from '../../../shared/relative-time.component';
import { SkeletonComponent } from '../../../shared/skeleton.component';
import { RepoDetailStore } from '../repo-detail.store';

@Component({
  selector: 'trk-branches-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    MatButtonModule,
    EmptyStateComponent,
    IconComponent,
    RelativeTimeComponent,
    SkeletonComponent,
  ],
  template: `
    <h2 class="sr-only">Branches</h2>
    @if (store.branches().error; as error) {
      <div class="error-panel" role="alert">
        <span>Could not load branches: {{ error }}</span>
        <button mat-button type="button" (click)="store.loadBranches()">Retry</button>
      </div>
    }
    @if (store.branches().data; as branches) {
      @if (branches.length === 0) {
        <trk-empty-state
          title="No branches synced yet"
          message="Branches appear after the first sync finishes."
        />
      } @else {
        <div class="table-wrap">
          <table>
            <caption class="sr-only">
              {{
                branches.length
              }}
              branches, most recently active first
            </caption>
            <thead>
              <tr>
                <th scope="col">Branch</th>
                <th scope="col">Head commit</th>
                <th scope="col">Last activity</th>
                @if (compared()) {
                  <th scope="col">Compared to {{ defaultBranch() }}</th>
                }
                <th scope="col">Protection</th>
              </tr>
            </thead>
            <tbody>
              @for (b of sorted(); track b.name) {
                <tr>
                  <th scope="row">
                    <a
                      [routerLink]="['..', 'commits']"
                      [queryParams]="{ branch: b.name === defaultBranch() ? null : b.name }"
                    >
                      <trk-icon name="branch" /> {{ b.name }}
                    </a>
                    @if (b.name === defaultBranch()) {
                      <span class="chip info">default</span>
                    }
                  </th>
                  <td>
                    <code>{{ short(b.headSha) }}</code>
                  </td>
                  <td><trk-time [at]="b.lastCommitAt" emptyText="unknown" /></td>
                  @if (compared()) {
                    <td>
                      @if (b.name === defaultBranch()) {
                        <span class="muted">–</span>
                      } @else if (b.aheadBy !== null && b.behindBy !== null) {
                        {{ b.aheadBy }} ahead, {{ b.behindBy }} behind
                        @if (b.comparisonStale) {
                          <!-- A push seen since: the last counts, marked, rather than none until the next sync. -->
                          <span class="muted" title="Recounted at the next sync"
                            >· before the latest push</span
                          >
                        }
                      } @else {
                        <span class="muted">after the next sync</span>
                      }
                    </td>
                  }
                  <td>
                    @if (b.protected) {
                      <span class="chip good"><trk-icon name="shield" [size]="12" /> protected</span>
                    } @else {
                      <span class="muted">none</span>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    } @else if (!store.branches().error) {
      <trk-skeleton [lines]="6" [lineHeight]="24" />
    }
  `,
  styles: `
    .table-wrap {
      overflow-x: auto;
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 12px;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    th,
    td {
      text-align: left;
      padding: 10px 16px;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
      white-space: nowrap;
    }
    thead th {
      font: var(--mat-sys-label-large);
      color: var(--mat-sys-on-surface-variant);
    }
    tbody tr:last-child > * {
      border-bottom: 0;
    }
    tbody th {
      font-weight: 500;
      a {
        margin-right: 6px;
      }
    }
  `,
})
export class BranchesPage {
  protected readonly store = inject(RepoDetailStore);
  protected readonly defaultBranch = computed(() => this.store.repo().data?.defaultBranch ?? '');
  protected readonly sorted = computed(() => {
    const def = this.defaultBranch();
    return [...(this.store.branches().data ?? [])].sort(
      (a, b) =>
        Number(b.name === def) - Number(a.name === def) ||
        (b.lastCommitAt ?? '').localeCompare(a.lastCommitAt ?? '') ||
        a.name.localeCompare(b.name),
    );
  });
  /** The comparison column is shown only when some branch has been compared with the default branch. */
  protected readonly compared = computed(() =>
    this.sorted().some((b) => b.name !== this.defaultBranch() && b.aheadBy !== null && b.behindBy !== null),
  );
  protected readonly short = shortSha;

  constructor() {
    this.store.ensureBranches();
  }
}
