import type { Routes } from '@angular/router';
import { ActivityStore } from './activity.store';

export const ACTIVITY_ROUTES: Routes = [
  {
    path: '',
    title: 'Activity',
    providers: [ActivityStore],
    loadComponent: () => import('./activity.page').then((m) => m.ActivityPage),
  },
];
