import { sign } from '@octokit/webhooks-methods';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

// Realistic deliveries: GitHub's own example payloads (@octokit/webhooks-examples) for a push to a branch and
// a pull_request, varied so each variant is a new happening (new head sha, newer PR state), signed once.
const EXAMPLES = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

export interface SignedVariant {
  event: 'push' | 'pull_request';
  body: string;
  signature: string;
  /** For push variants: the head sha, which names the timeline entry (push:<sha>). */
  after?: string;
}

function example(event: string, match: (p: Record<string, unknown>) => boolean): Record<string, unknown> {
  const found = EXAMPLES.find((g) => g.name === event)?.examples.find(match);
  if (!found) throw new Error(`no ${event} example`);
  return found;
}

const PUSH = example(
  'push',
  (p) =>
    String(p['ref']).startsWith('refs/heads/') &&
    Array.isArray(p['commits']) &&
    (p['commits'] as unknown[]).length > 0,
);
const PULL = example('pull_request', (p) => p['action'] === 'synchronize');

/** The repository the examples are about (Codertocat/Hello-World); the benchmark tracks it. */
export const EXAMPLE_REPO = {
  githubId: (PUSH['repository'] as { id: number }).id,
  fullName: (PUSH['repository'] as { full_name: string }).full_name,
};

export function pushVariant(i: number): { payload: Record<string, unknown>; after: string } {
  const payload = structuredClone(PUSH);
  const after = randomBytes(20).toString('hex');
  const commits = (payload['commits'] as Array<Record<string, unknown>>).map((c, k) => ({
    ...c,
    id: k === 0 ? after : randomBytes(20).toString('hex'),
    timestamp: new Date().toISOString(),
  }));
  payload['after'] = after;
  payload['commits'] = commits;
  payload['head_commit'] = commits[0];
  payload['ref'] = `refs/heads/bench-${i % 20}`;
  (payload['repository'] as Record<string, unknown>)['pushed_at'] = Math.floor(Date.now() / 1000);
  return { payload, after };
}

export function pullVariant(i: number): Record<string, unknown> {
  const payload = structuredClone(PULL);
  const pr = payload['pull_request'] as Record<string, unknown>;
  pr['number'] = 1 + (i % 200);
  pr['updated_at'] = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  pr['title'] = `Bench PR ${i}`;
  payload['number'] = pr['number'];
  return payload;
}

/** `n` signed variants, two pushes for each pull_request (CI-heavy traffic). */
export async function signedVariants(secret: string, n: number): Promise<SignedVariant[]> {
  const out: SignedVariant[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 3 === 2) {
      const body = JSON.stringify(pullVariant(i));
      out.push({ event: 'pull_request', body, signature: await sign(secret, body) });
    } else {
      const { payload, after } = pushVariant(i);
      const body = JSON.stringify(payload);
      out.push({ event: 'push', body, signature: await sign(secret, body), after });
    }
  }
  return out;
}
