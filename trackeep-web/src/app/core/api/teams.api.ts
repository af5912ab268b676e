import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { OrgMembership, OrgPage, PersonPage, TeamPage, TeamsPeriodKind } from '@trackeep/contracts';
import type { Observable } from 'rxjs';
import { API_BASE, queryParams } from './api-paths';

/** What the organization and team pages ask for: the period and whether bots count. */
export interface PeriodChoice {
  period: TeamsPeriodKind;
  from?: string;
  to?: string;
  includeBots: boolean;
}

/** Organizations, teams and people (members of an organization only; the API answers 404 to others). */
@Injectable({ providedIn: 'root' })
export class TeamsApi {
  private readonly http = inject(HttpClient);

  memberships(): Observable<OrgMembership[]> {
    return this.http.get<OrgMembership[]>(`${API_BASE}/orgs`);
  }

  org(org: string, choice: PeriodChoice): Observable<OrgPage> {
    return this.http.get<OrgPage>(`${API_BASE}/orgs/${encodeURIComponent(org)}`, { params: params(choice) });
  }

  team(org: string, team: string, choice: PeriodChoice): Observable<TeamPage> {
    return this.http.get<TeamPage>(
      `${API_BASE}/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}`,
      { params: params(choice) },
    );
  }

  person(login: string): Observable<PersonPage> {
    return this.http.get<PersonPage>(`${API_BASE}/people/${encodeURIComponent(login)}`);
  }
}

function params(c: PeriodChoice) {
  return queryParams({
    period: c.period,
    from: c.period === 'custom' ? c.from : undefined,
    to: c.period === 'custom' ? c.to : undefined,
    includeBots: c.includeBots ? 'true' : undefined,
  });
}
