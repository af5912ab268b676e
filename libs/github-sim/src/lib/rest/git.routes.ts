import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { notFound, SimError, validationFailed } from '../world/sim-error';
import type { SimRepo } from '../world/world.types';
import { bodyObject, hasScope, repoFromPath } from './access';
import { gitRef, gitTag, tag, tagRef } from './git-serializers';
import { pageOf } from './pagination';
import type { Schemas } from './serializers';

const WRITE_SCOPES = ['repo', 'public_repo'];

/**
 * Tags and the git refs API: GET /repos/{o}/{r}/tags, GET …/git/ref/{ref}, GET …/git/matching-refs/{ref}, the
 * older GET …/git/refs[/{prefix}],
 * POST …/git/refs (a branch or a lightweight tag), DELETE …/git/refs/{ref}, GET …/git/tags/{tag_sha}.
 */
export function registerGitRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;
  /** A `*ref` path parameter (it may hold slashes). */
  const refParam = (r: ApiRequest): string => {
    const raw = (r.req.params as Record<string, unknown>)['ref'];
    return Array.isArray(raw) ? raw.join('/') : String(raw ?? '');
  };
  const allRefs = (repo: SimRepo, r: ApiRequest): Array<Schemas['git-ref']> => {
    const d = w.detail(repo);
    const refs = [
      ...[...d.branches.values()].map((b) =>
        gitRef(w, r.urls, repo, `refs/heads/${b.name}`, { type: 'commit', sha: b.tip }),
      ),
      ...[...d.tags.values()].map((t) => tagRef(w, r.urls, repo, t)),
    ];
    return refs.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  };
  const writable = (r: ApiRequest): SimRepo => {
    if (r.viewerId === null && !r.installation) throw new SimError(401, 'Requires authentication');
    const repo = repoFromPath(w, r, 'push');
    const scoped =
      r.installation !== undefined ||
      !!r.userApp ||
      hasScope(r.scopes, 'repo') ||
      (hasScope(r.scopes, 'public_repo') && !repo.private);
    if (!scoped) throw notFound();
    return repo;
  };
  const senderOf = (r: ApiRequest) => (r.viewerId === null ? undefined : w.users.get(r.viewerId)?.login);

  // Newest versions first: by name, descending, numbers compared as numbers.
  api.get('/repos/:owner/:repo/tags', '/repos/{owner}/{repo}/tags', (r) => {
    const repo = repoFromPath(w, r);
    const tags = [...w.detail(repo).tags.values()].sort((a, b) =>
      b.name.localeCompare(a.name, 'en', { numeric: true }),
    );
    return pageOf(r, tags, (t) => tag(w, r.urls, repo, t));
  });

  api.get('/repos/:owner/:repo/git/ref/*ref', '/repos/{owner}/{repo}/git/ref/{ref}', (r) => {
    const repo = repoFromPath(w, r);
    const want = `refs/${refParam(r)}`;
    const found = allRefs(repo, r).find((x) => x.ref === want);
    if (!found) throw notFound();
    return { body: found };
  });

  api.get(
    '/repos/:owner/:repo/git/matching-refs/*ref',
    '/repos/{owner}/{repo}/git/matching-refs/{ref}',
    (r) => {
      const repo = repoFromPath(w, r);
      const prefix = `refs/${refParam(r)}`;
      return { body: allRefs(repo, r).filter((x) => x.ref.startsWith(prefix)) };
    },
  );

  // The older form clients still call: every ref, or those under a prefix (one object when the name is exact).
  api.get('/repos/:owner/:repo/git/refs', '/repos/{owner}/{repo}/git/refs', (r) => ({
    body: allRefs(repoFromPath(w, r), r),
  }));
  api.get('/repos/:owner/:repo/git/refs/*ref', '/repos/{owner}/{repo}/git/refs/{ref}', (r) => {
    const repo = repoFromPath(w, r);
    const want = `refs/${refParam(r)}`;
    const refs = allRefs(repo, r);
    const exact = refs.find((x) => x.ref === want);
    if (exact) return { body: exact };
    const under = refs.filter((x) => x.ref.startsWith(`${want.replace(/\/$/, '')}/`));
    if (!under.length) throw notFound();
    return { body: under };
  });

  api.get('/repos/:owner/:repo/git/tags/:tag_sha', '/repos/{owner}/{repo}/git/tags/{tag_sha}', (r) => {
    const repo = repoFromPath(w, r);
    const sha = r.param('tag_sha');
    const t = [...w.detail(repo).tags.values()].find((x) => x.annotation?.sha === sha);
    const body = t ? gitTag(w, r.urls, repo, t) : null;
    if (!body) throw notFound();
    return { body };
  });

  api.post(
    '/repos/:owner/:repo/git/refs',
    '/repos/{owner}/{repo}/git/refs',
    async (r) => {
      const repo = writable(r);
      const body = bodyObject(r);
      for (const field of ['ref', 'sha'])
        if (typeof body[field] !== 'string' || !body[field])
          throw validationFailed(
            [{ resource: 'Reference', field, code: 'missing_field' }],
            `Invalid request.\n\n"${field}" wasn't supplied.`,
          );
      const ref = body['ref'] as string;
      const sha = body['sha'] as string;
      if (!/^refs\/[^/]+\/./.test(ref))
        throw new SimError(422, 'Reference name must contain at least three slash-separated components.');
      if (!/^[0-9a-f]{40}$/.test(sha) || !w.graph(repo).get(sha))
        throw new SimError(422, 'Object does not exist');
      const owner = w.ownerLogin(repo);
      let created: Schemas['git-ref'];
      if (ref.startsWith('refs/heads/')) {
        const b = await w.createBranch({
          owner,
          repo: repo.name,
          branch: ref.slice(11),
          from: sha,
          sender: senderOf(r),
        });
        created = gitRef(w, r.urls, repo, `refs/heads/${b.name}`, { type: 'commit', sha: b.tip });
      } else if (ref.startsWith('refs/tags/')) {
        const t = await w.createTag({
          owner,
          repo: repo.name,
          tag: ref.slice(10),
          from: sha,
          sender: senderOf(r),
        });
        created = tagRef(w, r.urls, repo, t);
      } else
        throw new SimError(
          422,
          `github-sim creates branches (refs/heads/) and tags (refs/tags/) only: ${ref}`,
        );
      return { status: 201, body: created, headers: { Location: created.url } };
    },
    { acceptedScopes: WRITE_SCOPES },
  );

  api.delete(
    '/repos/:owner/:repo/git/refs/*ref',
    '/repos/{owner}/{repo}/git/refs/{ref}',
    async (r) => {
      const repo = writable(r);
      const ref = refParam(r);
      const owner = w.ownerLogin(repo);
      if (ref.startsWith('heads/'))
        await w.deleteBranch({ owner, repo: repo.name, branch: ref.slice(6), sender: senderOf(r) });
      else if (ref.startsWith('tags/'))
        await w.deleteTag({ owner, repo: repo.name, tag: ref.slice(5), sender: senderOf(r) });
      else throw new SimError(422, 'Reference does not exist');
      return { status: 204 };
    },
    { acceptedScopes: WRITE_SCOPES },
  );
}
