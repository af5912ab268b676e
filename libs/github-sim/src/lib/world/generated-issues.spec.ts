import { createHash } from 'node:crypto';
import { closingReferences, issueTimeline } from './issue-timeline';
import { SimWorld } from './sim-world';
import type { SimDeployment } from './world.types';

const NOW = '2025-06-01T00:00:00Z';
const finalState = (d: SimDeployment) => d.statuses[d.statuses.length - 1];

describe('generated issues: assignees, incidents and the pull requests that closed them', () => {
  const w = new SimWorld({ preset: 'demo', seed: 7, now: NOW });
  const repos = [...w.repos.values()];

  it('keeps the data generated before assignees, incidents and closing pull requests as it was', () => {
    // The digest of this world's pull requests, issues, deployments, releases, stars, branches and labels as the
    // generator made them before these additions (new data comes from random streams of its own).
    const h = createHash('sha256');
    for (const r of repos) {
      const d = w.detail(r);
      h.update(
        JSON.stringify([
          d.pulls.map((p) => [
            p.id,
            p.number,
            p.title,
            p.state,
            p.mergedAt,
            p.mergeCommitSha,
            // A closed pull request's head moved onto commits of its own, later.
            p.state === 'open' ? p.headSha : null,
            p.labels,
            p.reviews.length,
          ]),
          d.issues
            .filter((i) => !i.labels.includes('incident'))
            .map((i) => [i.id, i.number, i.title, i.labels, i.createdAt, i.state, i.stateReason, i.authorId]),
          d.deployments.map((x) => [x.id, x.sha, x.createdAt, x.statuses.map((s) => s.state)]),
          d.releases.map((x) => [x.id, x.tagName, x.sha]),
          d.stars.length,
          [...d.branches.keys()],
          d.labels.filter((l) => l.name !== 'incident').map((l) => l.id),
        ]),
      );
    }
    expect(h.digest('hex')).toBe('0ffb4673b017de5db3ca2652495bbd7b6ff28eab4d6b5fa3cf6d1dc1d7a3c18f');
  });

  it('assigns zero to two people of the repository to each issue, the same ones for the same seed', () => {
    const again = new SimWorld({ preset: 'demo', seed: 7, now: NOW });
    const counts = new Set<number>();
    for (const r of repos) {
      for (const i of w.detail(r).issues) {
        const ids = i.assigneeIds ?? [];
        counts.add(ids.length);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(w.permissionOf(r, id)).not.toBeNull();
        // Each assignment is on the timeline, after the issue was opened.
        const assigned = issueTimeline(i).filter((e) => e.type === 'assigned');
        expect(assigned.map((e) => (e.type === 'assigned' ? e.assigneeId : 0))).toEqual(ids);
        for (const e of assigned) expect(e.at).toBeGreaterThanOrEqual(i.createdAt);
      }
      const twin = again.detail(again.repos.get(r.id) as typeof r);
      expect(twin.issues.map((i) => i.assigneeIds)).toEqual(w.detail(r).issues.map((i) => i.assigneeIds));
    }
    expect([...counts].sort()).toEqual([0, 1, 2]);
  });

  it('opens an incident minutes after each failed production deployment and closes it once the redeployment succeeded', () => {
    let incidents = 0;
    for (const r of repos) {
      const d = w.detail(r);
      const label = d.labels.find((l) => l.name === 'incident');
      expect(label).toMatchObject({ color: 'b60205', description: 'Something is broken in production' });
      const failed = d.deployments.filter(
        (x) => x.environment === 'production' && finalState(x)?.state === 'failure',
      );
      const opened = d.issues.filter((i) => i.labels.includes('incident'));
      expect(opened.length).toBe(failed.length);
      for (const [k, issue] of opened.entries()) {
        incidents++;
        const failure = failed[k] as SimDeployment;
        const failedAt = finalState(failure)?.createdAt ?? 0;
        expect(issue.createdAt - failedAt).toBeGreaterThanOrEqual(2 * 60_000);
        expect(issue.createdAt - failedAt).toBeLessThanOrEqual(15 * 60_000);
        expect(issue.body).toContain(failure.sha.slice(0, 7));
        expect(issue.assigneeIds).toHaveLength(1);
        const fix = d.deployments.find(
          (x) =>
            x.sha === failure.sha && x.createdAt > failure.createdAt && finalState(x)?.state === 'success',
        );
        if (!fix) {
          // Not redeployed yet (the redeployment would be after the world's present): still open.
          expect([issue.state, issue.closedAt]).toEqual(['open', null]);
          continue;
        }
        const fixedAt = finalState(fix)?.createdAt ?? 0;
        expect(issue.state).toBe('closed');
        expect(issue.stateReason).toBe('completed');
        expect(issue.closedAt).toBeGreaterThan(fixedAt);
        expect(issue.closedAt).toBeLessThanOrEqual(fixedAt + 30 * 60_000);
        // Numbered after everything generated before, in the order they were opened.
        expect(issue.number).toBeGreaterThan(d.pulls.length + d.issues.length - opened.length);
        if (k > 0) expect(issue.number).toBe((opened[k - 1]?.number ?? 0) + 1);
      }
    }
    expect(incidents).toBeGreaterThan(3);
    // Some are bugs as well.
    const all = repos.flatMap((r) => w.detail(r).issues.filter((i) => i.labels.includes('incident')));
    expect(all.some((i) => i.labels.includes('bug'))).toBe(true);
    expect(all.some((i) => !i.labels.includes('bug'))).toBe(true);
  });

  it('closes some issues by a merged pull request that says "Fixes #N", at the moment it was merged', () => {
    let linked = 0;
    for (const r of repos) {
      const d = w.detail(r);
      for (const issue of d.issues) {
        const closed = issueTimeline(issue).find((e) => e.type === 'closed');
        if (issue.state === 'closed') expect(closed?.at).toBe(issue.closedAt);
        if (closed?.type !== 'closed' || closed.closerPullId === undefined) continue;
        linked++;
        const pull = d.pulls.find((p) => p.id === closed.closerPullId);
        expect(pull?.mergedAt).toBe(issue.closedAt);
        expect(closingReferences(pull?.body ?? '')).toEqual([issue.number]);
        expect(pull?.mergedAt).toBeGreaterThan(issue.createdAt);
        expect(closed.actorId).toBe(pull?.mergedById);
        expect(issue.stateReason).toBe('completed');
      }
    }
    expect(linked).toBeGreaterThan(10);
  });

  it('reads closing keywords as GitHub does', () => {
    expect(closingReferences('Fixes #12, closes #3 and resolved: #7; see #9')).toEqual([12, 3, 7]);
    expect(closingReferences('Prefixes #4 and fixed#5')).toEqual([]);
  });
});
