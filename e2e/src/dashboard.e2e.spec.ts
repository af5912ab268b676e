import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Stack, startStack } from '@trackeep/stack';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { screenshot, stackLogFile } from './support/artifacts';
import { seriousA11yViolations } from './support/axe';
import { eventually, launchChromium, watchPageErrors } from './support/browser';

const ROOT = resolve(__dirname, '../..');

describe('Trackeep dashboard in a real browser', () => {
  let stateDir: string;
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'trackeep-e2e-'));
    // The embedded Postgres runs as the postgres OS user, which must be able to reach its data dir below.
    chmodSync(stateDir, 0o755);
    stack = await startStack({ rootDir: ROOT, stateDir, sim: { preset: 'demo', seed: 7 }, onLog: stackLogFile('dashboard') });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light', reducedMotion: 'reduce' });
    page = await context.newPage();
    pageErrors = watchPageErrors(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  async function expectAccessible(name: string): Promise<void> {
    await screenshot(page, name);
    expect({ page: name, violations: await seriousA11yViolations(page) }).toEqual({ page: name, violations: [] });
  }

  it('sends a visitor to sign-in, then signs in through the simulated GitHub page', async () => {
    await page.goto(`${stack.apiUrl}/repos`);
    await page.getByRole('heading', { name: 'Sign in to Trackeep' }).waitFor();
    await expectAccessible('01-sign-in');

    await page.getByRole('link', { name: 'Connect GitHub' }).click();
    await page.locator('button[data-login="octocat"]').click();
    await page.waitForURL(`${stack.apiUrl}/repos`);
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
  });
});
