import {
  Accounts,
  type NewUserInput,
  type OAuthAppInput,
  type OrgMembershipInput,
} from './capabilities/accounts';
import {
  Collaborators,
  type GrantAccessInput,
  type RemoveCollaboratorInput,
  type RevokeAccessInput,
} from './capabilities/collaborators';
import {
  type CreateBranchInput,
  type CreateTagInput,
  type DeleteBranchInput,
  type DeleteTagInput,
  GitData,
  type PushInput,
} from './capabilities/git-data';
import {
  GithubApps,
  type GithubAppInput,
  type InstallationActionInput,
  type InstallationPermissionsInput,
  type InstallationReposInput,
  type InstallationTokenRequest,
  type InstallInput,
} from './capabilities/github-apps';
import {
  type CreateDeploymentInput,
  type DeployInput,
  type DeploymentStatusInput,
  Deployments,
} from './capabilities/deployments';
import {
  type AssigneesInput,
  type CloseIssueInput,
  Issues,
  type OpenIssueInput,
} from './capabilities/issues';
import { type CreateReleaseInput, type DeleteReleaseInput, Releases } from './capabilities/releases';
import {
  type ClosePullInput,
  type MergePullInput,
  type OpenPullInput,
  PullRequests,
  type ReviewPullInput,
  type UpdatePullInput,
} from './capabilities/pull-requests';
import {
  type ArchiveRepoInput,
  type CreateRepoInput,
  type ForkInput,
  type RenameRepoInput,
  Repositories,
  type StarInput,
  type TransferRepoInput,
  type VisibilityInput,
} from './capabilities/repositories';
import { type WorkflowRunInput, WorkflowRuns } from './capabilities/workflow-runs';
import { type NewTeamInput, Teams, type TeamMembershipInput, type TeamRepoInput } from './capabilities/teams';
import { type RepoRef, WorldStore } from './world-store';

/**
 * The simulated GitHub: the store (state, lookups, access rules) plus every mutation of the control API, each
 * handled by its capability. Mutations are async: they resolve once every webhook they trigger has been
 * delivered. Tests, benchmarks and tools drive the simulator through this one object.
 */
export class SimWorld extends WorldStore {
  private readonly accounts = new Accounts(this);
  private readonly collaborators = new Collaborators(this);
  private readonly git = new GitData(this);
  private readonly apps = new GithubApps(this);
  private readonly issues = new Issues(this);
  private readonly deployments = new Deployments(this);
  private readonly releases = new Releases(this);
  private readonly workflowRuns = new WorkflowRuns(this);
  private readonly pullRequests = new PullRequests(this);
  private readonly repositories = new Repositories(this);
  private readonly teams = new Teams(this);

  // ---------------------------------------------------------------- users, organizations, tokens

  addUser(input: NewUserInput) {
    return this.accounts.addUser(input);
  }

  setOrgMembership(input: OrgMembershipInput) {
    this.accounts.setOrgMembership(input);
  }

  createTeam(input: NewTeamInput) {
    return this.teams.createTeam(input);
  }

  deleteTeam(org: string, slug: string) {
    this.teams.deleteTeam(org, slug);
  }

  setTeamMembership(input: TeamMembershipInput) {
    this.teams.setTeamMembership(input);
  }

  setTeamRepo(input: TeamRepoInput) {
    this.teams.setTeamRepo(input);
  }

  registerOAuthApp(app: OAuthAppInput) {
    this.accounts.registerOAuthApp(app);
  }

  issueToken(login: string, scopes?: string[], clientId: string | null = null) {
    return this.accounts.issueToken(login, scopes, clientId);
  }

  revokeToken(token: string) {
    return this.accounts.revokeToken(token);
  }

  revokeGrant(clientId: string, userId: number) {
    return this.accounts.revokeGrant(clientId, userId);
  }

  // ---------------------------------------------------------------- commits and branches

  pushCommits(input: PushInput) {
    return this.git.pushCommits(input);
  }

  createBranch(input: CreateBranchInput) {
    return this.git.createBranch(input);
  }

  deleteBranch(input: DeleteBranchInput) {
    return this.git.deleteBranch(input);
  }

  createTag(input: CreateTagInput) {
    return this.git.createTag(input);
  }

  deleteTag(input: DeleteTagInput) {
    return this.git.deleteTag(input);
  }

  // ---------------------------------------------------------------- pull requests and issues

  openPull(input: OpenPullInput) {
    return this.pullRequests.openPull(input);
  }

