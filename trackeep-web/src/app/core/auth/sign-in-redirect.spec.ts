import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { type AuthState, AuthStore } from './auth.store';
import { redirectToSignInWhenSignedOut } from './sign-in-redirect';

@Component({ selector: 'trk-host', template: '' })
class HostComponent {
  constructor() {
    redirectToSignInWhenSignedOut();
  }
}

@Component({ selector: 'trk-blank', template: '' })
class BlankComponent {}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
}

describe(redirectToSignInWhenSignedOut.name, () => {
  const state = signal<AuthState>('signed-in');
  const reason = signal<string | null>(null);
  let router: Router;

  beforeEach(async () => {
    state.set('signed-in');
    reason.set(null);
    TestBed.configureTestingModule({
      providers: [
        provideRouter([{ path: '**', component: BlankComponent }]),
        { provide: AuthStore, useValue: { state, reason } },
      ],
    });
    router = TestBed.inject(Router);
    await router.navigateByUrl('/repos/acme/widgets');
    TestBed.createComponent(HostComponent);
    TestBed.tick();
  });

  it('takes the user to sign-in with the reason and a way back when the session ends', async () => {
    reason.set('session_revoked');
    state.set('signed-out');
    TestBed.tick();
    await settle();
    expect(router.url).toBe('/sign-in?reason=session_revoked&returnTo=%2Frepos%2Facme%2Fwidgets');
  });

  it('does not offer a way back after a deliberate sign-out', async () => {
    reason.set('signed_out');
    state.set('signed-out');
    TestBed.tick();
    await settle();
    expect(router.url).toBe('/sign-in?reason=signed_out');
  });

  it('stays put while the session is fine', async () => {
    TestBed.tick();
    await settle();
    expect(router.url).toBe('/repos/acme/widgets');
  });
});
