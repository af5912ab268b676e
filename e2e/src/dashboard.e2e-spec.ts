import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Stack, startStack } from '@trackeep/stack';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { screenshot, stackLogFile } from './support/artifacts';
import { seriousA11yViolations } from './support/axe';
import { eventually, launchChromium, watchPageErrors } from './support/browser';

// One new user's walk through the product, in order: each step builds on the previous one (signed in,
// repository tracked, first sync done), as a person would use it.

const ROOT = resolve(__dirname, '../..');
/** How fast a change on GitHub must show up on an open page. */
const LIVE_BUDGET_MS = 2000;
/** The first sync of a demo repository (hundreds of commits and pulls) on a busy 2-core machine. */
const FIRST_SYNC_MS = 90_000;

interface DemoRepo {
  owner: string;
  name: string;
  fullName: string;
  openPull: number;
}

describe('Trackeep dashboard in a real browser', () => {
  let stateDir: string;
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let repo: DemoRepo;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'trackeep-e2e-'));
    // The embedded Postgres runs as the postgres OS user, which must be able to reach its data dir below.
    chmodSync(stateDir, 0o755);
    stack = await startStack({
      rootDir: ROOT,
      stateDir,
      sim: { preset: 'demo', seed: 7 },
      // The demo App's acme-corp installation stays installed but does not track for a new user, so the
      // journey starts on an empty list; the App step below turns auto-track on for another organization.
      env: { api: { GITHUB_APP_AUTO_TRACK: 'false' } },
      onLog: stackLogFile('dashboard'),
    });
    repo = pickDemoRepo(stack);
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      colorScheme: 'light',
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    pageErrors = watchPageErrors(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  /** Saves a screenshot and fails on serious or critical axe-core violations. */
  async function expectAccessible(name: string, on: Page = page): Promise<void> {
    await screenshot(on, name);
    expect({ page: name, violations: await seriousA11yViolations(on) }).toEqual({
      page: name,
      violations: [],
    });
  }

  const timeline = (on: Page) => on.locator('[data-event-id]');

  /** Ids of the timeline items on a page right now. */
  async function eventIds(on: Page, list: Locator = timeline(on)): Promise<string[]> {
    return list.evaluateAll((items) => items.map((li) => li.getAttribute('data-event-id') ?? ''));
  }

  it('sends a visitor to sign-in, then signs in through the simulated GitHub page', async () => {
    await page.goto(`${stack.apiUrl}/repos`);
    await page.getByRole('heading', { name: 'Sign in to Trackeep' }).waitFor();
    await expectAccessible('01-sign-in');

    await signInAsOctocat(page, `${stack.apiUrl}/repos`);
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    await page
      .getByRole('link', { name: /octocat/ })
      .first()
      .waitFor();
  });

  it('keeps the session and GitHub credentials out of reach of page scripts', async () => {
    const session = (await context.cookies()).find((c) => c.name.includes('session'));
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const seen = await page.evaluate(() => ({
      local: Object.entries(localStorage),
      session: Object.entries(sessionStorage),
      cookie: document.cookie,
    }));
    expect(seen.local).toEqual([]);
    expect(seen.session).toEqual([]);
    expect(seen.cookie).not.toContain(session?.value ?? 'no-session-cookie');
    expect(seen.cookie).not.toMatch(/session|token/i);
  });

  it('starts a new user on an empty list, then tracks a repository from all accessible ones', async () => {
    await page.getByText('You are not tracking any repository yet').waitFor();
    await expectAccessible('02-repos-empty');

    await page.getByRole('button', { name: 'Browse your repositories' }).click();
    await page.waitForURL(/tab=all/);
    const rows = page.locator('li.row');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(5);
    await expectAccessible('03-repos-all');

    await page.getByRole('searchbox', { name: 'Search' }).fill(repo.name);
    await page.waitForURL(new RegExp(`q=${repo.name}`));
    const names = await page.locator('li.row .name').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.toLowerCase().includes(repo.name.toLowerCase()))).toBe(true);

    const toggle = page.getByRole('switch', { name: `Track ${repo.fullName}` });
    await toggle.click();
    await eventually(
      'the track switch to be on',
      async () => (await toggle.getAttribute('aria-checked')) === 'true',
    );
    await page.getByText(`Now tracking ${repo.fullName}`).waitFor();

    await page.getByRole('tab', { name: /Tracked/ }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    const card = page.locator('trk-tracked-repo-card', { hasText: repo.fullName });
    await card.waitFor();
    await expectAccessible('04-repos-tracked');
  });

  it('opens the repository page with counters, sparklines and charts, updated when the first sync ends', async () => {
    await page.locator('trk-tracked-repo-card').getByRole('link', { name: repo.fullName }).click();
    await page.waitForURL(`${stack.apiUrl}/repos/${repo.owner}/${repo.name}`);
    await page.getByRole('heading', { level: 1, name: repo.fullName }).waitFor();
    await page.getByTestId('counter-stars').waitFor();
    expect(Number((await page.getByTestId('counter-forks').textContent())?.trim())).toBeGreaterThanOrEqual(0);

    // The header changes live (repo_changed) when the first sync finishes; no reload needed.
    await page.locator('trk-sync-chip', { hasText: /^\s*Synced\s*$/ }).waitFor({ timeout: FIRST_SYNC_MS });
    await eventually(
      'both charts to be drawn',
      async () => (await page.locator('trk-chart[data-state="ready"]').count()) === 2,
    );
    const weekly = page.locator('trk-chart', { hasText: 'Commits per week' });
    await weekly.locator('summary', { hasText: 'Data table' }).click();
    const counts = (await weekly.locator('tbody td').allTextContents()).map(Number);
    expect(counts.some((n) => n > 0)).toBe(true);
    await expectAccessible('05-repo-overview');
  });

  it('browses the commit history, filters it by message text, and opens a commit', async () => {
    await page.getByRole('tab', { name: 'Commits' }).click();
    await page.waitForURL(/\/commits/);
    const commits = page.locator('li.commit');
    await commits.first().waitFor();
    expect(await commits.count()).toBeGreaterThan(5);
    await expectAccessible('06-commits');

    const firstMessage = (await commits.first().locator('.message').textContent())?.trim() ?? '';
    const word = firstMessage.split(/\s+/).find((w) => w.length > 3) ?? firstMessage;
    await page.getByRole('searchbox', { name: 'Message contains' }).fill(word);
    await page.waitForURL(new RegExp(`q=${encodeURIComponent(word)}`));
    // The API searches whole messages; the list shows first lines, so some rows match in the body only.
    await eventually('commits filtered by message', async () => {
      const messages = await commits.locator('.message').allTextContents();
      const count = (await page.locator('p.count').textContent()) ?? '';
      return (
        /commits matching/.test(count) &&
        messages.length > 0 &&
        (messages[0] ?? '').toLowerCase().includes(word.toLowerCase())
      );
    });

    await commits.first().getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const github = dialog.getByRole('link', { name: /View on GitHub/ });
    expect(await github.getAttribute('href')).toContain(`/${repo.owner}/${repo.name}/commit/`);
    await expectAccessible('07-commit-detail');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('lists pull requests by state with review counts, cycle times and the median cycle time chart', async () => {
    await page.getByRole('tab', { name: 'Pull requests' }).click();
    await page.waitForURL(/\/pulls/);
    await page.locator('li.pull').first().waitFor();
    expect(await page.locator('li.pull[data-state="open"]').count()).toBe(
      await page.locator('li.pull').count(),
    );

    await page.getByRole('tab', { name: 'Merged', exact: true }).click();
    await page.waitForURL(/state=merged/);
    await eventually('merged pull requests', async () => {
      const states = await page
        .locator('li.pull')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-state')));
      return states.length > 0 && states.every((s) => s === 'merged');
    });
    expect(await page.locator('li.pull').first().textContent()).toMatch(/Cycle time/);
    expect((await page.getByTestId('median-cycle-time').textContent())?.trim()).toMatch(/\d/);
    await page.locator('trk-chart[data-state="ready"]').waitFor();
    await expectAccessible('08-pulls');
  });

  it('lists branches with their head commit, protection and how far each is from the default branch', async () => {
    await page.getByRole('tab', { name: 'Branches' }).click();
    await page.waitForURL(/\/branches/);
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.first().textContent()).toContain('default');
    // The open pull request's branch, compared by the first sync.
    expect(await page.locator('tbody').textContent()).toMatch(/\d+ ahead, \d+ behind/);
    await expectAccessible('09-branches');
  });

  it('shows delivery: a deployment made on GitHub changes the four keys live, then the merges rule counts', async () => {
    await page.getByRole('tab', { name: 'Delivery' }).click();
    await page.waitForURL(/\/delivery/);
    // The default rule: GitHub deployments to production (the demo world has some, or none yet).
    const frequency = page.locator('.cards li', { hasText: 'Deployment frequency' });
    await frequency.waitFor();
    const counted = async () =>
      Number(/(\d+) deployments?/.exec((await frequency.textContent()) ?? '')?.[1] ?? NaN);
    const before = await counted();
    expect(before).toBeGreaterThanOrEqual(0);
    await expectAccessible('10-delivery');

    const sim = requireSim(stack);
    const simRepo = sim.world.requireRepo({ owner: repo.owner, repo: repo.name });
    const deployment = await sim.world.deploy({
      owner: repo.owner,
      repo: repo.name,
      ref: simRepo.defaultBranch,
      environment: 'production',
      sender: 'octocat',
    });
    // The deployment_status webhook reaches the API, the page hears it and refreshes in place.
    await eventually(
      'the new production deployment counted on the open page',
      async () => (await counted()) === before + 1,
    );
    expect(await page.locator('.notice', { hasText: 'No deployments' }).count()).toBe(0);
    expect(await frequency.textContent()).toMatch(/\/ week/);
    // Listed by name twice: in the drill-down and among the rule's last deployments.
    const listed = page.locator('th[scope="row"]', { hasText: `production deployment ${deployment.id}` });
    await listed.first().waitFor();
    expect(await listed.count()).toBe(2);
    await expectAccessible('10-delivery-deployed');

    await page.locator('form.period select').selectOption('quarter');
    await page.waitForURL(/period=quarter/);
    await page.locator('trk-rule-form select').selectOption('merges');
    await page.getByRole('button', { name: 'Save for this repository' }).click();
    await page.getByText('Every merge into the default branch').first().waitFor();
    await eventually('the four keys measured under the merges rule', async () => {
      const first = (await page.locator('.cards li').first().textContent()) ?? '';
      return (await page.locator('.notice').count()) === 0 && /\/ week/.test(first);
    });
    await page.locator('trk-chart[data-state="ready"]').first().waitFor();
    await expectAccessible('11-delivery-measured');
  });

  it('shows a push and a pull request merge live, within 2 s, on the timeline and the repository page', async () => {
    await mainNav(page, 'Activity').click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await page.locator('[data-testid="timeline"], trk-empty-state').first().waitFor();
    await page.getByText('Live: new events appear at the top').waitFor();
    await expectAccessible('10-activity');

    const repoPage = await context.newPage();
    const repoPageErrors = watchPageErrors(repoPage);
    await repoPage.goto(`${stack.apiUrl}/repos/${repo.owner}/${repo.name}`);
    await repoPage.getByRole('heading', { name: 'Recent activity' }).waitFor();
    await repoPage.locator('.timeline, trk-empty-state').first().waitFor();
    await repoPage.getByText('Live', { exact: true }).waitFor();

    const sim = requireSim(stack);
    const seenTimeline = new Set(await eventIds(page));
    const seenRepo = new Set(await eventIds(repoPage, repoPage.locator('.timeline li')));

    let started = Date.now();
    await sim.world.pushCommits({
      owner: repo.owner,
      repo: repo.name,
      sender: 'octocat',
      commits: [{ message: 'e2e: live push one' }, { message: 'e2e: live push two' }],
    });
    await expectNewTopEvent(timeline(page), seenTimeline, 'push', started);
    await expectNewTopEvent(repoPage.locator('.timeline li'), seenRepo, 'push', started);
    await screenshot(page, '11-activity-live-push');

    for (const id of await eventIds(page)) seenTimeline.add(id);
    for (const id of await eventIds(repoPage, repoPage.locator('.timeline li'))) seenRepo.add(id);
    started = Date.now();
    await sim.world.mergePull({
      owner: repo.owner,
      repo: repo.name,
      number: repo.openPull,
      sender: 'octocat',
    });
    await expectNewTopEvent(timeline(page), seenTimeline, 'pr_merged', started);
    await expectNewTopEvent(repoPage.locator('.timeline li'), seenRepo, 'pr_merged', started);
    await screenshot(page, '12-activity-live-merge');
    await screenshot(repoPage, '13-repo-live');

    // The commits tab shows the pushed commits too, without a reload.
    await repoPage.getByRole('tab', { name: 'Commits' }).click();
    await repoPage.locator('li.commit', { hasText: 'e2e: live push two' }).waitFor({ timeout: 10_000 });
    await repoPage.close();
    expect(repoPageErrors).toEqual([]);
  });

  it('shows sync status with rate limits and recent runs, and syncs a repository on request', async () => {
    await mainNav(page, 'Sync').click();
    await page.getByRole('heading', { level: 1, name: 'Sync' }).waitFor();
    const row = page.locator(`li.repo-row[data-repo="${repo.fullName}"]`);
    await row.waitFor();
    await page
      .getByText(/REST requests|GraphQL points/)
      .first()
      .waitFor();
    await page.locator('table tbody tr').first().waitFor();
    expect(await page.locator('table tbody tr').first().textContent()).toContain(repo.fullName);
    await expectAccessible('14-sync');

    const runsBefore = await page.locator('table tbody tr').count();
    await page.getByRole('button', { name: `Sync now ${repo.fullName}` }).click();
    await page.getByText(`Sync of ${repo.fullName} queued.`).waitFor();
    await eventually(
      'a new sync run in the list',
      async () => (await page.locator('table tbody tr').count()) > runsBefore,
      60_000,
    );
  });

  it('follows a force-push: after the sync, the branch lists only the commits GitHub still has on it', async () => {
    const sim = requireSim(stack);
    const simRepo = sim.world.requireRepo({ owner: repo.owner, repo: repo.name });
    const branch = 'e2e/rebased';
    const ref = { owner: repo.owner, repo: repo.name, branch, sender: 'octocat' };
    // The sync asked for by the test before must be over: this one follows the webhook, then a sync of its own.
    await eventually('no sync of the repository running', async () => {
      const res = await context.request.get(`${stack.apiUrl}/api/v1/sync/status`);
      const status = (await res.json()) as { repos: Array<{ repoFullName: string; running: boolean }> };
      return status.repos.some((r) => r.repoFullName === repo.fullName && !r.running);
    });
    await sim.world.createBranch({ ...ref });
    const old = await sim.world.pushCommits({ ...ref, commits: 2 });
    const listed = async () => {
      const res = await context.request.get(
        `${stack.apiUrl}/api/v1/repos/${repo.owner}/${repo.name}/commits?branch=${encodeURIComponent(branch)}`,
      );
      return ((await res.json()) as { items: Array<{ sha: string }> }).items.map((c) => c.sha).sort();
    };
    // The push webhook lists them at once.
    await eventually('the pushed commits on the branch', async () => (await listed()).length === 2);

    const rebased = await sim.world.pushCommits({
      ...ref,
      commits: 1,
      force: true,
      onto: simRepo.defaultBranch,
    });
    // The forced push's webhook adds the new commit; only the sync can tell which ones the branch lost.
    await eventually('the new commit listed too', async () => (await listed()).includes(rebased.after));
    const synced = await context.request.post(
      `${stack.apiUrl}/api/v1/repos/${repo.owner}/${repo.name}/sync`,
      {
        headers: { 'X-Trackeep-CSRF': '1' },
      },
    );
    expect(synced.status()).toBe(202);
    await eventually(
      'the replaced commits gone from the branch',
      async () => (await listed()).join() === [...rebased.shas].sort().join(),
      60_000,
    );
    expect((await listed()).some((sha) => old.shas.includes(sha))).toBe(false);
  });

  it('shows the profile and the webhook health of the tracked repository in settings', async () => {
    await mainNav(page, 'Settings').click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect(await page.getByTestId('profile-login').textContent()).toBe('octocat');
    await page.locator('tr', { hasText: repo.fullName }).locator('trk-webhook-chip').waitFor();
    await expectAccessible('15-settings');
  });

  it('works at phone width and in dark mode without sideways scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 812 },
      colorScheme: 'dark',
      reducedMotion: 'reduce',
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    for (const [path, name] of [
      ['/repos', '16-phone-dark-repos'],
      [`/repos/${repo.owner}/${repo.name}/pulls`, '17-phone-dark-pulls'],
      ['/activity', '18-phone-dark-activity'],
      [`/repos/${repo.owner}/${repo.name}/delivery`, '18-phone-dark-delivery'],
    ] as const) {
      await small.goto(`${stack.apiUrl}${path}`);
      await small.getByRole('heading', { level: 1 }).waitFor();
      await small.waitForLoadState('networkidle').catch(() => undefined);
      const overflow = await small.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect({ path, fitsWidth: overflow <= 0 }).toEqual({ path, fitsWidth: true });
      expect({ path, narrowHeaders: await narrowHeaders(small) }).toEqual({ path, narrowHeaders: [] });
      await expectAccessible(name, small);
    }
    await phone.close();
  });

  it('can be used from the keyboard: skip link first, visible focus, focus moves to the new page', async () => {
    await page.goto(`${stack.apiUrl}/repos`);
    await page.getByRole('heading', { level: 1, name: 'Repositories' }).waitFor();
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { text: el.textContent?.trim(), outline: style.outlineStyle, width: style.outlineWidth };
    });
    expect(skip).toMatchObject({ text: 'Skip to content', outline: 'solid' });
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    await mainNav(page, 'Activity').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/activity/);
    await eventually('focus on the new page heading', async () =>
      page.evaluate(
        () =>
          document.activeElement?.textContent?.trim() === 'Activity' &&
          document.activeElement.tagName === 'H1',
      ),
    );
  });

  it('lets an administrator install the GitHub App on an organization, auto-track it, and see a new repository arrive', async () => {
    const org = 'octo-labs';
    const sim = requireSim(stack);
    await mainNav(page, 'Installations').click();
    await page.getByRole('heading', { level: 1, name: 'Installations' }).waitFor();
    // The demo App is already installed on acme-corp.
    await page.locator('tr[data-installation="acme-corp"]').waitFor();
    await expectAccessible('16-installations');

    // GitHub's install page (the simulator's), then back to Trackeep through the App's setup URL.
    await page.getByTestId('install-on-github').click();
    await page.waitForURL(/\/apps\/[^/]+\/installations\/new/);
    await page.locator(`button[data-account="${org}"]`).click();
    await page.waitForURL(/\/installations\?installation_id=\d+&setup_action=install/);
    const row = page.locator(`tr[data-installation="${org}"]`);
    await eventually(
      `the ${org} installation on the page`,
      async () => {
        if (await row.count()) return true;
        await page.getByRole('button', { name: 'Refresh from GitHub' }).click();
        return false;
      },
      30_000,
      1_000,
    );
    const toggle = row.getByTestId('auto-track').getByRole('switch');
    await toggle.click();
    await eventually(
      'auto-track to be on',
      async () => (await toggle.getAttribute('aria-checked')) === 'true',
    );

    // A repository created on GitHub in that organization comes to the dashboard by itself.
    const created = await sim.world.createRepo({ owner: org, name: 'e2e-new-service', sender: 'octocat' });
    const fullName = sim.world.fullName(created);
    await page.goto(`${stack.apiUrl}/repos`);
    const card = page.locator('trk-tracked-repo-card', { hasText: fullName });
    await eventually(
      `${fullName} on the repository list`,
      async () => {
        await page.getByRole('heading', { level: 1, name: 'Repositories' }).waitFor();
        if (await card.count()) return true;
        await page.reload();
        return false;
      },
      60_000,
      2_000,
    );
  });

  it('shows an organization and a team page, switching teams, with data tables and the team timeline', async () => {
    const org = 'acme-corp';
    const world = requireSim(stack).world;
    const orgRepo = [...world.repos.values()].find(
      (r) => world.ownerLogin(r) === org && !r.deleted && !r.archived && !r.fork,
    );
    if (!orgRepo) throw new Error(`The demo world has no ${org} repository`);
    // Tracking one of its repositories has the organization's teams read at once (asked through the browser
    // context's cookies, off the page, so the 404s while the read runs do not count as page errors).
    const tracked = await context.request.post(`${stack.apiUrl}/api/v1/repos/${org}/${orgRepo.name}/track`, {
      headers: { 'X-Trackeep-CSRF': '1' },
    });
    expect([200, 201]).toContain(tracked.status());
    await eventually(
      `the ${org} teams read from GitHub`,
      async () => {
        const res = await context.request.get(`${stack.apiUrl}/api/v1/orgs/${org}`);
        return res.ok() && ((await res.json()) as { teams: unknown[] }).teams.length > 1;
      },
      60_000,
      1_000,
    );
    // The organizations page lists it; its link opens the organization's page.
    await page.goto(`${stack.apiUrl}/orgs`);
    await page.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor();
    await page.locator(`h2 a[href="/orgs/${org}"]`).waitFor();
    await expectAccessible('18-organizations');
    await page.locator(`h2 a[href="/orgs/${org}"]`).click();
    await page.waitForURL(new RegExp(`/orgs/${org}$`));
    const teams = page.locator('trk-teams-page ul.teams a');
    await teams.first().waitFor();
    expect(await page.locator('trk-chart details table').count()).toBeGreaterThan(0);
    await expectAccessible('19-organization');

    const [first, second] = await teams.evaluateAll((links) =>
      links
        .slice(0, 2)
        .map((a) => ({ name: a.textContent?.trim() ?? '', href: a.getAttribute('href') ?? '' })),
    );
    if (!first || !second) throw new Error(`${org} has fewer than two teams in the demo world`);
    await page.locator(`ul.teams a[href="${first.href}"]`).click();
    await page.getByRole('heading', { level: 1, name: first.name }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Activity' }).waitFor();
    expect(await page.locator('trk-chart details table').count()).toBeGreaterThan(0);
    await expectAccessible('20-team');
    // The team switcher in the navigation goes to the other team.
    const secondSlug = second.href.split('/').pop() ?? '';
    await page.locator('.team-switcher select').selectOption(`${org}/${secondSlug}`);
    await page.waitForURL(new RegExp(`/orgs/${org}/teams/${secondSlug}`));
    await page.getByRole('heading', { level: 1, name: second.name }).waitFor();

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      reducedMotion: 'reduce',
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    await small.goto(`${stack.apiUrl}${first.href}`);
    await small.getByRole('heading', { level: 1, name: first.name }).waitFor();
    await small.waitForLoadState('networkidle').catch(() => undefined);
    const overflow = await small.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await narrowHeaders(small)).toEqual([]);
    await expectAccessible('21-phone-dark-team', small);
    await phone.close();
  });

  it('signs out, revoking GitHub access, and then asks to sign in again', async () => {
    await mainNav(page, 'Settings').click();
    await page.getByRole('checkbox', { name: /revoke Trackeep's access/ }).check();
    await page.getByRole('button', { name: 'Sign out and revoke access' }).click();
    await page.waitForURL(/\/sign-in\?reason=signed_out/);
    await page.getByText('You are signed out').waitFor();
    expect((await context.cookies()).filter((c) => c.name.includes('session'))).toEqual([]);

    await page.goto(`${stack.apiUrl}/activity`);
    await page.waitForURL(/\/sign-in\?returnTo=%2Factivity/);
    await page.getByRole('link', { name: 'Connect GitHub' }).waitFor();
  });

  it('takes the user to sign-in with the reason when the session ends while a page is open', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const tab = await other.newPage();
    await tab.goto(`${stack.apiUrl}/sync`);
    await signInAsOctocat(tab, `${stack.apiUrl}/sync`);
    await tab.getByRole('heading', { level: 1, name: 'Sync' }).waitFor();

    await other.clearCookies();
    await tab.getByRole('button', { name: 'Sync all now' }).click();
    await tab.waitForURL(/\/sign-in\?reason=session_missing&returnTo=%2Fsync/);
    await tab.getByTestId('sign-in-reason').waitFor();
    expect(await tab.getByTestId('sign-in-reason').textContent()).toContain('session_missing');
    await screenshot(tab, '19-session-ended');
    await other.close();
  });

  it('ran every page without uncaught errors', () => {
    // 401s are expected (the signed-out probe of /auth/me); anything else is a bug.
    expect(pageErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});

/**
 * The real OAuth round trip: API -> gateway -> simulated GitHub sign-in page -> gateway -> API -> `landing`.
 * Five redirects and two token exchanges; generous timeouts because the test machine is shared.
 */
async function signInAsOctocat(page: Page, landing: string): Promise<void> {
  await page.getByRole('link', { name: 'Connect GitHub' }).click();
  await page.locator('button[data-login="octocat"]').click({ timeout: 60_000, noWaitAfter: true });
  await page.waitForURL(landing, { timeout: 60_000 });
}

/**
 * Table headers squeezed narrower than a short word: a table that should scroll sideways on a phone is wrapping
 * its names a letter or two per line instead.
 */
async function narrowHeaders(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('th'))
      .map((th) => ({ text: th.textContent?.trim() ?? '', width: th.getBoundingClientRect().width }))
      .filter((h) => h.width > 0 && h.width < 48)
      .map((h) => `${h.text} (${Math.round(h.width)} px)`),
  );
}

