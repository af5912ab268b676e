import type { Routes } from '@angular/router';

export const INSTALLATIONS_ROUTES: Routes = [
  {
    path: '',
    title: 'Installations',
    loadComponent: () => import('./installations.page').then((m) => m.InstallationsPage),
  },
];
