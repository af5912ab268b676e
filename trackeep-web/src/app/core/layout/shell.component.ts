import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  computed,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { filter, skip } from 'rxjs';
import { InstallationsApi } from '../api/installations.api';
import { TeamsApi } from '../api/teams.api';
import type { OrgMembership } from '@trackeep/contracts';
import { AuthStore } from '../auth/auth.store';
import { redirectToSignInWhenSignedOut } from '../auth/sign-in-redirect';
import { LiveEvents } from '../live/live-events.service';
import { Notices } from './notices.service';

/**
 * Frame of every signed-in page: skip link, top navigation, live-stream indicator, notices. Kept free of
 * component libraries because it is part of the initial bundle.
 */
@Component({
  selector: 'trk-shell',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  templateUrl: './shell.component.html',
  styleUrl: './shell.component.scss',
})
export class ShellComponent {
  protected readonly auth = inject(AuthStore);
  protected readonly live = inject(LiveEvents);
  protected readonly notices = inject(Notices);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');

  /** Administrators (as the API says) also get the Installations page. */
  private readonly canManageInstallations = signal(false);
  /** The organizations (and their teams) GitHub lists the person in: the team switcher. */
  protected readonly orgs = signal<OrgMembership[]>([]);
  private readonly router = inject(Router);
  protected readonly nav = computed(() => [
    { path: '/repos', label: 'Repositories' },
    { path: '/activity', label: 'Activity' },
    { path: '/sync', label: 'Sync' },
    ...this.orgs().map((o) => ({ path: `/orgs/${o.login}`, label: o.name || o.login })),
    ...(this.canManageInstallations() ? [{ path: '/installations', label: 'Installations' }] : []),
    { path: '/settings', label: 'Settings' },
  ]);
  protected readonly liveLabel = computed(() => {
    switch (this.live.status()) {
      case 'open':
        return 'Live';
      case 'idle':
        return 'Offline';
      default:
        return 'Reconnecting…';
    }
  });
  protected readonly initials = computed(() => (this.auth.me()?.login ?? '?').slice(0, 2).toUpperCase());

  constructor() {
    redirectToSignInWhenSignedOut();
    inject(InstallationsApi)
      .permissions()
      .pipe(takeUntilDestroyed())
      .subscribe({ next: (p) => this.canManageInstallations.set(p.canManage), error: () => undefined });
    inject(TeamsApi)
      .memberships()
      .pipe(takeUntilDestroyed())
      .subscribe({ next: (orgs) => this.orgs.set(orgs), error: () => undefined });
    this.live.connect();
    const destroyRef = inject(DestroyRef);
    destroyRef.onDestroy(() => this.live.disconnect());
    // After an in-app navigation, move focus to the new page's heading so keyboard and screen-reader users
    // start at the top of what changed (the first page load keeps the browser's natural focus).
    inject(Router)
      .events.pipe(
        filter((e): e is NavigationEnd => e instanceof NavigationEnd),
        skip(1),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe(() => setTimeout(() => this.focusPage(), 0));
  }

  protected skipToMain(event: Event): void {
    event.preventDefault();
    this.main().nativeElement.focus();
  }

  /** The team switcher's choice: `org` or `org/team`. */
  protected switchTeam(value: string): void {
    if (!value) return;
    const [org, team] = value.split('/');
    void this.router.navigate(team ? ['/orgs', org, 'teams', team] : ['/orgs', org]);
  }

  protected avatarFailed(event: Event): void {
    (event.target as HTMLImageElement).hidden = true;
  }

  private focusPage(): void {
    const main = this.main().nativeElement;
    const heading = main.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    } else {
      main.focus({ preventScroll: true });
    }
  }
}
