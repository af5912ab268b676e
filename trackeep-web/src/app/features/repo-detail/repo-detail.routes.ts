import type { Routes } from '@angular/router';
import { CommitsStore } from './commits/commits.store';
import { PullsStore } from './pulls/pulls.store';
import { RepoDetailStore } from './repo-detail.store';

export const REPO_DETAIL_ROUTES: Routes = [
  {
    path: '',
    title: (route) => `${route.paramMap.get('owner')}/${route.paramMap.get('name')}`,
    providers: [RepoDetailStore, CommitsStore, PullsStore],
    loadComponent: () => import('./repo-detail.page').then((m) => m.RepoDetailPage),
    children: [
      {
        path: '',
        title: 'Overview',
        loadComponent: () => import('./overview/repo-overview.page').then((m) => m.RepoOverviewPage),
      },
      {
        path: 'commits',
        title: 'Commits',
        loadComponent: () => import('./commits/commits.page').then((m) => m.CommitsPage),
      },
      {
        path: 'pulls',
        title: 'Pull requests',
        loadComponent: () => import('./pulls/pulls.page').then((m) => m.PullsPage),
      },
      {
        path: 'delivery',
        title: 'Delivery',
        loadComponent: () => import('../insights/delivery.page').then((m) => m.DeliveryPage),
      },
      {
        path: 'branches',
        title: 'Branches',
        loadComponent: () => import('./branches/branches.page').then((m) => m.BranchesPage),
      },
    ],
  },
];
