import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { TeamSummary } from '@trackeep/contracts';

/** An organization's teams as links, each with its member count and the team it sits in. */
@Component({
  selector: 'trk-team-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <ul class="teams">
      @for (t of teams(); track t.slug) {
        <li>
          <a
            [routerLink]="['/orgs', org(), 'teams', t.slug]"
            [queryParamsHandling]="keepPeriod() ? 'preserve' : ''"
            >{{ t.name }}</a
          >
          <span class="muted">
            {{ t.members }} {{ t.members === 1 ? 'member' : 'members' }}
            @if (t.parentSlug) {
              · in {{ t.parentSlug }}
            }
          </span>
        </li>
      }
    </ul>
  `,
  styles: `
    .teams {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 4px;
    }
    a {
      color: var(--mat-sys-primary);
    }
  `,
})
export class TeamListComponent {
  readonly org = input.required<string>();
  readonly teams = input.required<readonly TeamSummary[]>();
  /** Keep the page's period and bots switch in the links (from an organization's page to its teams'). */
  readonly keepPeriod = input(false);
}
