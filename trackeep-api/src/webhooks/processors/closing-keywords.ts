/** GitHub's closing keywords: a merged pull request closes the issues its description names with one. */
const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:([\w.-]+\/[\w.-]+))?#(\d{1,9})\b/gi;

/** The numbers of the issues of `fullName` that `body` closes, in order, once each. */
export function closedIssueNumbers(body: string | null, fullName: string): number[] {
  if (!body) return [];
  const out = new Set<number>();
  for (const m of body.slice(0, 65_536).matchAll(CLOSING)) {
    if (m[1] && m[1].toLowerCase() !== fullName.toLowerCase()) continue;
    out.add(Number(m[2]));
  }
  return [...out];
}
