import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { TrackedRepo } from '@trackeep/contracts';
import { IconComponent } from './icon.component';
import { OrgPolicyNoticeComponent } from './org-policy-notice.component';
import { repoPolicyBlock } from './org-policy';

const STATE_TEXT: Partial<Record<TrackedRepo['githubState'], string>> = {
  renamed: 'renamed on GitHub',
  transferred: 'transferred on GitHub',
  deleted: 'deleted on GitHub',
  access_lost: 'access lost',
};

/** What GitHub says about the repository, when that is not "fine": moved, gone, or blocked by a policy. */
@Component({
  selector: 'trk-github-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [IconComponent, OrgPolicyNoticeComponent],
  template: `
    @if (block(); as block) {
      <trk-org-policy-notice [block]="block" />
    } @else if (text(); as text) {
      <span class="chip bad"><trk-icon name="alert" [size]="12" /> {{ text }}</span>
    }
  `,
  styles: `
    :host {
      display: contents;
    }
  `,
})
export class GithubStateComponent {
  readonly repo = input.required<TrackedRepo>();
  protected readonly block = computed(() => repoPolicyBlock(this.repo()));
  protected readonly text = computed(() => {
    const state = this.repo().githubState;
    return state === 'ok' ? null : (STATE_TEXT[state] ?? state);
  });
}
