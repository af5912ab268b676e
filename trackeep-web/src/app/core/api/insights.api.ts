import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CyclePage,
  DoraPage,
  DrillKind,
  DrillPage,
  InsightsSettings,
  OrgInsightsSettings,
  RepoInsightsSettings,
  SyncHistory,
  TeamsPeriodKind,
} from '@trackeep/contracts';
import type { Observable } from 'rxjs';
import { API_BASE, queryParams, repoPath } from './api-paths';

/** Whose delivery a page shows. */
export type DeliveryScope =
  | { kind: 'repo'; owner: string; name: string }
  | { kind: 'org'; org: string }
  | { kind: 'team'; org: string; team: string };

export interface DeliveryPeriod {
  period: TeamsPeriodKind;
  from?: string;
  to?: string;
}

/** The insights endpoints' base path for a scope. */
export function insightsPath(scope: DeliveryScope): string {
  const org = (o: string) => `${API_BASE}/orgs/${encodeURIComponent(o)}`;
  switch (scope.kind) {
    case 'repo':
      return `${repoPath(scope.owner, scope.name)}/insights`;
    case 'org':
      return `${org(scope.org)}/insights`;
    case 'team':
      return `${org(scope.org)}/teams/${encodeURIComponent(scope.team)}/insights`;
  }
}

function periodParams(p: DeliveryPeriod): Record<string, string | undefined> {
  return {
    period: p.period,
    from: p.period === 'custom' ? p.from : undefined,
    to: p.period === 'custom' ? p.to : undefined,
  };
}

/** A drill-down table as a CSV file (a plain link: the browser downloads it with the session cookie). */
export function drillCsvUrl(scope: DeliveryScope, p: DeliveryPeriod, kind: DrillKind): string {
  const params = queryParams({ ...periodParams(p), format: 'csv', kind });
  return `${insightsPath(scope)}/drilldown?${params.toString()}`;
}

/** Delivery insights: DORA four keys, the pull request cycle, drill-downs and the detection settings. */
@Injectable({ providedIn: 'root' })
export class InsightsApi {
  private readonly http = inject(HttpClient);

  dora(scope: DeliveryScope, p: DeliveryPeriod): Observable<DoraPage> {
    return this.http.get<DoraPage>(`${insightsPath(scope)}/dora`, { params: queryParams(periodParams(p)) });
  }

  cycle(scope: DeliveryScope, p: DeliveryPeriod): Observable<CyclePage> {
    return this.http.get<CyclePage>(`${insightsPath(scope)}/cycle`, { params: queryParams(periodParams(p)) });
  }

  drilldown(scope: DeliveryScope, p: DeliveryPeriod): Observable<DrillPage> {
    return this.http.get<DrillPage>(`${insightsPath(scope)}/drilldown`, {
      params: queryParams(periodParams(p)),
    });
  }

  repoSettings(owner: string, name: string): Observable<RepoInsightsSettings> {
    return this.http.get<RepoInsightsSettings>(`${repoPath(owner, name)}/insights/settings`);
  }

  saveRepoSettings(
    owner: string,
    name: string,
    settings: InsightsSettings,
  ): Observable<RepoInsightsSettings> {
    return this.http.put<RepoInsightsSettings>(`${repoPath(owner, name)}/insights/settings`, settings);
  }

  orgSettings(org: string): Observable<OrgInsightsSettings> {
    return this.http.get<OrgInsightsSettings>(
      `${API_BASE}/orgs/${encodeURIComponent(org)}/insights/settings`,
    );
  }

  saveOrgSettings(org: string, settings: InsightsSettings): Observable<OrgInsightsSettings> {
    return this.http.put<OrgInsightsSettings>(
      `${API_BASE}/orgs/${encodeURIComponent(org)}/insights/settings`,
      settings,
    );
  }

  clearOrgSettings(org: string): Observable<OrgInsightsSettings> {
    return this.http.delete<OrgInsightsSettings>(
      `${API_BASE}/orgs/${encodeURIComponent(org)}/insights/settings`,
    );
  }

  /** Back to the organization's default (or the built-in one). */
  clearRepoSettings(owner: string, name: string): Observable<RepoInsightsSettings> {
    return this.http.delete<RepoInsightsSettings>(`${repoPath(owner, name)}/insights/settings`);
  }

  /** How far back the repository's deployments, releases, tags, issues and workflow runs are read. */
  syncHistory(owner: string, name: string): Observable<SyncHistory> {
    return this.http.get<SyncHistory>(`${repoPath(owner, name)}/sync/history`);
  }

  /** A day (YYYY-MM-DD), "all", or null for the instance's default. */
  saveSyncHistory(owner: string, name: string, since: string | null): Observable<SyncHistory> {
    return this.http.put<SyncHistory>(`${repoPath(owner, name)}/sync/history`, { since });
  }
}
