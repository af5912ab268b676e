export { startGithubSim } from './lib/server';
export { DEMO_OAUTH_APP } from './lib/demo-oauth-app.constant';
export { SIM_PRESETS, resolveSizes } from './lib/presets.constant';
export { SimWorld, ZERO_SHA } from './lib/world/sim-world';
export type { PushCommitSpec, RepoRef, SimWorldOptions } from './lib/world/sim-world';
export { SimError } from './lib/world/sim-error';
export type { SimDomainEvent } from './lib/world/domain-events';
export type * from './lib/world/world.types';
export type {
  FaultConfig,
  GithubSimHandle,
  GithubSimOptions,
  SimPreset,
  SimSizes,
  SimStats,
} from './lib/sim.types';
