import type { Routes } from '@angular/router';

export const REPOS_ROUTES: Routes = [
  { path: '', title: 'Repositories', loadComponent: () => import('./repos.page').then((m) => m.ReposPage) },
];
