import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  Branch,
  Commit,
  CycleTimeSummary,
  GithubRepo,
  Page,
  PullRequest,
  PullState,
  StatsPoint,
  TrackedRepo,
  WeeklyCommits,
} from '@trackeep/contracts';
import type { Observable } from 'rxjs';
import { API_BASE, queryParams, repoPath } from './api-paths';

export interface CommitQuery {
  branch?: string | null;
  author?: string | null;
  /** ISO date-time. */
  since?: string | null;
  until?: string | null;
  q?: string | null;
  cursor?: string | null;
  limit?: number | null;
}

export type PullSort = 'created' | 'updated';

export interface PullQuery {
  state?: PullState | null;
  author?: string | null;
  sort?: PullSort | null;
  cursor?: string | null;
  limit?: number | null;
}

@Injectable({ providedIn: 'root' })
export class ReposApi {
  private readonly http = inject(HttpClient);

  /** One page (GitHub's, 100) of the repositories the user can reach on GitHub, with a `tracked` flag. */
  accessible(cursor: string | null = null): Observable<Page<GithubRepo>> {
    return this.http.get<Page<GithubRepo>>(`${API_BASE}/github/repos`, { params: queryParams({ cursor }) });
  }

  /** One page of the tracked repositories, by full name. */
  tracked(cursor: string | null = null, limit: number | null = null): Observable<Page<TrackedRepo>> {
    return this.http.get<Page<TrackedRepo>>(`${API_BASE}/repos`, { params: queryParams({ cursor, limit }) });
  }

  repo(owner: string, name: string): Observable<TrackedRepo> {
    return this.http.get<TrackedRepo>(repoPath(owner, name));
  }

  /** 201 when newly tracked, 200 when it already was; either way the tracked repository. */
  track(owner: string, name: string): Observable<TrackedRepo> {
    return this.http.post<TrackedRepo>(`${repoPath(owner, name)}/track`, {});
  }

  untrack(owner: string, name: string): Observable<unknown> {
    return this.http.delete(`${repoPath(owner, name)}/track`);
  }

  commits(owner: string, name: string, query: CommitQuery): Observable<Page<Commit>> {
    return this.http.get<Page<Commit>>(`${repoPath(owner, name)}/commits`, {
      params: queryParams({ ...query }),
    });
  }

  pulls(owner: string, name: string, query: PullQuery): Observable<Page<PullRequest>> {
    return this.http.get<Page<PullRequest>>(`${repoPath(owner, name)}/pulls`, {
      params: queryParams({ ...query }),
    });
  }

  /** Branches by name, paginated. */
  branches(
    owner: string,
    name: string,
    cursor: string | null = null,
    limit: number | null = null,
  ): Observable<Page<Branch>> {
    return this.http.get<Page<Branch>>(`${repoPath(owner, name)}/branches`, {
      params: queryParams({ cursor, limit }),
    });
  }

  /** Oldest first; the API defaults to the last 90 days. */
  weeklyCommits(owner: string, name: string, weeks: number): Observable<WeeklyCommits[]> {
    return this.http.get<WeeklyCommits[]>(`${repoPath(owner, name)}/commits/weekly`, {
      params: queryParams({ weeks }),
    });
  }

  cycleTime(owner: string, name: string, weeks: number): Observable<CycleTimeSummary> {
    return this.http.get<CycleTimeSummary>(`${repoPath(owner, name)}/pulls/cycle-time`, {
      params: queryParams({ weeks }),
    });
  }

  statsHistory(owner: string, name: string, since: string | null = null): Observable<StatsPoint[]> {
    return this.http.get<StatsPoint[]>(`${repoPath(owner, name)}/stats/history`, {
      params: queryParams({ since }),
    });
  }

  sync(owner: string, name: string): Observable<unknown> {
    return this.http.post(`${repoPath(owner, name)}/sync`, {});
  }
}
