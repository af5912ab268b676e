import { GatewayState1764100000000 } from './1764100000000-GatewayState';
import { PendingPkceVerifier1764100000001 } from './1764100000001-PendingPkceVerifier';
import { GithubRefreshTokens1764100000100 } from './1764100000100-GithubRefreshTokens';

// Every migration, in order. Bundled builds cannot glob files, so each new migration is listed here.
export const MIGRATIONS = [
  GatewayState1764100000000,
  PendingPkceVerifier1764100000001,
  GithubRefreshTokens1764100000100,
];
