import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Clock } from './clock.service';
import { RelativeTimeComponent } from './relative-time.component';
import { sparklinePoints } from './sparkline.component';

@Component({
  selector: 'trk-host',
  imports: [RelativeTimeComponent],
  template: `<trk-time [at]="at()" emptyText="not yet" />`,
})
class HostComponent {
  readonly at = signal<string | null>('2026-03-10T11:58:00Z');
}

describe(RelativeTimeComponent.name, () => {
  const now = signal(Date.parse('2026-03-10T12:00:00Z'));

  beforeEach(() => TestBed.configureTestingModule({ providers: [{ provide: Clock, useValue: { now } }] }));

  it('shows a relative time with the exact time on hover and for machines', async () => {
    const fixture = TestBed.createComponent(HostComponent);
    await fixture.whenStable();
    const time: HTMLTimeElement = fixture.nativeElement.querySelector('time');
    expect(time.textContent).toBe('2 minutes ago');
    expect(time.getAttribute('datetime')).toBe('2026-03-10T11:58:00Z');
    expect(time.title).toMatch(/Mar 10, 2026/);
  });

  it('keeps counting as the shared clock ticks', async () => {
    const fixture = TestBed.createComponent(HostComponent);
    await fixture.whenStable();
    now.set(Date.parse('2026-03-10T15:00:00Z'));
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('time').textContent).toBe('3 hours ago');
  });

  it('shows the empty text when there is no time', async () => {
    const fixture = TestBed.createComponent(HostComponent);
    fixture.componentInstance.at.set(null);
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent.trim()).toBe('not yet');
  });
});

describe(sparklinePoints.name, () => {
  it('scales values into the box, highest at the top', () => {
    expect(sparklinePoints([0, 10], 104, 24)).toBe('2.0,22.0 102.0,2.0');
  });

  it('draws a flat series in the middle and nothing for fewer than two points', () => {
    expect(sparklinePoints([5, 5, 5], 104, 24)).toBe('2.0,12.0 52.0,12.0 102.0,12.0');
    expect(sparklinePoints([5], 104, 24)).toBeNull();
  });
});
