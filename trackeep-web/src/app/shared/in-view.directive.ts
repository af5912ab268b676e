import { DestroyRef, Directive, ElementRef, afterNextRender, inject, input, output } from '@angular/core';

/** Emits when the element scrolls into (or near) view: the trigger for infinite lists. */
@Directive({ selector: '[trkInView]' })
export class InViewDirective {
  /** How far ahead of the viewport to fire, as a CSS margin. */
  readonly inViewMargin = input('400px');
  readonly trkInView = output<void>();

  constructor() {
    const el = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    let observer: IntersectionObserver | null = null;
    afterNextRender(() => {
      if (typeof IntersectionObserver === 'undefined') return;
      observer = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) this.trkInView.emit();
        },
        { rootMargin: this.inViewMargin() },
      );
      observer.observe(el);
    });
    inject(DestroyRef).onDestroy(() => observer?.disconnect());
  }
}
