import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';
import { EmptyStateComponent } from '../../shared/empty-state.component';

@Component({
  selector: 'trk-not-found-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EmptyStateComponent, RouterLink],
  template: `
    <h1>Page not found</h1>
    <trk-empty-state
      title="There is nothing at this address"
      message="The link may be old, or the repository is no longer tracked."
    >
      <a routerLink="/repos" class="text-button">Go to your repositories</a>
    </trk-empty-state>
  `,
})
export class NotFoundPage {}
