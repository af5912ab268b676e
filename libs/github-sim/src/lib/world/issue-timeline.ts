import type { SimIssue, SimIssueEvent, SimPull } from './world.types';

/** GitHub's closing keywords: "Fixes #12", "closes #3", "Resolved #7" in a pull request's body. */
const CLOSING_REFERENCE = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+#(\d+)\b/gi;

/** The issue numbers a pull request's body says it closes. */
export function closingReferences(body: string): number[] {
  const out = new Set<number>();
  for (const m of body.matchAll(CLOSING_REFERENCE)) out.add(Number(m[1]));
  return [...out];
}

/** The pull requests whose body says they close this issue, oldest first. */
export function closingPulls(pulls: readonly SimPull[], issue: SimIssue): SimPull[] {
  return pulls
    .filter((p) => closingReferences(p.body).includes(issue.number))
    .sort((a, b) => a.createdAt - b.createdAt || a.number - b.number);
}

/**
 * An issue's timeline, oldest first. World files saved before timelines existed have none stored: their
 * last close (a person's) is all that is known.
 */
export function issueTimeline(issue: SimIssue): SimIssueEvent[] {
  if (issue.timeline) return issue.timeline;
  if (issue.state !== 'closed' || issue.closedAt === null) return [];
  return [
    {
      type: 'closed',
      at: issue.closedAt,
      actorId: issue.authorId,
      stateReason: issue.stateReason === 'not_planned' ? 'not_planned' : 'completed',
    },
  ];
}

/**
 * Appends to the stored timeline. Call it before changing the issue's state: an older world file's timeline is
 * derived from the state, and is stored first.
 */
export function recordIssueEvent(issue: SimIssue, event: SimIssueEvent): void {
  issue.timeline = issueTimeline(issue);
  issue.timeline.push(event);
}
