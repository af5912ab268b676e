import type { Routes } from '@angular/router';

export const TEAMS_ROUTES: Routes = [
  {
    path: '',
    pathMatch: 'full',
    title: 'Organizations',
    loadComponent: () => import('./orgs.page').then((m) => m.OrgsPage),
  },
  {
    path: ':org',
    title: 'Organization',
    loadComponent: () => import('./teams.page').then((m) => m.TeamsPage),
  },
  {
    path: ':org/delivery',
    title: 'Organization delivery',
    loadComponent: () => import('../insights/delivery.page').then((m) => m.DeliveryPage),
  },
  {
    path: ':org/teams/:team/delivery',
    title: 'Team delivery',
    loadComponent: () => import('../insights/delivery.page').then((m) => m.DeliveryPage),
  },
  {
    path: ':org/teams/:team',
    title: 'Team',
    loadComponent: () => import('./teams.page').then((m) => m.TeamsPage),
  },
];
