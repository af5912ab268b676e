import type { Routes } from '@angular/router';
import { authGuard, signedOutGuard } from './core/auth/auth.guards';
import { ShellComponent } from './core/layout/shell.component';

export const routes: Routes = [
  {
    path: 'sign-in',
    title: 'Sign in',
    canActivate: [signedOutGuard],
    loadComponent: () => import('./features/sign-in/sign-in.page').then((m) => m.SignInPage),
  },
  {
    path: '',
    component: ShellComponent,
    canActivate: [authGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'repos' },
      {
        path: 'repos/:owner/:name',
        loadChildren: () =>
          import('./features/repo-detail/repo-detail.routes').then((m) => m.REPO_DETAIL_ROUTES),
      },
      {
        path: 'repos',
        loadChildren: () => import('./features/repos/repos.routes').then((m) => m.REPOS_ROUTES),
      },
      {
        path: 'activity',
        loadChildren: () => import('./features/activity/activity.routes').then((m) => m.ACTIVITY_ROUTES),
      },
      { path: 'sync', loadChildren: () => import('./features/sync/sync.routes').then((m) => m.SYNC_ROUTES) },
      {
        path: 'installations',
        loadChildren: () =>
          import('./features/installations/installations.routes').then((m) => m.INSTALLATIONS_ROUTES),
      },
      {
        path: 'orgs',
        loadChildren: () => import('./features/teams/teams.routes').then((m) => m.TEAMS_ROUTES),
      },
      {
        path: 'people',
        loadChildren: () => import('./features/teams/people.routes').then((m) => m.PEOPLE_ROUTES),
      },
      {
        path: 'settings',
        loadChildren: () => import('./features/settings/settings.routes').then((m) => m.SETTINGS_ROUTES),
      },
      {
        path: '**',
        title: 'Not found',
        loadComponent: () => import('./core/layout/not-found.page').then((m) => m.NotFoundPage),
      },
    ],
  },
];
