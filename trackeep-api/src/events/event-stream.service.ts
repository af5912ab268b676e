import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { LiveEvent, TrackedRepo } from '@trackeep/contracts';
import type { Request, Response } from 'express';
import { SessionService } from '../auth/session.service';
import { ApiEnv } from '../config/api-env';
import { MetricsService } from '../metrics/metrics.service';
import { RepoAccessService } from '../repos/repo-access.service';
import { ReposService } from '../repos/repos.service';
import { ActivityFeedRepository } from './activity-feed.repository';
import { EventBus, type LiveEnvelope } from './event-bus.service';

/** How many missed activity events a reconnecting client is sent at most. */
const RESUME_LIMIT = 1000;
/** Long enough for the live copy of activity committed during a Last-Event-ID backlog read to have arrived. */
const RESUME_OVERLAP_MS = 60_000;
/** A client that lets this much unsent data pile up is too slow to follow the stream; it is dropped. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * What a user may see is re-read at least this often (and at most every ACCESS_RECHECK_SECONDS), in the
 * background for every user with open streams, so lost access stops the stream's events without a reconnect.
 * One read serves every user of the replica; only users with an answer due to be asked again are checked alone.
 */
const ACCESS_TTL_MS = 5_000;
/** How long repository changes are gathered before each user gets one `repo_changed` per repository. */
const REPO_CHANGE_COALESCE_MS = 200;
/** An event for a repo not (yet) in the cached set triggers a re-read, at most this often. */
const ACCESS_MISS_REFRESH_MS = 1_000;
/** How often open streams are checked against their sessions (logout, revocation, expiry). */
const SESSION_CHECK_MS = 30_000;
/**
 * Frames for a stream are written at most this often: a quiet stream's frame goes out at once, while under a
 * stream of events each socket gets one write per interval instead of one per event (the write per event
 * per browser was the hub's largest cost).
 */
const FLUSH_EVERY_MS = 100;

interface StreamClient {
  res: Response;
  /** The session the stream was opened with: when it is revoked or expires, the stream ends. */
  sessionId: string | null;
  /**
   * Activity ids written from the Last-Event-ID backlog: the live copy of one committed while it was being read
   * is skipped. Each is skipped at most once, and the set is dropped after RESUME_OVERLAP_MS.
   */
  resumed: Set<string> | null;
  /** Events heard while the Last-Event-ID backlog is being sent; null once live. */
  backlog: LiveEnvelope[] | null;
}

interface UserStreams {
  userId: string;
  clients: Set<StreamClient>;
  readable: Set<string>;
  loadedAt: number;
  /** A background re-read of `readable` is under way. */
  refreshing: boolean;
  /** Serialises deliveries per user so events keep their order while access is re-read. */
  chain: Promise<void>;
  /** Deliveries waiting in `chain`; at 0 an event that needs no read is written at once, without a promise. */
  queued: number;
}

/**
 * The SSE hub of this replica: one entry per signed-in user with open streams, fed by the EventBus and
 * filtered by the repositories the user may read (RepoAccessService, cached briefly).
 */
