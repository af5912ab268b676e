import { TestBed } from '@angular/core/testing';
import {
  type ActivatedRouteSnapshot,
  Router,
  type RouterStateSnapshot,
  UrlTree,
  convertToParamMap,
  provideRouter,
} from '@angular/router';
import { aMe } from '../../../testing/fixtures';
import { authGuard, signedOutGuard } from './auth.guards';
import { AuthStore } from './auth.store';

class FakeAuthStore {
  result: ReturnType<typeof aMe> | null = null;
  reasonCode: string | null = null;
  ensureLoaded = jest.fn(async () => this.result);
  reason = () => this.reasonCode;
}

function run(guard: typeof authGuard, url: string, query: Record<string, string> = {}) {
  const route = { queryParamMap: convertToParamMap(query) } as ActivatedRouteSnapshot;
  return TestBed.runInInjectionContext(() => guard(route, { url } as RouterStateSnapshot)) as Promise<
    boolean | UrlTree
  >;
}

describe('auth guards', () => {
  let auth: FakeAuthStore;
  let router: Router;

  beforeEach(() => {
    auth = new FakeAuthStore();
    TestBed.configureTestingModule({
      providers: [provideRouter([]), { provide: AuthStore, useValue: auth }],
    });
    router = TestBed.inject(Router);
  });

  it('lets a signed-in user through', async () => {
    auth.result = aMe();
    await expect(run(authGuard, '/repos')).resolves.toBe(true);
  });

  it('sends a visitor without a session to sign-in, remembering the page', async () => {
    auth.reasonCode = 'session_missing';
    const result = await run(authGuard, '/repos/acme/widgets/commits?branch=dev');
    expect(router.serializeUrl(result as UrlTree)).toBe(
      '/sign-in?returnTo=%2Frepos%2Facme%2Fwidgets%2Fcommits%3Fbranch%3Ddev',
    );
  });

  it('passes the reason along when the session expired or was revoked', async () => {
    auth.reasonCode = 'session_expired';
    const result = await run(authGuard, '/activity');
    expect(router.serializeUrl(result as UrlTree)).toBe(
      '/sign-in?returnTo=%2Factivity&reason=session_expired',
    );
  });

  it('shows sign-in with the reason when the OAuth callback failed', async () => {
    auth.result = aMe();
    const result = await run(authGuard, '/?sign_in_error=state_mismatch', {
      sign_in_error: 'state_mismatch',
    });
    expect(router.serializeUrl(result as UrlTree)).toBe('/sign-in?reason=state_mismatch');
  });

  it('keeps sign-in open when it has a reason to explain, even with a session', async () => {
    auth.result = aMe();
    await expect(run(signedOutGuard, '/sign-in', { reason: 'access_denied' })).resolves.toBe(true);
  });

  it('sends a signed-in user away from sign-in to the page they asked for', async () => {
    auth.result = aMe();
    const result = await run(signedOutGuard, '/sign-in', { returnTo: '/sync' });
    expect(router.serializeUrl(result as UrlTree)).toBe('/sync');
  });

  it('never follows a returnTo that leaves the site', async () => {
    auth.result = aMe();
    const result = await run(signedOutGuard, '/sign-in', { returnTo: '//evil.example/x' });
    expect(router.serializeUrl(result as UrlTree)).toBe('/repos');
  });

  it('shows sign-in to someone without a session', async () => {
    await expect(run(signedOutGuard, '/sign-in')).resolves.toBe(true);
  });
});
