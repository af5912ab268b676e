import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ActivityEvent } from '@trackeep/contracts';
import { activityIcon } from './activity-types';
import { IconComponent } from './icon.component';
import { RelativeTimeComponent } from './relative-time.component';

/** One line of a timeline: what happened, where, who, when, and a link to it on GitHub. */
@Component({
  selector: 'trk-activity-item',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, IconComponent, RelativeTimeComponent],
  template: `
    @let e = event();
    <span class="type" [attr.data-type]="e.type"><trk-icon [name]="icon()" /></span>
    <div class="body">
      <p class="title">
        @if (e.url) {
          <a [href]="e.url" target="_blank" rel="noopener noreferrer">{{ e.title }}</a>
        } @else {
          {{ e.title }}
        }
      </p>
      <p class="meta">
        @if (showRepo()) {
          <a [routerLink]="repoLink()">{{ e.repoFullName }}</a> ·
        }
        @if (e.actor) {
          <span>{{ e.actor }}</span> ·
        }
        <trk-time [at]="e.occurredAt" />
      </p>
    </div>
  `,
  styles: `
    :host {
      display: flex;
      gap: 12px;
      align-items: flex-start;
      padding: 10px 16px;
      min-height: 44px;
    }
    .type {
      display: inline-grid;
      place-items: center;
      flex: none;
      width: 28px;
      height: 28px;
      border-radius: 50%;
      background: var(--mat-sys-surface-container-high);
      color: var(--mat-sys-on-surface-variant);
      &[data-type='pr_merged'] {
        background: var(--mat-sys-tertiary-container);
        color: var(--mat-sys-on-tertiary-container);
      }
      &[data-type='push'] {
        background: var(--mat-sys-primary-container);
        color: var(--mat-sys-on-primary-container);
      }
    }
    .body {
      min-width: 0;
    }
    p {
      margin: 0;
    }
    .title {
      overflow-wrap: anywhere;
      a {
        color: inherit;
        text-decoration: none;
        &:hover {
          text-decoration: underline;
        }
      }
    }
    .meta {
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
      a {
        color: var(--mat-sys-primary);
      }
    }
  `,
})
export class ActivityItemComponent {
  readonly event = input.required<ActivityEvent>();
  readonly showRepo = input(true);
  protected readonly icon = computed(() => activityIcon(this.event().type));
  protected readonly repoLink = computed(() => ['/repos', ...this.event().repoFullName.split('/')]);
}
