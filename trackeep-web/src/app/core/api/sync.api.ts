import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Page, SyncRun, SyncStatus, WebhookDelivery } from '@trackeep/contracts';
import type { Observable } from 'rxjs';
import { API_BASE, queryParams } from './api-paths';

@Injectable({ providedIn: 'root' })
export class SyncApi {
  private readonly http = inject(HttpClient);

  /** One page of the tracked repositories' sync state, by name. */
  status(page: { limit?: number; cursor?: string | null } = {}): Observable<SyncStatus> {
    return this.http.get<SyncStatus>(`${API_BASE}/sync/status`, { params: queryParams(page) });
  }

  runs(cursor: string | null = null): Observable<Page<SyncRun>> {
    return this.http.get<Page<SyncRun>>(`${API_BASE}/sync/runs`, { params: queryParams({ cursor }) });
  }

  syncAll(): Observable<unknown> {
    return this.http.post(`${API_BASE}/sync`, {});
  }

  webhookDeliveries(): Observable<Page<WebhookDelivery>> {
    return this.http.get<Page<WebhookDelivery>>(`${API_BASE}/webhooks/deliveries`);
  }
}