  updatePull(input: UpdatePullInput) {
    return this.pullRequests.updatePull(input);
  }

  closePull(input: ClosePullInput) {
    return this.pullRequests.closePull(input);
  }

  mergePull(input: MergePullInput) {
    return this.pullRequests.mergePull(input);
  }

  reviewPull(input: ReviewPullInput) {
    return this.pullRequests.reviewPull(input);
  }

  openIssue(input: OpenIssueInput) {
    return this.issues.openIssue(input);
  }

  closeIssue(input: CloseIssueInput) {
    return this.issues.closeIssue(input);
  }

  setAssignees(input: AssigneesInput) {
    return this.issues.setAssignees(input);
  }

  // ---------------------------------------------------------------- deployments

  createDeployment(input: CreateDeploymentInput) {
    return this.deployments.createDeployment(input);
  }

  addDeploymentStatus(input: DeploymentStatusInput) {
    return this.deployments.addDeploymentStatus(input);
  }

  deploy(input: DeployInput) {
    return this.deployments.deploy(input);
  }

  createRelease(input: CreateReleaseInput) {
    return this.releases.createRelease(input);
  }

  deleteRelease(input: DeleteReleaseInput) {
    return this.releases.deleteRelease(input);
  }

  /** A GitHub Actions run: requested, in progress, then completed, each with its `workflow_run` webhook. */
  runWorkflow(input: WorkflowRunInput) {
    return this.workflowRuns.runWorkflow(input);
  }

  // ---------------------------------------------------------------- GitHub Apps and installations

  registerGithubApp(input: GithubAppInput) {
    return this.apps.registerGithubApp(input);
  }

  setGithubAppWebhook(app: string | number, url: string | null, secret?: string | null) {
    return this.apps.setGithubAppWebhook(app, url, secret);
  }

  installApp(input: InstallInput) {
    return this.apps.install(input);
  }

  addInstallationRepos(input: InstallationReposInput) {
    return this.apps.addInstallationRepos(input);
  }

  removeInstallationRepos(input: InstallationReposInput) {
    return this.apps.removeInstallationRepos(input);
  }

  suspendInstallation(input: InstallationActionInput) {
    return this.apps.suspendInstallation(input);
  }

  unsuspendInstallation(input: InstallationActionInput) {
    return this.apps.unsuspendInstallation(input);
  }

  uninstallApp(input: InstallationActionInput) {
    return this.apps.uninstall(input);
  }

  acceptNewPermissions(input: InstallationPermissionsInput) {
    return this.apps.acceptNewPermissions(input);
  }

  createInstallationToken(installationId: number, request?: InstallationTokenRequest) {
    return this.apps.createInstallationToken(installationId, request);
  }

  expireInstallationToken(token: string) {
    return this.apps.expireInstallationToken(token);
  }

  issueUserToken(app: string | number, login: string) {
    return this.apps.issueUserToken(app, login);
  }

  refreshUserToken(clientId: string, refreshToken: string) {
    return this.apps.refreshUserToken(clientId, refreshToken);
  }

  expireUserToken(token: string) {
    return this.apps.expireUserToken(token);
  }

  // ---------------------------------------------------------------- repositories and access

  createRepo(input: CreateRepoInput) {
    return this.repositories.createRepo(input);
  }

  star(input: StarInput) {
    return this.repositories.star(input);
  }

  unstar(input: RepoRef & { login: string }) {
    return this.repositories.star({ ...input, starred: false });
  }

  fork(input: ForkInput) {
    return this.repositories.fork(input);
  }

  renameRepo(input: RenameRepoInput) {
    return this.repositories.renameRepo(input);
  }

  transferRepo(input: TransferRepoInput) {
    return this.repositories.transferRepo(input);
  }

  archiveRepo(input: ArchiveRepoInput) {
    return this.repositories.archiveRepo(input);
  }

  setVisibility(input: VisibilityInput) {
    return this.repositories.setVisibility(input);
  }

  deleteRepo(input: RepoRef & { sender?: string }) {
    return this.repositories.deleteRepo(input);
  }

  grantAccess(input: GrantAccessInput) {
    return this.collaborators.grantAccess(input);
  }

  revokeAccess(input: RevokeAccessInput) {
    return this.collaborators.revokeAccess(input);
  }

  removeCollaborator(input: RemoveCollaboratorInput) {
    return this.collaborators.removeCollaborator(input);
  }
}
