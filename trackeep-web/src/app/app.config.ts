import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import {
  type ApplicationConfig,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import {
  TitleStrategy,
  provideRouter,
  withComponentInputBinding,
  withInMemoryScrolling,
} from '@angular/router';
import { routes } from './app.routes';
import { TrackeepTitleStrategy } from './core/layout/title.strategy';
import { csrfInterceptor } from './core/http/csrf.interceptor';
import { unauthorizedInterceptor } from './core/http/unauthorized.interceptor';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(
      routes,
      withComponentInputBinding(),
      withInMemoryScrolling({ scrollPositionRestoration: 'enabled' }),
    ),
    // Same origin as the API: the browser sends the HttpOnly session cookie by itself.
    provideHttpClient(withFetch(), withInterceptors([csrfInterceptor, unauthorizedInterceptor])),
    { provide: TitleStrategy, useClass: TrackeepTitleStrategy },
  ],
};
