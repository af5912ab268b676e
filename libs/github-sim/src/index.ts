export { startGithubSim } from './lib/server';
export { DEMO_OAUTH_APP } from './lib/demo-oauth-app.constant';
export { SIM_PRESETS, resolveSizes } from './lib/presets.constant';
export { SimWorld } from './lib/world/sim-world';
export { ZERO_SHA } from './lib/world/git-objects';
export type { PushCommitSpec } from './lib/world/capabilities/git-data';
export type { RepoRef, SimWorldOptions } from './lib/world/world-store';
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
