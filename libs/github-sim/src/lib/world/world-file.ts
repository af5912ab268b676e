import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { WorldCapability } from './capabilities/world-capability';
import { CommitGraph } from './commit-graph';
import type { WorldStore } from './world-store';
import { decodeGraph, encodeGraph, type Encoded } from './world-snapshot';

/**
 * Keeps a simulated world on disk, so the users, repositories, tokens (OAuth grants included) and hooks it
 * handed out stay valid when the simulator restarts. Every field of the world is stored (see world-snapshot.ts),
 * except the runtime plumbing below; the file holds tokens and hook secrets, so it is 0600.
 */

const FORMAT = 'trackeep-github-sim-world';
const VERSION = 1;
/** WorldStore fields that are process wiring, not world state (stateless capabilities are skipped too). */
const RUNTIME_FIELDS = new Set(['listeners', 'pending', 'options']);
const CLASSES = { CommitGraph };
/** Deliveries are a log with full payloads (up to 5,000 in memory); the newest are enough after a restart. */
const KEPT_DELIVERIES = 500;

/** State kept next to the world by the server (e.g. live mode's step counter, so it does not replay steps). */
export type WorldFileExtras = Record<string, unknown>;

interface WorldFileContent {
  format: typeof FORMAT;
  version: number;
  savedAt: string;
  world: Encoded;
  extras: Encoded;
}

export function serializeWorld(world: WorldStore, extras: WorldFileExtras = {}): string {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(world))
    if (!RUNTIME_FIELDS.has(key) && !(value instanceof WorldCapability)) fields[key] = value;
  fields['deliveries'] = world.deliveries.slice(-KEPT_DELIVERIES);
  const content: WorldFileContent = {
    format: FORMAT,
    version: VERSION,
    savedAt: new Date().toISOString(),
    world: encodeGraph(fields, CLASSES),
    extras: encodeGraph(extras, CLASSES),
  };
  return JSON.stringify(content);
}

/** Replaces the world's state with the serialized one; collections are refilled in place, so references to them stay valid. */
export function restoreWorld(world: WorldStore, text: string): WorldFileExtras {
  const content = JSON.parse(text) as Partial<WorldFileContent>;
  if (content.format !== FORMAT || content.version !== VERSION)
    throw new Error(`not a ${FORMAT} v${VERSION} file`);
  const fields = decodeGraph(content.world as Encoded, CLASSES) as Record<string, unknown>;
  const target = world as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    const current = target[key];
    if (current instanceof Map && value instanceof Map) {
      current.clear();
      for (const [k, v] of value) current.set(k, v);
    } else if (current instanceof Set && value instanceof Set) {
      current.clear();
      for (const v of value) current.add(v);
    } else if (Array.isArray(current) && Array.isArray(value)) {
      current.length = 0;
      current.push(...(value as unknown[]));
    } else target[key] = value;
  }
  return (decodeGraph(content.extras as Encoded, CLASSES) ?? {}) as WorldFileExtras;
}

/** Loads `file` into the world when it exists; returns the extras saved with it, or null when there was no file. */
export function loadWorldFile(world: WorldStore, file: string): WorldFileExtras | null {
  if (!existsSync(file)) return null;
  try {
    return restoreWorld(world, readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `cannot load the simulator world from ${file}: ${(err as Error).message} (delete it to start from a fresh world)`,
    );
  }
}

/** Writes atomically: a crash mid-write leaves the previous file, never half of one. */
export function saveWorldFile(world: WorldStore, file: string, extras: WorldFileExtras = {}): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, serializeWorld(world, extras), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Saves at most once per `debounceMs` after changes, and at once on `flush()` (shutdown). */
export class WorldFileSaver {
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(
    private readonly world: WorldStore,
    readonly file: string,
    private readonly extras: () => WorldFileExtras,
    private readonly debounceMs = 1000,
  ) {}

  markDirty(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save();
    }, this.debounceMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.save();
  }

  private save(): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      saveWorldFile(this.world, this.file, this.extras());
    } catch (err) {
      this.dirty = true;
      process.stderr.write(
        `[github-sim] could not save the world to ${this.file}: ${(err as Error).message}\n`,
      );
    }
  }
}
