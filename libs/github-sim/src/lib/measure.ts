import type { SimPreset, SimSizes } from './sim.types';
import { SimWorld } from './world/sim-world';

export interface PresetMeasurement {
  preset: SimPreset;
  users: number;
  orgs: number;
  repos: number;
  commits: number;
  pulls: number;
  generateMs: number;
  touchAllMs: number;
  heapUsedMb: { before: number; afterGenerate: number; afterTouchAll: number };
  rssMb: number;
}

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;

/** Generate a preset, then materialise every repo's details and read one deep commit page; report memory. */
export async function measurePreset(
  preset: SimPreset,
  opts: { seed?: number; sizes?: Partial<SimSizes> } = {},
): Promise<PresetMeasurement> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  let t = performance.now();
  const world = new SimWorld({ preset, seed: opts.seed, sizes: opts.sizes });
  const generateMs = performance.now() - t;
  gc?.();
  const afterGenerate = process.memoryUsage().heapUsed;
  t = performance.now();
  let pulls = 0;
  for (const repo of world.repos.values()) {
    pulls += world.detail(repo).pulls.length;
    const g = world.graph(repo);
    const tip = world.detail(repo).branches.get(repo.defaultBranch)?.tip as string;
    g.history(tip, { skip: Math.max(0, g.line(0).count - 100), take: 100 });
  }
  const touchAllMs = performance.now() - t;
  gc?.();
  const afterTouchAll = process.memoryUsage().heapUsed;
  await Promise.resolve();
  return {
    preset,
    users: world.users.size,
    orgs: world.orgs.size,
    repos: world.repos.size,
    commits: world.commitCount(),
    pulls,
    generateMs: Math.round(generateMs),
    touchAllMs: Math.round(touchAllMs),
    heapUsedMb: { before: mb(before), afterGenerate: mb(afterGenerate), afterTouchAll: mb(afterTouchAll) },
    rssMb: mb(process.memoryUsage().rss),
  };
}
