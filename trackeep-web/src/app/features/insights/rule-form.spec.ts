import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { DEFAULT_INSIGHTS_SETTINGS } from '@trackeep/contracts';
import { formOf, settingsOf } from './rule-form';
import { RuleFormComponent } from './rule-form.component';

describe('deployment rule form', () => {
  it('turns the fields into settings, lists split on commas', () => {
    const form = {
      ...formOf(DEFAULT_INSIGHTS_SETTINGS),
      environments: ' production, eu-prod ,',
      labels: 'incident, sev1',
    };
    expect(settingsOf(form)).toEqual({
      deployment: { kind: 'deployments', environments: ['production', 'eu-prod'] },
      incidents: { labels: ['incident', 'sev1'], reverts: true, failedDeployments: true },
    });
    expect(settingsOf({ ...form, kind: 'tags', pattern: ' v* ' }).deployment).toEqual({
      kind: 'tags',
      pattern: 'v*',
    });
    expect(settingsOf({ ...form, kind: 'merges' }).deployment).toEqual({ kind: 'merges' });
    expect(
      formOf({ ...DEFAULT_INSIGHTS_SETTINGS, deployment: { kind: 'workflow', workflowName: 'Deploy' } }),
    ).toMatchObject({
      kind: 'workflow',
      workflowName: 'Deploy',
    });
  });

  it("saves through the API and shows the API's reason when it refuses", async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    const backend = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(RuleFormComponent);
    fixture.componentRef.setInput('target', { kind: 'repo', owner: 'acme', name: 'app' });
    fixture.componentRef.setInput('effective', DEFAULT_INSIGHTS_SETTINGS);
    fixture.componentRef.setInput('own', false);
    let saved = 0;
    fixture.componentInstance.saved.subscribe(() => saved++);
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    const select = el.querySelector('select') as HTMLSelectElement;
    select.value = 'merges';
    select.dispatchEvent(new Event('change'));
    fixture.detectChanges();
    (el.querySelector('button[type=submit]') as HTMLButtonElement).click();
    const put = backend.expectOne('/api/v1/repos/acme/app/insights/settings');
    expect(put.request.method).toBe('PUT');
    expect(put.request.body.deployment).toEqual({ kind: 'merges' });
    put.flush(
      {
        statusCode: 403,
        error: 'Forbidden',
        message: 'takes the maintain or admin permission',
        code: 'permission_denied',
      },
      { status: 403, statusText: 'Forbidden' },
    );
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('maintain or admin');
    expect(saved).toBe(0);
    backend.verify();
  });

  it("saves an organization's default and drops it back to the built-in one", async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    const backend = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(RuleFormComponent);
    fixture.componentRef.setInput('target', { kind: 'org', org: 'acme' });
    fixture.componentRef.setInput('effective', DEFAULT_INSIGHTS_SETTINGS);
    fixture.componentRef.setInput('own', true);
    let saved = 0;
    fixture.componentInstance.saved.subscribe(() => saved++);
    fixture.detectChanges();
    const buttons = [...(fixture.nativeElement as HTMLElement).querySelectorAll('button')];
    expect(buttons.map((b) => b.textContent?.trim())).toEqual([
      'Save as the organization default',
      'Use the built-in default',
    ]);
    buttons[1]!.click();
    const del = backend.expectOne('/api/v1/orgs/acme/insights/settings');
    expect(del.request.method).toBe('DELETE');
    del.flush({ effective: DEFAULT_INSIGHTS_SETTINGS, source: 'default' });
    await fixture.whenStable();
    expect(saved).toBe(1);
    backend.verify();
  });
});
