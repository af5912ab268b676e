/**
 * What the insights are computed from: plain records read from the stored GitHub data. Nothing here knows
 * about Nest or the database, so every metric can be checked against a hand-computed fixture.
 */

export interface CommitFact {
  sha: string;
  parents: string[];
  committedAt: Date;
  /** When it was first written (survives rebases and amends); the committer's time when unknown. */
  authoredAt: Date;
  /** The first line of the message (what GitHub's merge and squash commits name the pull request in). */
  message: string;
}

export interface DeploymentStatusFact {
  /** GitHub's states: error, failure, inactive, in_progress, queued, pending, success. */
  state: string;
  at: Date;
}

export interface DeploymentFact {
  id: string;
  environment: string;
  sha: string;
  createdAt: Date;
  statuses: DeploymentStatusFact[];
  url: string | null;
}

export interface ReleaseFact {
  tagName: string;
  /** The tagged commit, when known. */
  sha: string | null;
  publishedAt: Date | null;
  createdAt: Date;
  draft: boolean;
  prerelease: boolean;
  url: string | null;
}

export interface TagFact {
  name: string;
  sha: string;
  /** When the tag appeared (the tagged commit's time when nothing better is known). */
  at: Date;
}

export interface WorkflowRunFact {
  id: string;
  name: string;
  headBranch: string | null;
  headSha: string;
  status: string;
  conclusion: string | null;
  createdAt: Date;
  /** When it finished (updated_at of a completed run). */
  completedAt: Date | null;
  url: string | null;
}

export interface ReviewFact {
  author: string | null;
  authorIsBot: boolean;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED. */
  state: string;
  submittedAt: Date;
  /** Review comments that came with it; null when not known (the sync does not read them). */
  comments: number | null;
}

export interface PullFact {
  number: number;
  title: string;
  author: string | null;
  baseRef: string;
  headRef: string;
  createdAt: Date;
  /** When it was marked ready for review; null: opened ready (or unknown, then the opening counts). */
  readyForReviewAt: Date | null;
  mergedAt: Date | null;
  /** The commit the merge put on the base branch (a merge, squash or rebase commit), when known. */
  mergeCommitSha: string | null;
  /** The earliest authored commit of the pull request, when known. */
  firstCommitAt: Date | null;
  additions: number | null;
  deletions: number | null;
  /** Null when reviews are not stored for it: review-based stages are then unknown. */
  reviews: ReviewFact[] | null;
  /** Comments it received (conversation and review), when a source counted them. */
  comments?: number | null;
  url: string | null;
}

export interface IssueFact {
  number: number;
  title: string;
  labels: string[];
  createdAt: Date;
  closedAt: Date | null;
  url: string | null;
}

/** Everything known of one repository. */
export interface RepoFacts {
  repository: string;
  defaultBranch: string;
  commits: CommitFact[];
  deployments: DeploymentFact[];
  releases: ReleaseFact[];
  tags: TagFact[];
  workflowRuns: WorkflowRunFact[];
  pulls: PullFact[];
  issues: IssueFact[];
}

export type MergedPull = PullFact & { mergedAt: Date };

export const isMerged = (p: PullFact): p is MergedPull => p.mergedAt !== null;
