import { signal } from '@angular/core';

/** Which items just arrived live, for a few seconds, so lists can highlight them (`.fresh`). */
export class FreshMarks {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly ids = signal<ReadonlySet<string>>(new Set());

  constructor(private readonly ttlMs = 5000) {}

  mark(id: string): void {
    clearTimeout(this.timers.get(id));
    this.ids.update((s) => new Set(s).add(id));
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.ids.update((s) => {
          const next = new Set(s);
          next.delete(id);
          return next;
        });
      }, this.ttlMs),
    );
  }

  has(id: string): boolean {
    return this.ids().has(id);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ids.set(new Set());
  }
}
