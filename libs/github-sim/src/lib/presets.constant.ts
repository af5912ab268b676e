import type { SimPreset, SimSizes } from './sim.types';

/**
 * Named world sizes. Owners of `reposPerOwner` are every org plus octocat; other users get `reposPerUser`.
 * Measured sizes and memory are in the README (`npm run github-sim -- --preset X --measure`).
 */
export const SIM_PRESETS: Record<SimPreset, SimSizes> = {
  // Zero-config demo: 2 orgs x 7 + octocat x 7 = 21 repos with realistic activity.
  demo: {
    users: 12,
    orgs: 2,
    reposPerOwner: 7,
    reposPerUser: 0,
    commitsPerRepo: 400,
    branchesPerRepo: 4,
    pullsPerRepo: 24,
    reviewsPerPull: 3,
    issuesPerRepo: 20,
    starsPerRepo: 14,
    forksPerRepo: 3,
    teamsPerOrg: 2,
    subteamsPerTeam: 3,
    historyDays: 180,
  },
  // Unit and integration tests: tiny and fast.
  small: {
    users: 4,
    orgs: 1,
    reposPerOwner: 3,
    reposPerUser: 0,
    commitsPerRepo: 30,
    branchesPerRepo: 3,
    pullsPerRepo: 6,
    reviewsPerPull: 2,
    issuesPerRepo: 4,
    starsPerRepo: 3,
    forksPerRepo: 1,
    teamsPerOrg: 2,
    subteamsPerTeam: 1,
    historyDays: 60,
  },
  // Benchmarks: 2 orgs x 33 + octocat x 33 = 99 repos x 1,000 commits + 100 PRs.
  bench: {
    users: 50,
    orgs: 2,
    reposPerOwner: 33,
    reposPerUser: 0,
    commitsPerRepo: 1000,
    branchesPerRepo: 5,
    pullsPerRepo: 100,
    reviewsPerPull: 3,
    issuesPerRepo: 30,
    starsPerRepo: 40,
    forksPerRepo: 5,
    teamsPerOrg: 3,
    subteamsPerTeam: 10,
    historyDays: 365,
  },
  // Scale: 3 orgs x 250 + octocat x 250 = 1,000 repos x 1,000 commits = 1,000,000 commits (lazy).
  large: {
    users: 200,
    orgs: 3,
    reposPerOwner: 250,
    reposPerUser: 0,
    commitsPerRepo: 1000,
    branchesPerRepo: 4,
    pullsPerRepo: 20,
    reviewsPerPull: 2,
    issuesPerRepo: 10,
    starsPerRepo: 20,
    forksPerRepo: 2,
    teamsPerOrg: 3,
    subteamsPerTeam: 8,
    historyDays: 730,
  },
};

export function resolveSizes(preset: SimPreset | undefined, sizes: Partial<SimSizes> | undefined): SimSizes {
  const base = SIM_PRESETS[preset ?? 'small'];
  if (!base)
    throw new Error(`Unknown preset "${String(preset)}" (use ${Object.keys(SIM_PRESETS).join(', ')})`);
  const out: SimSizes = { ...base, ...(sizes ?? {}) };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`sizes.${key} must be a non-negative integer`);
  }
  if (out.commitsPerRepo >= 1 << 24) throw new Error('sizes.commitsPerRepo must be below 16,777,216');
  if (out.branchesPerRepo > 200) throw new Error('sizes.branchesPerRepo must be at most 200');
  if (out.pullsPerRepo > 999 || out.issuesPerRepo > 999)
    throw new Error('sizes.pullsPerRepo and sizes.issuesPerRepo must be at most 999');
  if (out.reviewsPerPull > 9) throw new Error('sizes.reviewsPerPull must be at most 9');
  // A repository gets up to twice forksPerRepo forks, each with an id from its block (world/forks.ts).
  if (out.forksPerRepo > 4999) throw new Error('sizes.forksPerRepo must be at most 4,999');
  const owners = out.orgs + 1;
  if (owners * out.reposPerOwner + out.users * out.reposPerUser > 20_000)
    throw new Error('at most 20,000 generated repositories');
  if (out.commitsPerRepo < 1) out.commitsPerRepo = 1;
  if (out.branchesPerRepo < 1) out.branchesPerRepo = 1;
  return out;
}
