import { Injectable, InjectionToken, inject, signal, type OnDestroy } from '@angular/core';

/** How often relative times ("3 minutes ago") are recomputed. */
export const CLOCK_TICK_MS = new InjectionToken<number>('CLOCK_TICK_MS', {
  providedIn: 'root',
  factory: () => 30_000,
});

/** One shared ticking "now" so hundreds of relative times update together with one timer. */
@Injectable({ providedIn: 'root' })
export class Clock implements OnDestroy {
  readonly now = signal(Date.now());
  private readonly timer = setInterval(() => this.now.set(Date.now()), inject(CLOCK_TICK_MS));

  ngOnDestroy(): void {
    clearInterval(this.timer);
  }
}
