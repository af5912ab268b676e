import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { TrackedRepo } from '@trackeep/contracts';
import { compactNumber, fullNumber } from '../../shared/format.util';
import { GithubStateComponent } from '../../shared/github-state.component';
import { IconComponent } from '../../shared/icon.component';
import { RelativeTimeComponent } from '../../shared/relative-time.component';
import { SyncChipComponent, WebhookChipComponent } from '../../shared/status-chips.component';

@Component({
  selector: 'trk-tracked-repo-card',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    GithubStateComponent,
    IconComponent,
    RelativeTimeComponent,
    SyncChipComponent,
    WebhookChipComponent,
  ],
  template: `
    @let r = repo();
    <article class="card" [attr.aria-labelledby]="'repo-' + r.id">
      <header>
        <h2 [id]="'repo-' + r.id">
          <a [routerLink]="['/repos', r.owner, r.name]"
            ><span class="owner">{{ r.owner }}/</span>{{ r.name }}</a
          >
        </h2>
        <span class="chip">
          @if (r.visibility !== 'public') {
            <trk-icon name="lock" [size]="12" />
          }
          {{ r.visibility }}
        </span>
      </header>
      <p class="description">{{ r.description || 'No description' }}</p>
      <ul class="counters" aria-label="Counters">
        <li [title]="fullNumber(r.stars) + ' stars'">
          <trk-icon name="star" /> {{ compact(r.stars) }} <span class="sr-only">stars</span>
        </li>
        <li [title]="fullNumber(r.forks) + ' forks'">
          <trk-icon name="fork" /> {{ compact(r.forks) }} <span class="sr-only">forks</span>
        </li>
        <li [title]="fullNumber(r.watchers) + ' watchers'">
          <trk-icon name="eye" /> {{ compact(r.watchers) }} <span class="sr-only">watchers</span>
        </li>
        <li [title]="fullNumber(r.openIssues) + ' open issues'">
          <trk-icon name="issue" /> {{ compact(r.openIssues) }} <span class="sr-only">open issues</span>
        </li>
        @if (r.language) {
          <li class="language">{{ r.language }}</li>
        }
      </ul>
      <dl class="times">
        <div>
          <dt>Last push</dt>
          <dd><trk-time [at]="r.pushedAt" /></dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd><trk-time [at]="r.lastSyncAt" /></dd>
        </div>
      </dl>
      <footer>
        <trk-sync-chip [status]="r.lastSyncStatus" />
        <trk-webhook-chip [health]="r.webhook" />
        <trk-github-state [repo]="r" />
        @if (r.archived) {
          <span class="chip"><trk-icon name="archive" [size]="12" /> archived</span>
        }
      </footer>
    </article>
  `,
  styleUrl: './tracked-repo-card.component.scss',
})
export class TrackedRepoCardComponent {
  readonly repo = input.required<TrackedRepo>();
  protected readonly compact = compactNumber;
  protected readonly fullNumber = fullNumber;
}
