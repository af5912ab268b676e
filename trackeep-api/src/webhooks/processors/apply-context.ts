import type { ActivityType } from '@trackeep/contracts';
import type { Transaction } from 'kysely';
import type { DB } from '../../database/db.types';
import type { TimelineEntry } from '../../repos/data/github-data.types';
import type { SignedWith } from '../webhook.constants';

/** A payload as parsed JSON: read defensively, GitHub (and GHES versions) vary in what they include. */
export type Json = Record<string, unknown>;

export interface DeliveryRow {
  delivery_id: string;
  event: string;
  action: string | null;
  hook_id: string | null;
  repo_id: string | null;
  repo_github_id: string | null;
  signed_with: SignedWith;
  payload: Json;
  received_at: Date;
  status: string;
}

export interface TrackedRepoRef {
  id: string;
  fullName: string;
}

export interface ActivityInsert extends TimelineEntry {
  type: ActivityType;
}

/** What an applier gets: the delivery, its tracked repository, and the transaction it runs in. */
export interface ApplyContext {
  tx: Transaction<DB>;
  delivery: DeliveryRow;
  payload: Json;
  repo: TrackedRepoRef;
  /** Records a timeline entry (once per dedupe key); returns true if it is new. Published after commit. */
  activity(entry: ActivityInsert): Promise<boolean>;
}

export type ApplyOutcome = { status: 'processed' } | { status: 'ignored'; reason: string };

export const PROCESSED: ApplyOutcome = { status: 'processed' };
export const ignored = (reason: string): ApplyOutcome => ({ status: 'ignored', reason });

export type Applier = (ctx: ApplyContext) => Promise<ApplyOutcome>;

// --- defensive readers ---------------------------------------------------------------------------------

export function obj(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

/** A payload string as GitHub sent it (the write model stores any text, NULs and lone surrogates included). */
export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/** GitHub sends ISO strings, and epoch seconds for a few push fields (repository.pushed_at, created_at). */
export function date(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && value) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export function login(value: unknown): string | null {
  return str(obj(value)?.['login']);
}

/** Thrown when a payload lacks what its event type must carry; the delivery is stored as ignored. */
export class MalformedPayload extends Error {}

export function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new MalformedPayload(`payload has no ${what}`);
  return value;
}
