import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

/** Screenshots and logs of the browser tests (git-ignored). */
export const OUTPUT_DIR = resolve(__dirname, '../../../test-output/e2e');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** A log sink for the stack's processes: one file per run, kept for reading after a failure. */
export function stackLogFile(name: string): (source: string, line: string) => void {
  mkdirSync(join(OUTPUT_DIR, 'logs'), { recursive: true });
  const file = join(OUTPUT_DIR, 'logs', `${name}.log`);
  return (source, line) => appendFileSync(file, `[${source}] ${line}\n`);
}
