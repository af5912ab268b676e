import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Me } from '@trackeep/contracts';
import type { Observable } from 'rxjs';
import { API_BASE } from './api-paths';

@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);

  me(): Observable<Me> {
    return this.http.get<Me>(`${API_BASE}/auth/me`);
  }

  logout(revokeGitHub: boolean): Observable<unknown> {
    return this.http.post(`${API_BASE}/auth/logout`, { revokeGitHub });
  }
}
