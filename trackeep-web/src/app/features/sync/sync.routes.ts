import type { Routes } from '@angular/router';
import { SyncStore } from './sync.store';

export const SYNC_ROUTES: Routes = [
  {
    path: '',
    title: 'Sync',
    providers: [SyncStore],
    loadComponent: () => import('./sync.page').then((m) => m.SyncPage),
  },
];
