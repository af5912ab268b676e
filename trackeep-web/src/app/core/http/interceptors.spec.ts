import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { AuthStore } from '../auth/auth.store';
import { csrfInterceptor } from './csrf.interceptor';
import { unauthorizedInterceptor } from './unauthorized.interceptor';

describe('HTTP interceptors', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let auth: AuthStore;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([csrfInterceptor, unauthorizedInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    auth = TestBed.inject(AuthStore);
  });

  afterEach(() => backend.verify());

  it('sends the CSRF header on every state-changing API call', () => {
    http.post('/api/v1/sync', {}).subscribe();
    http.delete('/api/v1/repos/acme/widgets/track').subscribe();
    expect(backend.expectOne('/api/v1/sync').request.headers.get('X-Trackeep-CSRF')).toBe('1');
    expect(backend.expectOne('/api/v1/repos/acme/widgets/track').request.headers.get('X-Trackeep-CSRF')).toBe(
      '1',
    );
  });

  it('leaves reads and requests outside the API alone', () => {
    http.get('/api/v1/repos').subscribe();
    http.post('/elsewhere', {}).subscribe();
    http.post('/api/v1x/other', {}).subscribe();
    expect(backend.expectOne('/api/v1/repos').request.headers.has('X-Trackeep-CSRF')).toBe(false);
    expect(backend.expectOne('/elsewhere').request.headers.has('X-Trackeep-CSRF')).toBe(false);
    expect(backend.expectOne('/api/v1x/other').request.headers.has('X-Trackeep-CSRF')).toBe(false);
  });

  it('records the API reason code when a call answers 401, and still fails the call', async () => {
    const call = firstValueFrom(http.get('/api/v1/repos'));
    backend
      .expectOne('/api/v1/repos')
      .flush(
        { statusCode: 401, error: 'Unauthorized', message: 'expired', code: 'session_expired' },
        { status: 401, statusText: 'Unauthorized' },
      );
    await expect(call).rejects.toMatchObject({ status: 401 });
    expect(auth.state()).toBe('signed-out');
    expect(auth.reason()).toBe('session_expired');
  });

  it('assumes an expired session when a 401 carries no code', async () => {
    const call = firstValueFrom(http.get('/api/v1/activity'));
    backend.expectOne('/api/v1/activity').flush('', { status: 401, statusText: 'Unauthorized' });
    await expect(call).rejects.toBeTruthy();
    expect(auth.reason()).toBe('session_expired');
  });

  it('leaves the /auth/me probe and other statuses to their callers', async () => {
    const me = firstValueFrom(http.get('/api/v1/auth/me'));
    backend.expectOne('/api/v1/auth/me').flush({}, { status: 401, statusText: 'Unauthorized' });
    await expect(me).rejects.toBeTruthy();
    const forbidden = firstValueFrom(http.get('/api/v1/repos'));
    backend.expectOne('/api/v1/repos').flush({}, { status: 403, statusText: 'Forbidden' });
    await expect(forbidden).rejects.toBeTruthy();
    expect(auth.state()).toBe('unknown');
  });
});
