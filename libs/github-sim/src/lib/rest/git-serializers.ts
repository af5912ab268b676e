import type { SimWorld } from '../world/sim-world';
import type { SimRepo, SimTag } from '../world/world.types';
import { iso, nodeId, type Schemas, type Urls } from './serializers';

/** A branch or tag ref as the git refs API answers it (components/schemas/git-ref). */
export function gitRef(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  ref: string,
  object: { type: 'commit' | 'tag'; sha: string },
): Schemas['git-ref'] {
  const api = `${urls.api}/repos/${w.fullName(repo)}`;
  return {
    ref,
    node_id: nodeId('Ref', `${repo.id}:${ref}`),
    url: `${api}/git/${ref}`,
    object: {
      type: object.type,
      sha: object.sha,
      url: `${api}/git/${object.type === 'tag' ? 'tags' : 'commits'}/${object.sha}`,
    },
  };
}

/** A tag's ref: an annotated tag's names its tag object, a lightweight tag's the commit. */
export function tagRef(w: SimWorld, urls: Urls, repo: SimRepo, t: SimTag): Schemas['git-ref'] {
  return gitRef(
    w,
    urls,
    repo,
    `refs/tags/${t.name}`,
    t.annotation ? { type: 'tag', sha: t.annotation.sha } : { type: 'commit', sha: t.sha },
  );
}

/** A tag in GET /repos/{o}/{r}/tags (components/schemas/tag): the tagged commit, whatever kind of tag. */
export function tag(w: SimWorld, urls: Urls, repo: SimRepo, t: SimTag): Schemas['tag'] {
  const api = `${urls.api}/repos/${w.fullName(repo)}`;
  return {
    name: t.name,
    commit: { sha: t.sha, url: `${api}/commits/${t.sha}` },
    zipball_url: `${api}/zipball/refs/tags/${t.name}`,
    tarball_url: `${api}/tarball/refs/tags/${t.name}`,
    node_id: nodeId('Ref', `${repo.id}:refs/tags/${t.name}`),
  };
}

/** An annotated tag's tag object (components/schemas/git-tag); the simulator signs nothing. */
export function gitTag(w: SimWorld, urls: Urls, repo: SimRepo, t: SimTag): Schemas['git-tag'] | null {
  const a = t.annotation;
  if (!a) return null;
  const api = `${urls.api}/repos/${w.fullName(repo)}`;
  return {
    node_id: nodeId('Tag', `${repo.id}:${a.sha}`),
    tag: t.name,
    sha: a.sha,
    url: `${api}/git/tags/${a.sha}`,
    message: `${a.message}\n`,
    tagger: { date: iso(a.taggedAt), email: a.tagger.email, name: a.tagger.name },
    object: { sha: t.sha, type: 'commit', url: `${api}/git/commits/${t.sha}` },
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}
