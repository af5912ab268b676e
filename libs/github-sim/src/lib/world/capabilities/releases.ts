import { SimError, validationFailed } from '../sim-error';
import { addTag } from './git-data';
import type { RepoRef } from '../world-store';
import type { SimRelease } from '../world.types';
import { WorldCapability } from './world-capability';

export interface CreateReleaseInput extends RepoRef {
  tag: string;
  /** What to tag when the tag does not exist yet: a branch or commit (the default branch by default). */
  ref?: string;
  name?: string;
  prerelease?: boolean;
  sender?: string;
  /** When it was created and published (epoch ms); now by default. */
  at?: number;
}

export interface DeleteReleaseInput extends RepoRef {
  releaseId: number;
  sender?: string;
}

/**
 * Published releases, as GitHub's releases API makes them: each announces created, published and released. A
 * deleted release announces `deleted` with the release as it was; its tag stays, as on GitHub.
 */
export class Releases extends WorldCapability {
  async createRelease(input: CreateReleaseInput): Promise<SimRelease> {
    const store = this.store;
    const repo = store.writableRepo(input);
    if (typeof input.tag !== 'string' || !input.tag.trim())
      throw validationFailed([{ resource: 'Release', field: 'tag_name', code: 'missing_field' }]);
    const d = store.detail(repo);
    if (d.releases.some((r) => r.tagName === input.tag))
      throw validationFailed([{ resource: 'Release', field: 'tag_name', code: 'already_exists' }]);
    const target = input.ref ?? repo.defaultBranch;
    // An existing tag is released as it is; a new one is made of the target (a lightweight tag, `create` sent).
    const existing = d.tags.get(input.tag);
    const sha = existing ? existing.sha : store.resolveRef(repo, target);
    if (!sha) throw new SimError(422, `No ref found for: ${target}`);
    const authorId = store.senderOf(repo, input.sender, 'push');
    const at = input.at ?? Date.now();
    if (!existing) await addTag(store, repo, { name: input.tag, from: sha, senderId: authorId, at });
    const release: SimRelease = {
      id: store.nextId('release'),
      tagName: input.tag,
      name: input.name ?? input.tag,
      sha,
      targetCommitish: target,
      draft: false,
      prerelease: input.prerelease ?? false,
      authorId,
      createdAt: at,
      publishedAt: at,
      updatedAt: at,
    };
    d.releases.push(release);
    for (const action of ['created', 'published', release.prerelease ? 'prereleased' : 'released'] as const)
      await store.emit({ type: 'release', repo, senderId: authorId, action, release });
    return release;
  }

  async deleteRelease(input: DeleteReleaseInput): Promise<void> {
    const store = this.store;
    const repo = store.writableRepo(input);
    const d = store.detail(repo);
    const at = d.releases.findIndex((r) => r.id === input.releaseId);
    const release = d.releases[at];
    if (!release) throw new SimError(404, 'Not Found');
    const sender = store.senderOf(repo, input.sender, 'push');
    d.releases.splice(at, 1);
    await store.emit({ type: 'release', repo, senderId: sender, action: 'deleted', release });
  }
}
