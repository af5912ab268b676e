import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  GithubInstallation,
  GithubInstallationsPage,
  InstallationsPermissions,
  UpdateGithubInstallation,
} from '@trackeep/contracts';
import type { Observable } from 'rxjs';
import { API_BASE } from './api-paths';

/** GitHub App installations (instance administrators; the API answers 404 to everyone else). */
@Injectable({ providedIn: 'root' })
export class InstallationsApi {
  private readonly http = inject(HttpClient);

  permissions(): Observable<InstallationsPermissions> {
    return this.http.get<InstallationsPermissions>(`${API_BASE}/installations/permissions`);
  }

  list(): Observable<GithubInstallationsPage> {
    return this.http.get<GithubInstallationsPage>(`${API_BASE}/installations`);
  }

  refresh(): Observable<GithubInstallationsPage> {
    return this.http.post<GithubInstallationsPage>(`${API_BASE}/installations/refresh`, {});
  }

  update(id: number, body: UpdateGithubInstallation): Observable<GithubInstallation> {
    return this.http.patch<GithubInstallation>(`${API_BASE}/installations/${id}`, body);
  }
}
