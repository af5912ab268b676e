import { ApiProperty } from '@nestjs/swagger';
import type {
  Branch,
  Commit,
  CycleTimeSummary,
  GitActor,
  OrgPolicyBlock,
  Page,
  PullRequest,
  PullState,
  RepoVisibility,
  StatsPoint,
  SyncRunStatus,
  TrackedRepo,
  WebhookHealth,
  WebhookStatus,
  WeeklyCommits,
  WeeklyCycleTime,
} from '@trackeep/contracts';

// Swagger needs classes; each implements its contracts type so the two cannot drift apart silently.

export class OrgPolicyBlockDto implements OrgPolicyBlock {
  @ApiProperty({ enum: ['sso', 'oauth_app_policy'] }) kind!: OrgPolicyBlock['kind'];
  @ApiProperty() org!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'where to act: the SSO authorization link, or GitHub’s page about OAuth App restrictions',
  })
  url!: string | null;
}

export class WebhookHealthDto implements WebhookHealth {
  @ApiProperty({
    enum: [
      'active',
      'failing',
      'not_admin',
      'not_registered',
      'disabled',
      'needs_sso',
      'oauth_app_blocked',
      'app',
    ],
  })
  status!: WebhookStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastDeliveryAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: () => OrgPolicyBlockDto, nullable: true, required: false })
  block?: OrgPolicyBlockDto | null;
  @ApiProperty({
    required: false,
    description: 'deliveries GitHub failed to make that Trackeep had redelivered and received, last 24 hours',
  })
  recoveredLast24h?: number;
}

export class TrackedRepoDto implements TrackedRepo {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() githubId!: number;
  @ApiProperty() owner!: string;
  @ApiProperty() name!: string;
  @ApiProperty() fullName!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) language!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'bytes per language',
  })
  languages!: Record<string, number>;
  @ApiProperty({ type: [String] }) topics!: string[];
  @ApiProperty({ enum: ['public', 'private', 'internal'] }) visibility!: RepoVisibility;
  @ApiProperty() defaultBranch!: string;
  @ApiProperty() archived!: boolean;
  @ApiProperty() stars!: number;
  @ApiProperty() forks!: number;
  @ApiProperty() watchers!: number;
  @ApiProperty() openIssues!: number;
  @ApiProperty() sizeKb!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) pushedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
  @ApiProperty() htmlUrl!: string;
  @ApiProperty({ format: 'date-time' }) trackedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSyncAt!: string | null;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'partial'], nullable: true })
  lastSyncStatus!: SyncRunStatus | null;
  @ApiProperty({
    enum: ['ok', 'renamed', 'transferred', 'deleted', 'access_lost', 'needs_sso', 'oauth_app_blocked'],
  })
  githubState!: TrackedRepo['githubState'];
  @ApiProperty({ type: () => OrgPolicyBlockDto, nullable: true, required: false })
  githubBlock?: OrgPolicyBlockDto | null;
  @ApiProperty({ type: WebhookHealthDto }) webhook!: WebhookHealthDto;
}

export class GitActorDto implements GitActor {
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true }) login!: string | null;
  @ApiProperty({ format: 'date-time' }) date!: string;
}

export class CommitDto implements Commit {
  @ApiProperty() sha!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: GitActorDto }) author!: GitActorDto;
  @ApiProperty({ type: GitActorDto }) committer!: GitActorDto;
  @ApiProperty({ type: Number, nullable: true }) additions!: number | null;
  @ApiProperty({ type: Number, nullable: true }) deletions!: number | null;
  @ApiProperty({ type: Number, nullable: true }) changedFiles!: number | null;
  @ApiProperty({ required: false, description: 'GitHub kept refusing the size figures; they stay null' })
  figuresUnavailable?: boolean;
  @ApiProperty({ type: [String] }) parents!: string[];
  @ApiProperty() htmlUrl!: string;
}

export class PullRequestDto implements PullRequest {
  @ApiProperty() number!: number;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['open', 'closed', 'merged'] }) state!: PullState;
  @ApiProperty() draft!: boolean;
  @ApiProperty({ type: String, nullable: true }) author!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) mergedAt!: string | null;
  @ApiProperty() baseRef!: string;
  @ApiProperty() headRef!: string;
  @ApiProperty({ type: Number, nullable: true }) additions!: number | null;
  @ApiProperty({ type: Number, nullable: true }) deletions!: number | null;
  @ApiProperty({ type: Number, nullable: true }) changedFiles!: number | null;
  @ApiProperty({ required: false, description: 'GitHub kept refusing the size figures; they stay null' })
  figuresUnavailable?: boolean;
  @ApiProperty({ type: Number, nullable: true }) commits!: number | null;
  @ApiProperty() reviewCount!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) firstReviewAt!: string | null;
  @ApiProperty({ type: [String] }) labels!: string[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Seconds from creation to merge; null while not merged',
  })
  cycleTimeSeconds!: number | null;
  @ApiProperty() htmlUrl!: string;
}

export class BranchDto implements Branch {
  @ApiProperty() name!: string;
  @ApiProperty() headSha!: string;
  @ApiProperty() protected!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastCommitAt!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Commits on this branch that the default branch lacks, as of the last comparison (a sync); null until compared',
  })
  aheadBy!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Commits on the default branch that this branch lacks; null as for aheadBy',
  })
  behindBy!: number | null;
  @ApiProperty({
    description:
      'True when this branch or the default branch has moved since the counts were computed (a push seen by webhook); the next sync recounts them',
  })
  comparisonStale!: boolean;
}

export class WeeklyCommitsDto implements WeeklyCommits {
  @ApiProperty({ format: 'date', description: 'Monday the week starts on (UTC)' }) week!: string;
  @ApiProperty() commits!: number;
  @ApiProperty() additions!: number;
  @ApiProperty() deletions!: number;
}

export class WeeklyCycleTimeDto implements WeeklyCycleTime {
  @ApiProperty({ format: 'date', description: 'Monday the week starts on (UTC)' }) week!: string;
  @ApiProperty({ description: 'Pull requests merged that week' }) merged!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median seconds from opening to merge; null without merges',
  })
  medianSeconds!: number | null;
}

export class CycleTimeSummaryDto implements CycleTimeSummary {
  @ApiProperty({ type: WeeklyCycleTimeDto, isArray: true }) weeks!: WeeklyCycleTimeDto[];
  @ApiProperty({ description: 'Pull requests merged in all the weeks' }) merged!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median seconds from opening to merge over all the weeks',
  })
  medianSeconds!: number | null;
}

export class StatsPointDto implements StatsPoint {
  @ApiProperty({ format: 'date-time' }) capturedAt!: string;
  @ApiProperty() stars!: number;
  @ApiProperty() forks!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null before tracking began' })
  watchers!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'null before tracking began' })
  openIssues!: number | null;
}

export class CommitPageDto implements Page<Commit> {
  @ApiProperty({ type: [CommitDto] }) items!: CommitDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PullRequestPageDto implements Page<PullRequest> {
  @ApiProperty({ type: [PullRequestDto] }) items!: PullRequestDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class BranchPageDto implements Page<Branch> {
  @ApiProperty({ type: [BranchDto] }) items!: BranchDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class TrackedRepoPageDto implements Page<TrackedRepo> {
  @ApiProperty({ type: [TrackedRepoDto] }) items!: TrackedRepoDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
