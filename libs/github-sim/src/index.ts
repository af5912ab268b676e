export { startGithubSim } from './lib/server';
export { DEMO_OAUTH_APP } from './lib/demo-oauth-app.constant';
export { DEMO_GITHUB_APP, demoGithubAppEnv } from './lib/demo-github-app.constant';
export { JWT_MESSAGES, NOT_ACCESSIBLE_BY_INTEGRATION, installationRateLimit } from './lib/http/app-auth';
export {
  INSTALLATION_TOKEN_TTL_S,
  REFRESH_TOKEN_TTL_S,
  SUSPENDED_MESSAGE,
  USER_TOKEN_TTL_S,
} from './lib/world/capabilities/github-apps';
export type {
  GithubAppInput,
  InstallInput,
  InstallationReposInput,
  InstallationTokenRequest,
  RegisteredGithubApp,
  UserTokenGrant,
} from './lib/world/capabilities/github-apps';
export type { CreateRepoInput } from './lib/world/capabilities/repositories';
export type { WorkflowRunInput } from './lib/world/capabilities/workflow-runs';
export { SIM_PRESETS, resolveSizes } from './lib/presets.constant';
export { SimWorld } from './lib/world/sim-world';
export { forksOf } from './lib/world/forks';
export { ZERO_SHA } from './lib/world/git-objects';
export type { PushCommitSpec } from './lib/world/capabilities/git-data';
export type { RepoRef, SimWorldOptions } from './lib/world/world-store';
export { SimError } from './lib/world/sim-error';
export type { SimDomainEvent, SimInstallationEvent, SimOrgEvent } from './lib/world/domain-events';
export type { NewTeamInput, TeamMembershipInput, TeamRepoInput } from './lib/world/capabilities/teams';
export type * from './lib/world/world.types';
export type {
  FaultConfig,
  GithubSimHandle,
  GithubSimOptions,
  SimPreset,
  SimSizes,
  SimStats,
} from './lib/sim.types';
