import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ActivityEvent, ActivityType, Page } from '@trackeep/contracts';
import type { Observable } from 'rxjs';
import { API_BASE, queryParams } from './api-paths';

export interface ActivityQuery {
  /** `owner/name` of a tracked repository. */
  repo?: string | null;
  /** `org/team-slug`: the team's repositories. */
  team?: string | null;
  type?: ActivityType | null;
  cursor?: string | null;
  limit?: number | null;
}

@Injectable({ providedIn: 'root' })
export class ActivityApi {
  private readonly http = inject(HttpClient);

  list(query: ActivityQuery): Observable<Page<ActivityEvent>> {
    return this.http.get<Page<ActivityEvent>>(`${API_BASE}/activity`, { params: queryParams({ ...query }) });
  }
}
