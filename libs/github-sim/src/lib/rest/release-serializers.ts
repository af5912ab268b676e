import type { SimWorld } from '../world/sim-world';
import type { SimRelease, SimRepo } from '../world/world.types';
import { iso, nodeId, userById, type Schemas, type Urls } from './serializers';

/** A release as REST answers it (components/schemas/release); releases carry no assets here. */
export function release(w: SimWorld, urls: Urls, repo: SimRepo, r: SimRelease): Schemas['release'] {
  const full = w.fullName(repo);
  const url = `${urls.api}/repos/${full}/releases/${r.id}`;
  return {
    url,
    html_url: `${urls.web}/${full}/releases/tag/${encodeURIComponent(r.tagName)}`,
    assets_url: `${url}/assets`,
    upload_url: `${urls.api.replace('//api.', '//uploads.')}/repos/${full}/releases/${r.id}/assets{?name,label}`,
    tarball_url: `${urls.api}/repos/${full}/tarball/${encodeURIComponent(r.tagName)}`,
    zipball_url: `${urls.api}/repos/${full}/zipball/${encodeURIComponent(r.tagName)}`,
    id: r.id,
    node_id: nodeId('Release', r.id),
    tag_name: r.tagName,
    target_commitish: r.targetCommitish,
    name: r.name,
    body: null,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: false,
    created_at: iso(r.createdAt),
    published_at: r.publishedAt === null ? null : iso(r.publishedAt),
    updated_at: iso(r.updatedAt),
    author: userById(w, urls, r.authorId),
    assets: [],
  };
}
