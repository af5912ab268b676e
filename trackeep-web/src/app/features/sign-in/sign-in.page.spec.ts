import { TestBed } from '@angular/core/testing';
import { SignInPage } from './sign-in.page';
import { describeSignInReason } from './sign-in-reasons';
import { query } from '../../../testing/dom';

function render(inputs: { reason?: string; returnTo?: string }) {
  const fixture = TestBed.createComponent(SignInPage);
  if (inputs.reason) fixture.componentRef.setInput('reason', inputs.reason);
  if (inputs.returnTo) fixture.componentRef.setInput('returnTo', inputs.returnTo);
  fixture.detectChanges();
  return fixture.nativeElement as HTMLElement;
}

describe(SignInPage.name, () => {
  it('starts the GitHub sign-in on the API with the page to come back to', () => {
    const el = render({ returnTo: '/repos/acme/widgets?tab=pulls' });
    const link = el.querySelector('a.connect') as HTMLAnchorElement;
    expect(link.textContent).toContain('Connect GitHub');
    expect(link.getAttribute('href')).toBe(
      '/api/v1/auth/login?returnTo=%2Frepos%2Facme%2Fwidgets%3Ftab%3Dpulls',
    );
  });

  it('never passes on a returnTo that would leave the site', () => {
    const el = render({ returnTo: '//evil.example' });
    expect(query(el, 'a.connect').getAttribute('href')).toBe('/api/v1/auth/login');
  });

  it('explains an expired session and shows the reason code', () => {
    const el = render({ reason: 'session_expired' });
    const box = query(el, '[data-testid="sign-in-reason"]');
    expect(box.textContent).toContain('Your session expired');
    expect(box.textContent).toContain('session_expired');
    expect(box.getAttribute('role')).toBe('status');
  });

  it('raises failures as alerts, also for codes it does not know', () => {
    const el = render({ reason: 'weird_new_code' });
    const box = query(el, '[data-testid="sign-in-reason"]');
    expect(box.getAttribute('role')).toBe('alert');
    expect(box.textContent).toContain('Sign-in did not complete');
    expect(box.textContent).toContain('weird_new_code');
  });

  it('shows no message on a plain visit', () => {
    expect(render({}).querySelector('[data-testid="sign-in-reason"]')).toBeNull();
    expect(describeSignInReason(null)).toBeNull();
  });
});
