import { Injectable, signal } from '@angular/core';

export interface Notice {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

/** Short confirmations and failures shown in one polite live region of the shell. */
@Injectable({ providedIn: 'root' })
export class Notices {
  private nextId = 1;
  readonly items = signal<Notice[]>([]);

  show(text: string, tone: Notice['tone'] = 'info', ttlMs = 6000): void {
    const notice: Notice = { id: this.nextId++, text, tone };
    this.items.update((items) => [...items.slice(-2), notice]);
    setTimeout(() => this.dismiss(notice.id), ttlMs);
  }

  dismiss(id: number): void {
    this.items.update((items) => items.filter((n) => n.id !== id));
  }
}
