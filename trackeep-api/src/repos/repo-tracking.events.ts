import { Injectable, Logger } from '@nestjs/common';

export interface RepoTrackingEvent {
  userId: string;
  repoId: string;
  fullName: string;
}

type Listener = (event: RepoTrackingEvent) => Promise<void> | void;

/**
 * In-process notifications when a user starts or stops tracking a repository, so the sync can queue a
 * first sync and the webhooks module can register a hook, without this module knowing either. Listeners
 * should only enqueue work; a failing listener is logged and never fails the user's request.
 */
@Injectable()
export class RepoTrackingEvents {
  private readonly logger = new Logger(RepoTrackingEvents.name);
  private readonly tracked: Listener[] = [];
  private readonly untracked: Listener[] = [];

  onTracked(listener: Listener): void {
    this.tracked.push(listener);
  }

  onUntracked(listener: Listener): void {
    this.untracked.push(listener);
  }

  async emitTracked(event: RepoTrackingEvent): Promise<void> {
    await this.emit(this.tracked, event, 'tracked');
  }

  async emitUntracked(event: RepoTrackingEvent): Promise<void> {
    await this.emit(this.untracked, event, 'untracked');
  }

  private async emit(listeners: Listener[], event: RepoTrackingEvent, what: string): Promise<void> {
    for (const listener of listeners) {
      try {
        await listener(event);
      } catch (err) {
        this.logger.error(`a listener for "${what}" of ${event.fullName} failed: ${(err as Error).message}`);
      }
    }
  }
}
