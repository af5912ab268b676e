import type { Routes } from '@angular/router';

export const PEOPLE_ROUTES: Routes = [
  {
    path: ':login',
    title: 'Person',
    loadComponent: () => import('./person.page').then((m) => m.PersonPage),
  },
];
