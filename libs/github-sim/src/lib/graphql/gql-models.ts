import { CommitModel } from './models/commit.model';
import { DeploymentModel } from './models/deployment.model';
import type { GqlContext, Obj } from './models/gql-model';
import { IssueModel } from './models/issue.model';
import { LabelModel } from './models/label.model';
import { OrganizationModel } from './models/organization.model';
import { PullRequestModel } from './models/pull-request.model';
import { QueryModel } from './models/query.model';
import { ReleaseModel } from './models/release.model';
import { RefModel } from './models/ref.model';
import { RepositoryModel } from './models/repository.model';
import { TeamModel } from './models/team.model';
import { UserModel } from './models/user.model';

/**
 * One request's GraphQL objects, one model per GitHub type (models/*.model.ts). Objects link to each other
 * (a repository's pull request's author's repositories …), so every model reaches the others through here.
 */
export class GqlModels {
  readonly query = new QueryModel(this);
  readonly user = new UserModel(this);
  readonly organization = new OrganizationModel(this);
  readonly team = new TeamModel(this);
  readonly repository = new RepositoryModel(this);
  readonly label = new LabelModel(this);
  readonly ref = new RefModel(this);
  readonly commit = new CommitModel(this);
  readonly pullRequest = new PullRequestModel(this);
  readonly issue = new IssueModel(this);
  readonly deployment = new DeploymentModel(this);
  readonly release = new ReleaseModel(this);

  constructor(readonly context: GqlContext) {}

  /** The root value of an execution. */
  root(): Obj {
    return this.query.root();
  }
}
