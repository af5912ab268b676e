import { RepositoryData1764000000000 } from './1764000000000-RepositoryData';
import { AuthAndAccess1764000100000 } from './1764000100000-AuthAndAccess';
import { SyncState1764000200000 } from './1764000200000-SyncState';
import { SyncPointsBreakdown1764000200100 } from './1764000200100-SyncPointsBreakdown';
import { Webhooks1764000300000 } from './1764000300000-Webhooks';
import { BranchActivityIndex1764000400000 } from './1764000400000-BranchActivityIndex';
import { LosslessWebhookIntake1764000600000 } from './1764000600000-LosslessWebhookIntake';
import { GithubFailureShapes1764001000000 } from './1764001000000-GithubFailureShapes';
import { ExpiringGithubTokens1764001100000 } from './1764001100000-ExpiringGithubTokens';
import { WebhookRedelivery1764001200000 } from './1764001200000-WebhookRedelivery';
import { GithubAppInstallations1764001300000 } from './1764001300000-GithubAppInstallations';
import { StarAndForkHistory1764001500000 } from './1764001500000-StarAndForkHistory';
import { TeamsAndPeople1764001600000 } from './1764001600000-TeamsAndPeople';
import { InsightsSettings1764002000000 } from './1764002000000-InsightsSettings';
import { PersonWorkIndexes1764002400000 } from './1764002400000-PersonWorkIndexes';
import { PullRequestReviews1764002500000 } from './1764002500000-PullRequestReviews';
import { MergedPullsIndex1764002600000 } from './1764002600000-MergedPullsIndex';
import { Deployments1764002700000 } from './1764002700000-Deployments';
import { Releases1764002800000 } from './1764002800000-Releases';
import { Issues1764002900000 } from './1764002900000-Issues';
import { WorkflowRuns1764003000000 } from './1764003000000-WorkflowRuns';
import { Tags1764003100000 } from './1764003100000-Tags';
import { IssueClosedBy1764003200000 } from './1764003200000-IssueClosedBy';
import { RepoSyncHistory1764003300000 } from './1764003300000-RepoSyncHistory';
import { PullRequestComments1764003400000 } from './1764003400000-PullRequestComments';
import { ActivityRollups1764003600000 } from './1764003600000-ActivityRollups';
import { AppHookRedelivery1764003700000 } from './1764003700000-AppHookRedelivery';
import { RedeliveryRuns1764003800000 } from './1764003800000-RedeliveryRuns';
import { FactVersions1764003900000 } from './1764003900000-FactVersions';
import { PersonRepositoriesIndex1764004000000 } from './1764004000000-PersonRepositoriesIndex';
import { RepoSyncState1764004100000 } from './1764004100000-RepoSyncState';
import { EtagFreshness1764004200000 } from './1764004200000-EtagFreshness';
import { PullRequestFirstCommit1764004300000 } from './1764004300000-PullRequestFirstCommit';
import { InstallationRateLimits1764004400000 } from './1764004400000-InstallationRateLimits';
import { InstallationCoverageView1764004500000 } from './1764004500000-InstallationCoverageView';
import { BranchComparison1764004600000 } from './1764004600000-BranchComparison';
import { OpenPullRequestsIndex1764004700000 } from './1764004700000-OpenPullRequestsIndex';
import { CompressedWebhookBodies1764004800000 } from './1764004800000-CompressedWebhookBodies';
import { PolicyRefusals1764004900000 } from './1764004900000-PolicyRefusals';
import { ReplacedHeads1764005000000 } from './1764005000000-ReplacedHeads';

// Every migration, in order. Bundled builds cannot glob files, so each new migration is listed here.
export const MIGRATIONS = [
  RepositoryData1764000000000,
  AuthAndAccess1764000100000,
  SyncState1764000200000,
  SyncPointsBreakdown1764000200100,
  Webhooks1764000300000,
  BranchActivityIndex1764000400000,
  LosslessWebhookIntake1764000600000,
  GithubFailureShapes1764001000000,
  ExpiringGithubTokens1764001100000,
  WebhookRedelivery1764001200000,
  GithubAppInstallations1764001300000,
  StarAndForkHistory1764001500000,
  TeamsAndPeople1764001600000,
  InsightsSettings1764002000000,
  PersonWorkIndexes1764002400000,
  PullRequestReviews1764002500000,
  MergedPullsIndex1764002600000,
  Deployments1764002700000,
  Releases1764002800000,
  Issues1764002900000,
  WorkflowRuns1764003000000,
  Tags1764003100000,
  IssueClosedBy1764003200000,
  RepoSyncHistory1764003300000,
  PullRequestComments1764003400000,
  ActivityRollups1764003600000,
  AppHookRedelivery1764003700000,
  RedeliveryRuns1764003800000,
  FactVersions1764003900000,
  PersonRepositoriesIndex1764004000000,
  RepoSyncState1764004100000,
  EtagFreshness1764004200000,
  PullRequestFirstCommit1764004300000,
  InstallationRateLimits1764004400000,
  InstallationCoverageView1764004500000,
  BranchComparison1764004600000,
  OpenPullRequestsIndex1764004700000,
  CompressedWebhookBodies1764004800000,
  PolicyRefusals1764004900000,
  ReplacedHeads1764005000000,
];
