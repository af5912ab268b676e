import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { PersonPage as PersonData } from '@trackeep/contracts';
import { PersonPage } from './person.page';

const data: PersonData = {
  person: { login: 'mona', name: 'Mona Lisa', avatarUrl: null, isBot: false },
  recentCommits: [
    {
      repository: 'acme-corp/web',
      sha: 'abcdef1234567',
      message: 'Fix the build',
      committedAt: '2026-01-07T09:00:00.000Z',
      additions: 1,
      deletions: 2,
      htmlUrl: 'https://github.example/acme-corp/web/commit/abcdef1',
    },
  ],
  pullRequests: [
    {
      repository: 'acme-corp/web',
      number: 5,
      title: 'Faster pages',
      state: 'open',
      draft: false,
      createdAt: '2026-01-09T00:00:00.000Z',
      mergedAt: null,
      firstReviewAt: null,
      reviewCount: 0,
      htmlUrl: 'https://github.example/acme-corp/web/pull/5',
    },
  ],
  awaitingReview: { count: 1, longestWaitingHours: 72 },
  reviewedPullRequests: [
    {
      repository: 'acme-corp/api',
      number: 12,
      title: 'Cache the team page',
      state: 'open',
      reviewState: 'CHANGES_REQUESTED',
      reviewedAt: '2026-01-08T10:00:00.000Z',
      htmlUrl: 'https://github.example/acme-corp/api/pull/12',
    },
  ],
  reviewLoad: { reviewsLast4Weeks: 3, openPullRequestsReviewed: 1 },
  repositoryCount: 70,
  repositories: [{ fullName: 'acme-corp/web', commits: 1, pullRequests: 1, lastActivityAt: null }],
};

describe(PersonPage.name, () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: 'people/:login', component: PersonPage }]),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  it('lists their work without ranking them, and says when someone is not found', async () => {
    const harness = await RouterTestingHarness.create();
    const first = harness.navigateByUrl('/people/mona');
    await new Promise((r) => setTimeout(r, 0));
    backend.expectOne('/api/v1/people/mona').flush(data);
    await first;
    harness.detectChanges();
    const el = harness.routeNativeElement as HTMLElement;
    expect(el.querySelector('h1')?.textContent).toContain('Mona Lisa');
    expect(el.querySelector('header .muted')?.textContent?.trim()).toBe('mona');
    expect(el.textContent?.replace(/\s+/g, ' ')).toContain('waiting for a first review: 1 (longest 3 d)');
    expect(el.textContent).toContain('Fix the build');
    expect(el.textContent).toContain('acme-corp/web#5');
    expect(el.querySelector('#repos-title + ul li')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'acme-corp/web · 1 commit · 1 pull request',
    );
    expect(el.textContent).toContain('acme-corp/api#12');
    expect(el.textContent).toContain('changes requested');
    expect(el.querySelector('#reviewed-title + p')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      '3 reviews in the last 4 weeks · 1 open pull request they reviewed',
    );
    expect(el.textContent).toContain('The 1 most recently active of 70 repositories.');

    const second = harness.navigateByUrl('/people/ghost');
    await new Promise((r) => setTimeout(r, 0));
    backend
      .expectOne('/api/v1/people/ghost')
      .flush(
        { statusCode: 404, error: 'Not Found', message: 'x', code: 'person_not_found' },
        { status: 404, statusText: 'Not Found' },
      );
    await second;
    harness.detectChanges();
    expect((harness.routeNativeElement as HTMLElement).querySelector('h1')?.textContent).toContain(
      'Not found',
    );
  });

  it('names someone without a name once, and marks a bot', async () => {
    const harness = await RouterTestingHarness.create();
    const shown = async (person: (typeof data)['person']) => {
      const nav = harness.navigateByUrl(`/people/${person.login}`);
      await new Promise((r) => setTimeout(r, 0));
      backend.expectOne(`/api/v1/people/${person.login}`).flush({ ...data, person });
      await nav;
      harness.detectChanges();
      const header = (harness.routeNativeElement as HTMLElement).querySelector('header');
      return [...(header?.children ?? [])].map((c) => c.textContent?.trim());
    };
    expect(await shown({ login: 'octocat', name: null, avatarUrl: null, isBot: false })).toEqual(['octocat']);
    expect(await shown({ login: 'release-robot', name: null, avatarUrl: null, isBot: true })).toEqual([
      'release-robot',
      'bot',
    ]);
  });
});
