import type { RouterTestingHarness } from '@angular/router/testing';

/** The one element matching `selector`; fails the test with a clear message when it is missing. */
export function query<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`No element matches ${selector}`);
  return found;
}

/** The button whose text is (or contains, for a RegExp) `name`. */
export function buttonNamed(root: ParentNode, name: string | RegExp): HTMLButtonElement {
  const button = [...root.querySelectorAll('button')].find((b) => {
    const text = b.textContent?.trim() ?? '';
    return typeof name === 'string' ? text === name : name.test(text);
  });
  if (!button) throw new Error(`No button named ${String(name)}`);
  return button;
}

/** The element of the routed component. */
export function routeEl(harness: RouterTestingHarness): HTMLElement {
  const root = harness.routeNativeElement;
  if (!root) throw new Error('Nothing is routed');
  return root;
}
