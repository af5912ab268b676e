import { validationFailed } from '../sim-error';
import { PERMISSION_RANK, type RepoRef } from '../world-store';
import type { RepoPermission, SimRepo } from '../world.types';
import { WorldCapability } from './world-capability';

export interface GrantAccessInput extends RepoRef {
  login: string;
  /** Default push. */
  permission?: RepoPermission;
  sender?: string;
}

export interface RevokeAccessInput extends RepoRef {
  login: string;
  sender?: string;
}

export interface RemoveCollaboratorInput extends RepoRef {
  login: string;
  senderId: number;
}

/** Who may use a repository: direct collaborators and revoked access, with the `member` webhook. */
export class Collaborators extends WorldCapability {
  async grantAccess(input: GrantAccessInput): Promise<void> {
    const store = this.store;
    const repo = store.requireRepo(input);
    const user = store.requireUser(input.login);
    const permission = input.permission ?? 'push';
    if (!(permission in PERMISSION_RANK)) throw validationFailed([{ field: 'permission', code: 'invalid' }]);
    repo.revoked.delete(user.id);
    const isNew = !repo.collaborators.has(user.id);
    repo.collaborators.set(user.id, permission);
    if (isNew) await this.announce(repo, store.senderOf(repo, input.sender), 'added', user.id);
  }

  /**
   * Takes every access away from a user, also what came from an organization or team (a private repo then
   * answers 404 to them); the `member` webhook (removed) goes out if they were a direct collaborator.
   */
  async revokeAccess(input: RevokeAccessInput): Promise<void> {
    const store = this.store;
    const repo = store.requireRepo(input);
    const user = store.requireUser(input.login);
    const wasCollaborator = repo.collaborators.delete(user.id);
    repo.revoked.add(user.id);
    if (wasCollaborator) await this.announce(repo, store.senderOf(repo, input.sender), 'removed', user.id);
  }

  /**
   * Removes a direct collaborator, as GitHub's `DELETE /repos/{owner}/{repo}/collaborators/{username}` does:
   * access through an organization or team stays; the `member` webhook (removed) goes out if they were one.
   */
  async removeCollaborator(input: RemoveCollaboratorInput): Promise<boolean> {
    const store = this.store;
    const repo = store.requireRepo(input);
    const user = store.requireUser(input.login);
    if (!repo.collaborators.delete(user.id)) return false;
    await this.announce(repo, input.senderId, 'removed', user.id);
    return true;
  }

  /** A change of direct collaborators: a MemberEvent in the feed and the `member` webhook. */
  private async announce(
    repo: SimRepo,
    senderId: number,
    action: 'added' | 'removed',
    memberId: number,
  ): Promise<void> {
    this.store.feed(repo, 'MemberEvent', senderId, { action, memberId });
    await this.store.emit({ type: 'member', repo, senderId, action, memberId });
  }
}
