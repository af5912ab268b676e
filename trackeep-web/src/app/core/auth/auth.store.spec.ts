import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { aMe } from '../../../testing/fixtures';
import { AuthStore } from './auth.store';

describe(AuthStore.name, () => {
  let sut: AuthStore;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    sut = TestBed.inject(AuthStore);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('asks the API once even when several guards ask at the same time', async () => {
    const first = sut.ensureLoaded();
    const second = sut.ensureLoaded();
    backend.expectOne('/api/v1/auth/me').flush(aMe());
    await expect(first).resolves.toMatchObject({ login: 'octocat' });
    await expect(second).resolves.toMatchObject({ login: 'octocat' });
    await sut.ensureLoaded();
    backend.expectNone('/api/v1/auth/me');
    expect(sut.signedIn()).toBe(true);
  });

  it('is signed out with the API reason code on 401', async () => {
    const loaded = sut.ensureLoaded();
    backend
      .expectOne('/api/v1/auth/me')
      .flush(
        { statusCode: 401, error: 'Unauthorized', message: 'revoked', code: 'session_revoked' },
        { status: 401, statusText: 'Unauthorized' },
      );
    await expect(loaded).resolves.toBeNull();
    expect(sut.state()).toBe('signed-out');
    expect(sut.reason()).toBe('session_revoked');
  });

  it('tells an unreachable API apart from a missing session', async () => {
    const loaded = sut.ensureLoaded();
    backend.expectOne('/api/v1/auth/me').flush('down', { status: 503, statusText: 'Service Unavailable' });
    await expect(loaded).resolves.toBeNull();
    expect(sut.state()).toBe('unavailable');
    expect(sut.reason()).toBe('api_unavailable');
  });

  it('signs out through the API, optionally revoking GitHub access', async () => {
    const loaded = sut.ensureLoaded();
    backend.expectOne('/api/v1/auth/me').flush(aMe());
    await loaded;
    const done = sut.signOut(true);
    const req = backend.expectOne('/api/v1/auth/logout');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ revokeGitHub: true });
    req.flush({});
    await done;
    expect(sut.me()).toBeNull();
    expect(sut.reason()).toBe('signed_out');
  });
});
