import { ID_BASES, MAX_GENERATED_REPOS } from './generator';
import { hash32 } from './random.util';
import type { WorldStore } from './world-store';
import type { SimBranch, SimRepo } from './world.types';

/** Generated forks take ids from a fixed block per repository (like lazily generated details), never reused. */
const FORK_BLOCK = { base: 700_000_000, stride: 10_000 } as const;
/** The most forks a generated repository can have (its block's size). */
export const MAX_GENERATED_FORKS = FORK_BLOCK.stride - 1;

/**
 * A repository's forks, oldest first: those made in this world (`fork()`: real repositories) and, for a generated
 * repository, the rest of its `forksCount`, derived from the seed without being stored. Each derived fork belongs
 * to a user, is dated somewhere in the parent's life and has an id of its own, so every listing (GraphQL
 * `forks`, REST `/forks`) agrees and a restart answers the same.
 */
export function forksOf(w: WorldStore, parent: SimRepo): SimRepo[] {
  const real = [...w.repos.values()].filter((r) => r.parentId === parent.id && r.fork && !r.deleted);
  const ordinal = parent.id - ID_BASES.repo;
  const derived =
    ordinal >= 0 && ordinal < MAX_GENERATED_REPOS ? Math.max(0, parent.forksCount - real.length) : 0;
  const out = [...real];
  if (derived > 0) {
    // Users of the generated world only, so accounts added later never change who owns a derived fork.
    const owners = [...w.users.values()]
      .filter((u) => u.id !== parent.ownerId && u.createdAt < w.anchorMs)
      .map((u) => u.id)
      .sort((a, b) => hash32(w.seed, parent.id, a, 11) - hash32(w.seed, parent.id, b, 11));
    const tip = w.detail(parent).branches.get(parent.defaultBranch);
    const life = Math.max(1, w.anchorMs - parent.createdAt);
    for (let k = 0; k < Math.min(derived, MAX_GENERATED_FORKS) && owners.length; k++) {
      const ownerId = owners[k % owners.length] as number;
      const createdAt = parent.createdAt + Math.floor((life * hash32(w.seed, parent.id, k, 13)) / 2 ** 32);
      const round = Math.floor(k / owners.length);
      out.push({
        ...parent,
        id: FORK_BLOCK.base + ordinal * FORK_BLOCK.stride + k,
        ownerId,
        ownerType: 'User',
        name: round ? `${parent.name}-${round + 1}` : parent.name,
        fork: true,
        parentId: parent.id,
        archived: false,
        createdAt,
        updatedAt: createdAt,
        pushedAt: createdAt,
        forksCount: 0,
        topics: [...parent.topics],
        languages: { ...parent.languages },
        watcherIds: new Set([ownerId]),
        collaborators: new Map(),
        revoked: new Set(),
        hooks: [],
        // A fork as GitHub makes it: the parent's default branch, nothing of its own yet.
        detail: {
          branches: new Map<string, SimBranch>(tip ? [[tip.name, { ...tip, protected: false }]] : []),
          pulls: [],
          issues: [],
          deployments: [],
          releases: [],
          tags: new Map(),
          workflows: [],
          workflowRuns: [],
          labels: [],
          stars: [],
          events: [],
          nextNumber: 1,
        },
      });
    }
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
}
