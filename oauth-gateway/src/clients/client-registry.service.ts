import { Injectable, Logger } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { EnvValidationError } from '@trackeep/server-core';
import { GatewayEnv } from '../config/gateway-env';
import {
  ClientConfigError,
  hashClientSecret,
  parseClientsJson,
  type RegisteredClient,
} from './client-config.util';

/** How often, at most, the clients file is checked for changes (a stat call). */
const FILE_CHECK_INTERVAL_MS = 2000;
/** Compared against when the client is unknown, so timing does not reveal which client_ids exist. */
const DUMMY_HASH = hashClientSecret('no such client');

/**
 * The registered instances. From GATEWAY_CLIENTS (fixed) or GATEWAY_CLIENTS_FILE, which is re-read when its
 * modification time changes, so `npm run gateway:client -- add` takes effect on every replica sharing the
 * file without a restart. A file that becomes invalid is ignored (the last good list stays) and logged.
 */
@Injectable()
export class ClientRegistry {
  private readonly logger = new Logger(ClientRegistry.name);
  private clients = new Map<string, RegisteredClient>();
  private fileStamp = '';
  private lastCheck = 0;

  constructor(private readonly env: GatewayEnv) {
    const rules = { devMode: env.GATEWAY_DEV_MODE };
    try {
      if (env.GATEWAY_CLIENTS_FILE) this.loadFile(true);
      else this.use(parseClientsJson(env.GATEWAY_CLIENTS ?? '[]', rules));
    } catch (err) {
      const variable = env.GATEWAY_CLIENTS_FILE ? 'GATEWAY_CLIENTS_FILE' : 'GATEWAY_CLIENTS';
      const problems = err instanceof ClientConfigError ? err.problems : [(err as Error).message];
      throw new EnvValidationError(problems.map((p) => `${variable}: ${p}`));
    }
  }

  get(clientId: string): RegisteredClient | undefined {
    this.refreshIfChanged();
    return this.clients.get(clientId);
  }

  list(): RegisteredClient[] {
    this.refreshIfChanged();
    return [...this.clients.values()];
  }

  /** The client when `secret` matches one of its active secret hashes; null otherwise. Constant-time per hash. */
  authenticate(clientId: string, secret: string): RegisteredClient | null {
    const client = this.get(clientId);
    const presented = Buffer.from(hashClientSecret(secret));
    let match = false;
    for (const stored of client?.client_secret_hashes ?? [DUMMY_HASH]) {
      const expected = Buffer.from(stored);
      if (expected.length === presented.length && timingSafeEqual(expected, presented)) match = true;
    }
    return client && match ? client : null;
  }

  /** Re-reads the clients file now if it changed (tests and the periodic check use it). */
  refreshIfChanged(force = false): void {
    if (!this.env.GATEWAY_CLIENTS_FILE) return;
    const now = Date.now();
    if (!force && now - this.lastCheck < FILE_CHECK_INTERVAL_MS) return;
    this.lastCheck = now;
    try {
      this.loadFile(false);
    } catch (err) {
      const detail = err instanceof ClientConfigError ? err.problems.join('; ') : (err as Error).message;
      this.logger.error(
        `GATEWAY_CLIENTS_FILE changed but is invalid, keeping the previous clients: ${detail}`,
      );
    }
  }

  private loadFile(initial: boolean): void {
    const path = this.env.GATEWAY_CLIENTS_FILE as string;
    const stat = statSync(path);
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    if (!initial && stamp === this.fileStamp) return;
    const clients = parseClientsJson(readFileSync(path, 'utf8'), { devMode: this.env.GATEWAY_DEV_MODE });
    this.fileStamp = stamp;
    this.use(clients);
    if (!initial)
      this.logger.log(`reloaded ${clients.length} registered client(s) from GATEWAY_CLIENTS_FILE`);
  }

  private use(clients: RegisteredClient[]): void {
    this.clients = new Map(clients.map((c) => [c.client_id, c]));
  }
}
