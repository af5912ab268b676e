import type { Routes } from '@angular/router';

export const PEOPLE_ROUTES: Routes = [
  // People are listed by organization and team.
  { path: '', pathMatch: 'full', redirectTo: '/orgs' },
  {
    path: ':login',
    title: 'Person',
    loadComponent: () => import('./person.page').then((m) => m.PersonPage),
  },
];
