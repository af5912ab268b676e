import { Injectable, Logger } from '@nestjs/common';
import type { RepoPermission } from '@trackeep/contracts';
import { RepoAccessService } from '../../repos/repo-access.service';
import { ReposService } from '../../repos/repos.service';
import type { DetectionHint } from '../engine/repo-sync.engine';
import { GithubEtagCache } from '../../github/github-etag-cache.service';
import { InstallationsService } from '../../installations/installations.service';
import { CredentialLimitsRegistry } from '../github/credential-limits';
import { SyncClientProvider } from '../github/sync-client.provider';
import { detectRequests } from '../github/sync-graphql-cost.util';
import { SYNC_DETECT_QUERY } from '../github/sync-graphql.queries';
import type { DetectData, DetectedRepoNode } from '../github/sync-graphql.types';
import { RateLimitPausedError, TransientGithubError } from '../github/sync-github.errors';
import { SyncGithubGateway, SyncMeter } from '../github/sync-github.gateway';
import { SyncCyclesRepository } from '../runs/sync-cycles.repository';
import { SyncQueue } from './sync-queue.service';

const PERMISSIONS: Record<NonNullable<DetectedRepoNode['viewerPermission']>, RepoPermission> = {
  ADMIN: 'admin',
  MAINTAIN: 'maintain',
  WRITE: 'push',
  TRIAGE: 'triage',
  READ: 'pull',
};

const BATCH = 100;

interface TrackedRow {
  user_id: string;
  repo_id: string;
  node_id: string;
  github_state: string;
}

export function hintOf(n: DetectedRepoNode): DetectionHint {
  return {
    nameWithOwner: n.nameWithOwner,
    pushedAt: n.pushedAt,
    defaultBranch: n.defaultBranchRef?.name ?? null,
    headOid: n.defaultBranchRef?.target?.oid ?? null,
    stars: n.stargazerCount,
    forks: n.forkCount,
    archived: n.isArchived,
    latestPullUpdatedAt: n.pullRequests.nodes[0]?.updatedAt ?? null,
  };
}

/**
 * One scheduled cycle: batched change detection (`nodes(ids:)`, 100 repositories per one-point query) with
 * every user's own token over everything they track, which also records each user's current access; then
 * one sync-repo job per repository carrying what detection saw, so an unchanged repository costs its job
 * nothing but free 304s.
 */
@Injectable()
export class SyncCycleJob {
  private readonly logger = new Logger(SyncCycleJob.name);

  constructor(
    private readonly repos: ReposService,
    private readonly queue: SyncQueue,
    private readonly cycles: SyncCyclesRepository,
    private readonly clients: SyncClientProvider,
    private readonly access: RepoAccessService,
    private readonly registry: CredentialLimitsRegistry,
    private readonly etags: GithubEtagCache,
    private readonly installations: InstallationsService,
  ) {}

  async handle(slotIso: string): Promise<{ repos: number; queued: number; points: number }> {
    const slot = new Date(slotIso);
    const rows: TrackedRow[] = (await this.repos.allTracking()).map((r) => ({
      user_id: r.userId,
      repo_id: r.repoId,
      node_id: r.nodeId,
      github_state: r.githubState,
    }));
    const byUser = new Map<string, TrackedRow[]>();
    for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);

    const hints = new Map<string, DetectionHint>();
    let points = 0;
    for (const [userId, repos] of byUser) points += await this.detectFor(userId, repos, hints);

    const repoState = new Map(rows.map((r) => [r.repo_id, r.github_state]));
    // Repositories an App installation auto-tracks sync too (once, whoever else tracks them), without a hint.
    for (const r of await this.installations.autoTrackedRepos())
      if (!repoState.has(r.repoId)) repoState.set(r.repoId, r.githubState);
    let queued = 0;
    for (const [repoId, state] of repoState) {
      // Gone for everyone last time and still invisible: nothing to sync until someone can see it again.
      if ((state === 'deleted' || state === 'access_lost') && !hints.has(repoId)) continue;
      try {
        const res = await this.queue.enqueueRepo(repoId, 'schedule', {
          cycleSlot: slot,
          hint: hints.get(repoId) ?? null,
        });
        if (res.queued) queued++;
      } catch (err) {
        this.logger.error(`could not queue the sync of repository ${repoId}: ${(err as Error).message}`);
      }
    }
    await this.cycles.finish(slot, repoState.size, points);
    return { repos: repoState.size, queued, points };
  }

  /** Detection with one user's token; returns the points spent. */
  private async detectFor(
    userId: string,
    repos: TrackedRow[],
    hints: Map<string, DetectionHint>,
  ): Promise<number> {
    const cred = await this.clients.forUser(userId).catch(() => null);
    if (!cred) return 0;
    const meter = new SyncMeter();
    const gateway = new SyncGithubGateway({
      client: cred.client,
      credential: userId,
      graphqlUrl: cred.graphqlUrl,
      etags: this.etags,
      limits: this.registry.for(userId),
      meter,
    });
    for (let i = 0; i < repos.length; i += BATCH) {
      const batch = repos.slice(i, i + BATCH);
      let result: Awaited<ReturnType<typeof gateway.graphql<DetectData>>> | null = null;
      for (let attempt = 0; attempt < 3 && !result; attempt++) {
        try {
          result = await gateway.graphql<DetectData>(
            SYNC_DETECT_QUERY,
            { ids: batch.map((r) => r.node_id) },
            { detect: detectRequests(batch.length) },
          );
        } catch (err) {
          if (err instanceof RateLimitPausedError) return meter.graphqlPoints; // this user's repos sync without hints
          if (!(err instanceof TransientGithubError) || attempt === 2) {
            this.logger.warn(`change detection for user ${userId} failed: ${(err as Error).message}`);
            return meter.graphqlPoints;
          }
          await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
        }
      }
      const nodes = result?.data?.nodes ?? [];
      const notFound = new Set(
        (result?.errors ?? [])
          .filter((e) => e.type === 'NOT_FOUND' && e.path?.[0] === 'nodes')
          .map((e) => Number(e.path?.[1])),
      );
      for (const [k, repo] of batch.entries()) {
        const node = nodes[k];
        if (node && node.__typename === 'Repository') {
          const n = node as DetectedRepoNode;
          await this.access.recordAccess(
            userId,
            repo.repo_id,
            n.viewerPermission ? PERMISSIONS[n.viewerPermission] : 'pull',
          );
          if (!hints.has(repo.repo_id)) hints.set(repo.repo_id, hintOf(n));
        } else if (notFound.has(k)) {
          // Not evidence enough on its own: the repository's own sync (queued anyway, without a hint) asks
          // again and revokes only when GitHub says 404 twice in a row under a credential that still works.
          this.logger.debug(`change detection: GitHub did not resolve ${repo.repo_id} for user ${userId}`);
        }
      }
    }
    return meter.graphqlPoints;
  }
}