@Injectable()
export class EventStreamService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventStreamService.name);
  private readonly users = new Map<string, UserStreams>();
  private unsubscribe: (() => void) | null = null;
  private unsubscribeRepos: (() => void) | null = null;
  private readonly changedRepos = new Set<string>();
  private repoFlush: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private sessionCheck: NodeJS.Timeout | null = null;
  private accessCheck: NodeJS.Timeout | null = null;
  private readonly frames = new WeakMap<LiveEvent, string>();
  private readonly unsent = new Map<StreamClient, { user: UserStreams; frames: string[] }>();
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private lastFlushAt = 0;
  private refreshingAll = false;
  /** Users whose last known access is read on the next turn of the event loop, together. */
  private loadBatch: { users: Set<UserStreams>; done: Promise<void> } | null = null;

  constructor(
    private readonly env: ApiEnv,
    private readonly bus: EventBus,
    private readonly access: RepoAccessService,
    private readonly activity: ActivityFeedRepository,
    private readonly sessions: SessionService,
    private readonly metrics: MetricsService,
    private readonly repos: ReposService,
  ) {}

  onModuleInit(): void {
    this.metrics.countSseClientsWith(() => this.openStreams);
    this.unsubscribe = this.bus.subscribe((envelope) => this.dispatch(envelope));
    this.unsubscribeRepos = this.bus.subscribeRepoChanges((repoId) => this.repoChanged(repoId));
    this.heartbeat = setInterval(() => this.beat(), this.env.SSE_HEARTBEAT_SECONDS * 1000).unref();
    this.sessionCheck = setInterval(() => void this.endStreamsOfEndedSessions(), SESSION_CHECK_MS).unref();
    this.accessCheck = setInterval(() => void this.refreshAllAccess(), this.accessTtlMs).unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.unsubscribeRepos?.();
    if (this.repoFlush) clearTimeout(this.repoFlush);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.sessionCheck) clearInterval(this.sessionCheck);
    if (this.accessCheck) clearInterval(this.accessCheck);
    if (this.flushTimer) {
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      clearImmediate(this.flushTimer as NodeJS.Immediate);
    }
    for (const user of this.users.values()) for (const client of user.clients) client.res.end();
    this.users.clear();
  }

  /** Number of open streams on this replica (metrics, tests). */
  get openStreams(): number {
    let n = 0;
    for (const user of this.users.values()) n += user.clients.size;
    return n;
  }

  /** Takes over the response: SSE headers, backlog after `lastEventId`, then live events until the client leaves. */
  async open(
    userId: string,
    sessionId: string | null,
    req: Request,
    res: Response,
    lastEventId: string | null,
  ): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
    res.flushHeaders();
    res.write('retry: 3000\n\n');

    const user = this.userStreams(userId);
    const client: StreamClient = { res, sessionId, resumed: null, backlog: [] };
    user.clients.add(client);
    req.on('close', () => this.close(user, client));
    await this.bus.ready;

    try {
      if (Date.now() - user.loadedAt > ACCESS_MISS_REFRESH_MS) {
        await this.loadAccess(user);
        this.recheckAccess(user);
      }
      if (lastEventId !== null) {
        const missed = await this.activity.findAfter(lastEventId, [...user.readable], RESUME_LIMIT);
        const resumed = new Set<string>();
        for (const activity of missed) {
          this.write(user, client, { repoId: activity.repoId, event: { type: 'activity', activity } });
          resumed.add(activity.id);
        }
        client.resumed = resumed;
        setTimeout(() => (client.resumed = null), RESUME_OVERLAP_MS).unref();
      }
    } catch (err) {
      this.logger.warn(`event stream backlog failed: ${(err as Error).message}`);
    }
    // Events that arrived meanwhile went through the same per-user chain; wait for it before going live.
    await user.chain;
    const backlog = client.backlog ?? [];
    client.backlog = null;
    for (const envelope of backlog)
      if (user.readable.has(envelope.repoId)) this.write(user, client, envelope);
  }

  private userStreams(userId: string): UserStreams {
    let user = this.users.get(userId);
    if (!user) {
      user = {
        userId,
        clients: new Set(),
        readable: new Set(),
        loadedAt: 0,
        refreshing: false,
        chain: Promise.resolve(),
        queued: 0,
      };
      this.users.set(userId, user);
    }
    return user;
  }

  /** Changes of one repository arriving close together (a burst of stars, a sync's last page) become one message. */
  private repoChanged(repoId: string): void {
    this.changedRepos.add(repoId);
    this.repoFlush ??= setTimeout(() => {
      this.repoFlush = null;
      const ids = [...this.changedRepos];
      this.changedRepos.clear();
      const reads = new Map<string, Promise<Map<string, TrackedRepo>>>();
      for (const user of this.users.values())
        for (const id of ids) this.enqueue(user, () => this.deliverRepo(user, id, reads), 'repo_changed');
    }, REPO_CHANGE_COALESCE_MS);
  }

  /**
   * `repo_changed` carries the repository as each user sees it (their list entry). One read per flush serves
   * every user who may see it; a user whose access was re-read after that read started is read alone.
   */
  private async deliverRepo(
    user: UserStreams,
    repoId: string,
    reads: Map<string, Promise<Map<string, TrackedRepo>>>,
  ): Promise<void> {
    if (Date.now() - user.loadedAt > this.overdueMs) this.recheckAccess(user);
    if (!user.readable.has(repoId) || user.clients.size === 0) return;
    let read = reads.get(repoId);
    if (!read) {
      const viewers = [...this.users.values()]
        .filter((u) => u.clients.size > 0 && u.readable.has(repoId))
        .map((u) => u.userId);
      read = this.repos.findTrackedForUsers(repoId, viewers);
      reads.set(repoId, read);
    }
    const seen = await read;
    const repo = seen.has(user.userId)
      ? seen.get(user.userId)
      : await this.repos.findTracked(user.userId, repoId);
    if (repo) await this.deliver(user, { repoId, event: { type: 'repo_changed', repo } });
  }

  /**
   * Every event goes to every user of this replica (hundreds per event): a user with nothing queued whose access
   * needs no read gets it at once; only a read puts the user's later events in line behind it.
   */
  private dispatch(envelope: LiveEnvelope): void {
    for (const user of this.users.values()) {
      if (user.queued > 0) this.enqueue(user, () => this.deliver(user, envelope), 'event');
      else {
        try {
          const reading = this.deliver(user, envelope);
          if (reading) this.enqueue(user, () => reading, 'event');
        } catch (err) {
          this.logger.warn(`event delivery failed: ${(err as Error).message}`);
        }
      }
    }
  }

  private enqueue(user: UserStreams, work: () => Promise<void> | undefined, what: string): void {
    user.queued++;
    user.chain = user.chain
      .then(work)
      .catch((err: Error) => this.logger.warn(`${what} delivery failed: ${err.message}`))
      .finally(() => user.queued--);
  }

  /** Writes the event to the user's streams if they may see it; a promise only when access had to be read first. */
  private deliver(user: UserStreams, envelope: LiveEnvelope): Promise<void> | undefined {
    const age = Date.now() - user.loadedAt;
    if (!user.readable.has(envelope.repoId) && age > ACCESS_MISS_REFRESH_MS)
      return this.loadAccess(user).then(() => this.send(user, envelope));
    if (age > this.overdueMs) this.recheckAccess(user);
    this.send(user, envelope);
    return undefined;
  }

  private send(user: UserStreams, envelope: LiveEnvelope): void {
    if (!user.readable.has(envelope.repoId)) return;
    for (const client of user.clients) {
      if (client.backlog) client.backlog.push(envelope);
      else this.write(user, client, envelope);
    }
  }

  private get accessTtlMs(): number {
    return Math.min(ACCESS_TTL_MS, this.env.ACCESS_RECHECK_SECONDS * 1000);
  }

  /** Past this age the replica-wide refresh has not come (it failed, or is slow): the user is re-checked alone. */
  private get overdueMs(): number {
    return 2 * this.accessTtlMs;
  }

  /**
   * Re-reads the access of every user with open streams in one statement. A user with an answer old enough to
   * ask GitHub again is re-checked alone instead (recheckAccess), so the repositories a dead token hides stay
   * hidden.
   */
  async refreshAllAccess(): Promise<void> {
    const users = [...this.users.values()].filter((u) => !u.refreshing);
    if (this.refreshingAll || users.length === 0) return;
    this.refreshingAll = true;
    const startedAt = Date.now();
    try {
      const ids = users.map((u) => u.userId);
      const [due, readable] = await Promise.all([
        this.access.usersDueForRecheck(ids),
        this.access.lastKnownReadableRepoIdsOfUsers(ids),
      ]);
      const recheck = new Set(due);
      for (const user of users) {
        if (recheck.has(user.userId)) this.recheckAccess(user);
        else this.setAccess(user, readable.get(user.userId) ?? [], startedAt);
      }
    } catch (err) {
      this.logger.warn(`event stream access refresh failed: ${(err as Error).message}`);
    } finally {
      this.refreshingAll = false;
    }
  }

  /**
   * Re-reads the user's access, asking GitHub about answers older than ACCESS_RECHECK_SECONDS, in the
   * background: events keep flowing on the last known access meanwhile, because a check can take seconds and
   * every event of the user would wait behind it. A revocation applies as soon as GitHub has answered.
   */
  private recheckAccess(user: UserStreams): void {
    if (user.refreshing) return;
    user.refreshing = true;
    const startedAt = Date.now();
    // A stream cannot answer 401: repositories whose check needs a dead token are left out instead.
    this.access
      .readableRepoIds(user.userId, { onReauth: 'hide' })
      .then((ids) => this.setAccess(user, ids, startedAt))
      .catch((err: Error) => this.logger.warn(`event stream access refresh failed: ${err.message}`))
      .finally(() => (user.refreshing = false));
  }

  /**
   * What Trackeep last recorded the user may read, from the database alone (never waits on GitHub). Users asking
   * in the same turn of the event loop (an event for a repository many of them cannot see, streams opening
   * together) share one read.
   */
  private loadAccess(user: UserStreams): Promise<void> {
    if (!this.loadBatch) {
      const users = new Set<UserStreams>();
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.loadBatch = null;
        const startedAt = Date.now();
        const readable = await this.access.lastKnownReadableRepoIdsOfUsers([...users].map((u) => u.userId));
        for (const u of users) this.setAccess(u, readable.get(u.userId) ?? [], startedAt);
      });
      this.loadBatch = { users, done };
    }
    this.loadBatch.users.add(user);
    return this.loadBatch.done;
  }

  private setAccess(user: UserStreams, ids: string[], startedAt: number): void {
    if (startedAt < user.loadedAt) return; // a newer read finished first
    user.readable = new Set(ids);
    user.loadedAt = startedAt;
  }

  private write(user: UserStreams, client: StreamClient, envelope: LiveEnvelope): void {
    const { event } = envelope;
    if (event.type === 'activity' && client.resumed?.delete(event.activity.id)) return;
    const frame = this.frameOf(event);
    const queued = this.unsent.get(client);
    if (queued) queued.frames.push(frame);
    else this.unsent.set(client, { user, frames: [frame] });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const wait = this.lastFlushAt + FLUSH_EVERY_MS - Date.now();
    this.flushTimer = wait > 0 ? setTimeout(() => this.flush(), wait) : setImmediate(() => this.flush());
  }

  /** Writes every stream's waiting frames, one write per stream. */
  private flush(): void {
    this.flushTimer = null;
    this.lastFlushAt = Date.now();
    const batch = [...this.unsent];
    this.unsent.clear();
    for (const [client, { user, frames }] of batch) {
      if (!user.clients.has(client)) continue; // closed meanwhile
      client.res.write(frames.length === 1 ? frames[0] : frames.join(''));
      if (client.res.writableLength > MAX_BUFFERED_BYTES) {
        this.logger.warn('dropping an event stream client that does not keep up');
        client.res.end();
        this.close(user, client);
      }
    }
  }

  /** The SSE frame of an event, serialised once however many streams it goes to. */
  private frameOf(event: LiveEvent): string {
    let frame = this.frames.get(event);
    if (frame === undefined) {
      frame = event.type === 'activity' ? `id: ${event.activity.id}\n` : '';
      frame += `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
      this.frames.set(event, frame);
    }
    return frame;
  }

  /** Signing out (or an expired/revoked session) ends the live stream too, within SESSION_CHECK_MS. */
  async endStreamsOfEndedSessions(): Promise<void> {
    const ids = [...this.users.values()]
      .flatMap((u) => [...u.clients].map((c) => c.sessionId))
      .filter((id): id is string => id !== null);
    if (!ids.length) return;
    const checked = new Set(ids);
    try {
      const alive = new Set(await this.sessions.activeSessionIds([...checked]));
      for (const user of this.users.values()) {
        for (const client of [...user.clients]) {
          // A stream opened while the check ran was not part of it: its session was verified when it opened.
          if (client.sessionId && checked.has(client.sessionId) && !alive.has(client.sessionId)) {
            client.res.end();
            this.close(user, client);
          }
        }
      }
    } catch (err) {
      this.logger.warn(`session check of event streams failed: ${(err as Error).message}`);
    }
  }

  private beat(): void {
    for (const user of this.users.values())
      for (const client of user.clients) client.res.write(': keep-alive\n\n');
  }

  private close(user: UserStreams, client: StreamClient): void {
    user.clients.delete(client);
    if (user.clients.size === 0 && this.users.get(user.userId) === user) this.users.delete(user.userId);
  }
}