function mainNav(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

/** An octocat repository with an open pull request, so the test can merge it. */
function pickDemoRepo(stack: Stack): DemoRepo {
  const world = requireSim(stack).world;
  for (const r of world.repos.values()) {
    if (world.ownerLogin(r) !== 'octocat' || r.deleted || r.archived || r.fork) continue;
    const open = world.detail(r).pulls.find((p) => p.state === 'open' && !p.draft);
    if (open) return { owner: 'octocat', name: r.name, fullName: `octocat/${r.name}`, openPull: open.number };
  }
  throw new Error('The demo world has no octocat repository with an open pull request');
}

function requireSim(stack: Stack): NonNullable<Stack['sim']> {
  if (!stack.sim) throw new Error('The e2e stack runs with the GitHub simulator');
  return stack.sim;
}

/**
 * Polls `list` until a new item of `type` is among the new items at its top (highlighted as fresh), no
 * later than LIVE_BUDGET_MS after `started`. One action can emit several webhooks (a merge is a push
 * and a pull_request), and GitHub does not order deliveries, so the wanted item need not be first.
 */
async function expectNewTopEvent(
  list: Locator,
  seen: Set<string>,
  type: string,
  started: number,
): Promise<void> {
  let fresh: { id: string | null; type: string | null; fresh: boolean }[] = [];
  let found: (typeof fresh)[number] | undefined;
  while (Date.now() - started <= LIVE_BUDGET_MS) {
    const items = await list.evaluateAll((lis) =>
      lis.slice(0, 10).map((li) => ({
        id: li.getAttribute('data-event-id'),
        type: li.querySelector('.type')?.getAttribute('data-type') ?? null,
        fresh: li.classList.contains('fresh'),
      })),
    );
    const firstSeen = items.findIndex((i) => i.id !== null && seen.has(i.id));
    fresh = firstSeen === -1 ? items : items.slice(0, firstSeen);
    found = fresh.find((i) => i.id !== null && i.type === type);
    if (found) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect({ elapsedWithinBudget: Date.now() - started <= LIVE_BUDGET_MS, found, newAtTop: fresh }).toEqual({
    elapsedWithinBudget: true,
    found: expect.objectContaining({ type, fresh: true }),
    newAtTop: expect.any(Array),
  });
}
