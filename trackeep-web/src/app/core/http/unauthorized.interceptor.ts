import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, throwError } from 'rxjs';
import { API_BASE } from '../api/api-paths';
import { errorCodeOf } from '../api/api-error';
import { AuthStore } from '../auth/auth.store';
import { isApiUrl } from './csrf.interceptor';

/**
 * A 401 from any API call means the session is gone (expired, revoked, GitHub access withdrawn). The store
 * records why; `redirectToSignInWhenSignedOut` (run by the shell) then takes the user to sign-in.
 * `/auth/me` is the store's own probe and is handled there.
 */
export const unauthorizedInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthStore);
  return next(req).pipe(
    catchError((err: unknown) => {
      if (
        err instanceof HttpErrorResponse &&
        err.status === 401 &&
        isApiUrl(req.url) &&
        req.url !== `${API_BASE}/auth/me`
      ) {
        auth.markSignedOut(errorCodeOf(err) ?? 'session_expired');
      }
      return throwError(() => err);
    }),
  );
};
