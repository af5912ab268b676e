import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import type { Me } from '@trackeep/contracts';
import { firstValueFrom } from 'rxjs';
import { errorCodeOf } from '../api/api-error';
import { AuthApi } from '../api/auth.api';

export type AuthState = 'unknown' | 'signed-in' | 'signed-out' | 'unavailable';

/**
 * Who is signed in. The session itself is an HttpOnly cookie the browser sends; JavaScript never sees a
 * credential, it only asks the API (`/auth/me`) whether the cookie is still good.
 */
@Injectable({ providedIn: 'root' })
export class AuthStore {
  private readonly api = inject(AuthApi);
  private pending: Promise<Me | null> | null = null;

  readonly me = signal<Me | null>(null);
  readonly state = signal<AuthState>('unknown');
  /** Why the user is signed out (an API error code such as `session_expired`), when known. */
  readonly reason = signal<string | null>(null);
  readonly signedIn = computed(() => this.state() === 'signed-in');

  /** Resolves the current user once; later calls reuse the answer until the state is reset. */
  ensureLoaded(): Promise<Me | null> {
    if (this.state() === 'signed-in' || this.state() === 'signed-out') return Promise.resolve(this.me());
    this.pending ??= this.fetchMe().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Asks the API again, e.g. after the live stream was refused. */
  refresh(): Promise<Me | null> {
    this.state.set('unknown');
    return this.ensureLoaded();
  }

  markSignedOut(reason: string | null): void {
    this.me.set(null);
    this.state.set('signed-out');
    this.reason.set(reason);
  }

  async signOut(revokeGitHub: boolean): Promise<void> {
    await firstValueFrom(this.api.logout(revokeGitHub));
    this.markSignedOut('signed_out');
  }

  private async fetchMe(): Promise<Me | null> {
    try {
      const me = await firstValueFrom(this.api.me());
      this.me.set(me);
      this.reason.set(null);
      this.state.set('signed-in');
      return me;
    } catch (err) {
      if (err instanceof HttpErrorResponse && err.status === 401) {
        this.markSignedOut(errorCodeOf(err));
      } else {
        this.me.set(null);
        this.state.set('unavailable');
        this.reason.set('api_unavailable');
      }
      return null;
    }
  }
}
