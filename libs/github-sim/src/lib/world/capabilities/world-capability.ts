import type { WorldStore } from '../world-store';

/**
 * One group of world mutations. The state it changes lives in the store, so capabilities stay stateless and
 * the world file never stores them.
 */
export abstract class WorldCapability {
  constructor(protected readonly store: WorldStore) {}
}
