import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import type { GithubInstallation, GithubInstallationsPage, RateLimitBudget } from '@trackeep/contracts';
import { firstValueFrom } from 'rxjs';
import { describeError } from '../../core/api/api-error';
import { InstallationsApi } from '../../core/api/installations.api';
import { Clock } from '../../shared/clock.service';
import { EmptyStateComponent } from '../../shared/empty-state.component';
import { budgetAt } from '../../shared/rate-budget';
import { RelativeTimeComponent } from '../../shared/relative-time.component';
import { SkeletonComponent } from '../../shared/skeleton.component';

/** GitHub App installations: where the App is installed, what it may read, its budget, and auto-track. */
@Component({
  selector: 'trk-installations-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatSlideToggleModule,
    EmptyStateComponent,
    RelativeTimeComponent,
    SkeletonComponent,
  ],
  templateUrl: './installations.page.html',
  styleUrl: './installations.page.scss',
})
export class InstallationsPage {
  private readonly api = inject(InstallationsApi);
  private readonly clock = inject(Clock);

  protected readonly page = signal<GithubInstallationsPage | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly saving = signal<number | null>(null);

  constructor() {
    void this.load(this.api.list());
  }

  protected refresh(): Promise<void> {
    return this.load(this.api.refresh());
  }

  protected budgetNow(b: RateLimitBudget): { remaining: number; resetPassed: boolean } {
    return budgetAt(b, this.clock.now());
  }

  protected permissionList(i: GithubInstallation): string {
    return Object.entries(i.permissions)
      .map(([name, level]) => `${name}: ${level}`)
      .join(', ');
  }

  protected async setAutoTrack(i: GithubInstallation, autoTrack: boolean): Promise<void> {
    this.saving.set(i.id);
    this.error.set(null);
    try {
      const updated = await firstValueFrom(this.api.update(i.id, { autoTrack }));
      this.page.update((p) =>
        p ? { ...p, installations: p.installations.map((x) => (x.id === updated.id ? updated : x)) } : p,
      );
    } catch (err) {
      this.error.set(describeError(err));
    } finally {
      this.saving.set(null);
    }
  }

  private async load(request: ReturnType<InstallationsApi['list']>): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      this.page.set(await firstValueFrom(request));
    } catch (err) {
      this.error.set(describeError(err));
    } finally {
      this.busy.set(false);
    }
  }
}
