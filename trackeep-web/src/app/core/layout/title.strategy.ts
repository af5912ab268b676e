import { Injectable, inject } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { type RouterStateSnapshot, TitleStrategy } from '@angular/router';

/**
 * "Commits · acme/widgets · Trackeep": every title along the active route, most specific first, so browser
 * tabs and screen readers say what changed.
 */
@Injectable()
export class TrackeepTitleStrategy extends TitleStrategy {
  private readonly title = inject(Title);

  override updateTitle(snapshot: RouterStateSnapshot): void {
    this.title.setTitle(pageTitle(snapshot));
  }
}

export function pageTitle(snapshot: RouterStateSnapshot): string {
  const parts: string[] = [];
  for (let route = snapshot.root.firstChild; route; route = route.firstChild) {
    if (route.title && parts[0] !== route.title) parts.unshift(route.title);
  }
  return [...parts, 'Trackeep'].join(' · ');
}
