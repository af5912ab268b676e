import type { components } from '@octokit/openapi-types';
import type { SimWorld } from '../world/sim-world';
import type {
  RepoPermission,
  SimCommit,
  SimCommitAuthor,
  SimDelivery,
  SimFileChange,
  SimHook,
  SimIssue,
  SimLabel,
  SimOrg,
  SimPull,
  SimRepo,
  SimRepoEvent,
  SimUser,
} from '../world/world.types';

/** REST bodies with GitHub's field names, typed by GitHub's own OpenAPI description. */
export type Schemas = components['schemas'];

/** Absolute bases of a response: REST (`https://api.github.com` or `https://ghes/api/v3`) and web. */
export interface Urls {
  api: string;
  web: string;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GitHub's legacy global node id: base64("0" + len(type) + ":" + type + id). */
export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}

export function decodeNodeId(id: string): { type: string; key: string } | null {
  if (typeof id !== 'string' || id.length > 200) return null;
  const text = Buffer.from(id, 'base64').toString('utf8');
  const [, length, type, key] = /^0(\d+):([A-Za-z]+)(.+)$/.exec(text) ?? [];
  if (type === undefined || key === undefined || type.length !== Number(length)) return null;
  return { type, key };
}

export function avatarUrl(urls: Urls, id: number): string {
  return `${urls.web}/avatars/u/${id}?v=4`;
}

export function simpleUser(
  urls: Urls,
  u: SimUser | SimOrg,
  kind: 'User' | 'Organization' = 'User',
): Schemas['simple-user'] {
  const api = `${urls.api}/users/${u.login}`;
  return {
    login: u.login,
    id: u.id,
    node_id: nodeId(kind, u.id),
    avatar_url: avatarUrl(urls, u.id),
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${u.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: kind,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function userById(w: SimWorld, urls: Urls, id: number): Schemas['simple-user'] {
  const u = w.users.get(id);
  if (u) return simpleUser(urls, u);
  const o = w.orgs.get(id) as SimOrg;
  return simpleUser(urls, o, 'Organization');
}

export function ownerOf(w: SimWorld, urls: Urls, repo: SimRepo): Schemas['simple-user'] {
  return repo.ownerType === 'User'
    ? simpleUser(urls, w.users.get(repo.ownerId) as SimUser)
    : simpleUser(urls, w.orgs.get(repo.ownerId) as SimOrg, 'Organization');
}

export function privateUser(w: SimWorld, urls: Urls, u: SimUser): Schemas['private-user'] {
  const owned = [...w.repos.values()].filter(
    (r) => !r.deleted && r.ownerType === 'User' && r.ownerId === u.id,
  );
  const priv = owned.filter((r) => r.private).length;
  return {
    ...simpleUser(urls, u),
    user_view_type: 'private',
    name: u.name,
    company: u.company,
    blog: '',
    location: u.location,
    email: u.email,
    notification_email: u.email,
    hireable: null,
    bio: u.bio,
    twitter_username: null,
    public_repos: owned.length - priv,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: iso(u.createdAt),
    updated_at: iso(u.createdAt),
    private_gists: 0,
    total_private_repos: priv,
    owned_private_repos: priv,
    disk_usage: 10_000,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'pro', space: 976562499, collaborators: 0, private_repos: 9999 },
  };
}

export function orgSimple(urls: Urls, o: SimOrg): Schemas['organization-simple'] {
  const api = `${urls.api}/orgs/${o.login}`;
  return {
    login: o.login,
    id: o.id,
    node_id: nodeId('Organization', o.id),
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: avatarUrl(urls, o.id),
    description: o.description,
  };
}

function permissionsObject(p: RepoPermission | null): NonNullable<Schemas['full-repository']['permissions']> {
  const rank = p ? { pull: 1, triage: 2, push: 3, maintain: 4, admin: 5 }[p] : 0;
  return { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 };
}

function repoUrls(urls: Urls, fullName: string) {
  const api = `${urls.api}/repos/${fullName}`;
  const host = new URL(urls.web).host;
  return {
    html_url: `${urls.web}/${fullName}`,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    git_url: `git://${host}/${fullName}.git`,
    ssh_url: `git@${host}:${fullName}.git`,
    clone_url: `${urls.web}/${fullName}.git`,
    svn_url: `${urls.web}/${fullName}`,
  };
}

function licenseOf(urls: Urls, repo: SimRepo): Schemas['nullable-license-simple'] {
  if (!repo.license) return null;
  return {
    ...repo.license,
    url: `${urls.api}/licenses/${repo.license.key}`,
    node_id: nodeId('License', repo.license.key),
  };
}

/** GET /user/repos, /orgs/{org}/repos and webhook `repository` objects. */
export function repository(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  viewerId: number | null,
): Schemas['repository'] {
  const d = w.detail(repo);
  const fullName = w.fullName(repo);
  const openIssues =
    d.issues.filter((i) => i.state === 'open').length + d.pulls.filter((p) => p.state === 'open').length;
  const stars = d.stars.length;
  const size = repoSizeKb(repo);
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: fullName,
    private: repo.private,
    owner: ownerOf(w, urls, repo),
    ...repoUrls(urls, fullName),
    description: repo.description,
    fork: repo.fork,
    created_at: iso(repo.createdAt),
    updated_at: iso(repo.updatedAt),
    pushed_at: iso(repo.pushedAt),
    homepage: repo.homepage,
    mirror_url: null,
    size,
    stargazers_count: stars,
    // GitHub's historic quirk: watchers_count mirrors stargazers; real watchers are subscribers_count.
    watchers_count: stars,
    language: repo.language,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: repo.forksCount,
    archived: repo.archived,
    disabled: repo.disabled,
    open_issues_count: openIssues,
    license: licenseOf(urls, repo),
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [...repo.topics],
    visibility: repo.visibility,
    forks: repo.forksCount,
    open_issues: openIssues,
    watchers: stars,
    default_branch: repo.defaultBranch,
    ...(viewerId !== null ? { permissions: permissionsObject(w.permissionOf(repo, viewerId)) } : {}),
  };
}

/** GitHub's reaction counts of something nobody reacted to. */
export function emptyReactions(url: string) {
  return {
    url,
    total_count: 0,
    '+1': 0,
    '-1': 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}

/** A repository's size in KB, as `size` and an organization's `disk_usage` give it (its code, by language). */
export function repoSizeKb(repo: SimRepo): number {
  return Math.max(1, Math.round(Object.values(repo.languages).reduce((a, b) => a + b, 0) / 1024));
}

export function fullRepository(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  viewerId: number | null,
): Schemas['full-repository'] {
  const base = repository(w, urls, repo, viewerId);
  const parent = repo.parentId ? w.repos.get(repo.parentId) : undefined;
  let source = parent;
  while (source?.parentId && w.repos.get(source.parentId)) source = w.repos.get(source.parentId);
  const org = repo.ownerType === 'Organization' ? w.orgs.get(repo.ownerId) : undefined;
  const canPush = base.permissions?.push === true;
  return {
    ...base,
    pushed_at: base.pushed_at as string,
    created_at: base.created_at as string,
    updated_at: base.updated_at as string,
    has_discussions: false,
    subscribers_count: repo.watcherIds.size,
    network_count: (source ?? repo).forksCount,
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    // Only those who may push get a clone token field (empty for a public repository).
    ...(canPush ? { temp_clone_token: repo.private ? `T${repo.id.toString(36).toUpperCase()}` : '' } : {}),
    ...(org ? { organization: simpleUser(urls, org, 'Organization') } : {}),
    ...(parent
      ? {
          parent: repository(w, urls, parent, viewerId),
          source: repository(w, urls, source as SimRepo, viewerId),
        }
      : {}),
  };
}

export function minimalRepository(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  viewerId: number | null,
): Schemas['minimal-repository'] {
  const { license, ...rest } = repository(w, urls, repo, viewerId);
  return { ...rest, license: license ? { ...license, spdx_id: license.spdx_id ?? undefined } : null };
}

function gitUser(a: SimCommitAuthor, ms: number): Schemas['nullable-git-user'] {
  return { name: a.name, email: a.email, date: iso(ms) };
}

/** A commit as /repos/{o}/{r}/commits lists it; `withDetails` adds stats and files like /commits/{sha}. */
export function commit(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  c: SimCommit,
  withDetails: boolean,
): Schemas['commit'] {
  const fullName = w.fullName(repo);
  const api = `${urls.api}/repos/${fullName}`;
  const linked = (a: SimCommitAuthor) => {
    const u = a.userId === null ? undefined : w.users.get(a.userId);
    return u ? simpleUser(urls, u) : null;
  };
  const out: Schemas['commit'] = {
    sha: c.sha,
    node_id: nodeId('Commit', `${repo.id}:${c.sha}`),
    commit: {
      author: gitUser(c.author, c.authoredAt),
      committer: gitUser(c.committer, c.committedAt),
      message: c.message,
      tree: { sha: c.treeSha, url: `${api}/git/trees/${c.treeSha}` },
      url: `${api}/git/commits/${c.sha}`,
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    url: `${api}/commits/${c.sha}`,
    html_url: `${urls.web}/${fullName}/commit/${c.sha}`,
    comments_url: `${api}/commits/${c.sha}/comments`,
    author: linked(c.author),
    committer:
      c.committer.email === 'noreply@github.com'
        ? { ...simpleUser(urls, webFlowUser()), type: 'User' }
        : linked(c.committer),
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${api}/commits/${p}`,
      html_url: `${urls.web}/${fullName}/commit/${p}`,
    })),
  };
  if (withDetails) {
    out.stats = { total: c.additions + c.deletions, additions: c.additions, deletions: c.deletions };
    out.files = c.files.map((f) => diffEntry(w, urls, repo, c.sha, f));
  }
  return out;
}

/** A file changed by a commit (or a comparison), with its blob as of the commit `sha`. */
export function diffEntry(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  sha: string,
  f: SimFileChange,
): Schemas['diff-entry'] {
  const fullName = w.fullName(repo);
  return {
    sha: f.status === 'removed' ? null : blobSha(sha, f.filename),
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${urls.web}/${fullName}/blob/${sha}/${f.filename}`,
    raw_url: `${urls.web}/${fullName}/raw/${sha}/${f.filename}`,
    contents_url: `${urls.api}/repos/${fullName}/contents/${f.filename}?ref=${sha}`,
    patch: `@@ -1,${f.deletions} +1,${f.additions} @@`,
  };
}

/** GitHub's "web-flow" user commits merges made in the web UI. */
function webFlowUser(): SimUser {
  return {
    id: 19864447,
    login: 'web-flow',
    name: 'GitHub',
    email: 'noreply@github.com',
    company: null,
    location: null,
    bio: null,
    createdAt: 0,
    siteAdmin: false,
  };
}

function blobSha(sha: string, filename: string): string {
  let h = 0;
  for (const ch of filename) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (sha.slice(8) + h.toString(16).padStart(8, '0')).slice(0, 40);
}

export function label(urls: Urls, repoFullName: string, l: SimLabel): Schemas['label'] {
  return {
    id: l.id,
    node_id: nodeId('Label', l.id),
    url: `${urls.api}/repos/${repoFullName}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: l.default,
    description: l.description,
  };
}

function labelsOf(w: SimWorld, urls: Urls, repo: SimRepo, names: string[]): Schemas['label'][] {
  const d = w.detail(repo);
  const fullName = w.fullName(repo);
  return names
    .map((n) => d.labels.find((l) => l.name === n))
    .filter((l): l is SimLabel => !!l)
    .map((l) => label(urls, fullName, l));
}

function authorAssociation(w: SimWorld, repo: SimRepo, userId: number): Schemas['author-association'] {
  if (repo.ownerType === 'User' && repo.ownerId === userId) return 'OWNER';
  if (repo.ownerType === 'Organization' && w.orgs.get(repo.ownerId)?.members.has(userId)) return 'MEMBER';
  if (repo.collaborators.has(userId)) return 'COLLABORATOR';
  return 'CONTRIBUTOR';
}

export function pullRequest(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  p: SimPull,
  viewerId: number | null,
): Schemas['pull-request'] {
  const fullName = w.fullName(repo);
  const api = `${urls.api}/repos/${fullName}`;
  const repoObj = repository(w, urls, repo, viewerId);
  const owner = ownerOf(w, urls, repo);
  const author = userById(w, urls, p.authorId);
  const self = `${api}/pulls/${p.number}`;
  const html = `${urls.web}/${fullName}/pull/${p.number}`;
  return {
    url: self,
    id: p.id,
    node_id: nodeId('PullRequest', p.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${p.headSha}`,
    number: p.number,
    state: p.state,
    locked: p.locked,
    title: p.title,
    user: author,
    body: p.body || null,
    labels: labelsOf(w, urls, repo, p.labels),
    milestone: null,
    active_lock_reason: null,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    closed_at: p.closedAt ? iso(p.closedAt) : null,
    merged_at: p.mergedAt ? iso(p.mergedAt) : null,
    merge_commit_sha: p.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: p.requestedReviewerIds.map((id) => userById(w, urls, id)),
    requested_teams: [],
    head: {
      label: `${owner.login}:${p.headRef}`,
      ref: p.headRef,
      sha: p.headSha,
      user: owner,
      repo: repoObj,
    },
    base: {
      label: `${owner.login}:${p.baseRef}`,
      ref: p.baseRef,
      sha: p.baseSha,
      user: owner,
      repo: repoObj,
    },
    _links: {
      self: { href: self },
      html: { href: html },
      issue: { href: `${api}/issues/${p.number}` },
      comments: { href: `${api}/issues/${p.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${api}/statuses/${p.headSha}` },
    },
    author_association: authorAssociation(w, repo, p.authorId),
    auto_merge: null,
    draft: p.draft,
    merged: p.mergedAt !== null,
    mergeable: p.state === 'open' ? true : null,
    rebaseable: p.state === 'open' ? true : null,
    mergeable_state: p.state === 'open' ? (p.draft ? 'draft' : 'clean') : 'unknown',
    merged_by: p.mergedById ? userById(w, urls, p.mergedById) : null,
    comments: p.comments,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: p.commits,
    additions: p.additions,
    deletions: p.deletions,
    changed_files: p.changedFiles,
  };
}

/** List shape: the full shape minus the detail-only counters (what GET /pulls returns). */
export function pullRequestSimple(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  p: SimPull,
  viewerId: number | null,
): Schemas['pull-request-simple'] {
  const {
    merged: _merged,
    mergeable: _mergeable,
    rebaseable: _rebaseable,
    mergeable_state: _ms,
    merged_by: _mb,
    comments: _c,
    review_comments: _rc,
    maintainer_can_modify: _mcm,
    commits: _commits,
    additions: _a,
    deletions: _d,
    changed_files: _cf,
    ...rest
  } = pullRequest(w, urls, repo, p, viewerId);
  return {
    ...rest,
    requested_teams: [],
    labels: rest.labels.map((l) => ({ ...l, description: l.description ?? '' })),
  };
}

export function review(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  p: SimPull,
  r: SimPull['reviews'][number],
): Schemas['pull-request-review'] {
  const fullName = w.fullName(repo);
  const html = `${urls.web}/${fullName}/pull/${p.number}#pullrequestreview-${r.id}`;
  return {
    id: r.id,
    node_id: nodeId('PullRequestReview', r.id),
    user: userById(w, urls, r.userId),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: `${urls.api}/repos/${fullName}/pulls/${p.number}`,
    author_association: authorAssociation(w, repo, r.userId),
    _links: {
      html: { href: html },
      pull_request: { href: `${urls.api}/repos/${fullName}/pulls/${p.number}` },
    },
    submitted_at: iso(r.submittedAt),
    commit_id: r.commitId,
  };
}

export function issue(w: SimWorld, urls: Urls, repo: SimRepo, i: SimIssue): Schemas['issue'] {
  const fullName = w.fullName(repo);
  const assignees = (i.assigneeIds ?? []).map((id) => userById(w, urls, id));
  const api = `${urls.api}/repos/${fullName}/issues/${i.number}`;
  return {
    id: i.id,
    node_id: nodeId('Issue', i.id),
    url: api,
    repository_url: `${urls.api}/repos/${fullName}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${urls.web}/${fullName}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.stateReason,
    title: i.title,
    body: i.body,
    user: userById(w, urls, i.authorId),
    labels: labelsOf(w, urls, repo, i.labels),
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: i.comments,
    closed_at: i.closedAt ? iso(i.closedAt) : null,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    author_association: authorAssociation(w, repo, i.authorId),
    reactions: emptyReactions(`${api}/reactions`),
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
  };
}

/** A pull request as the issues API shows it: an issue with a `pull_request` key. */
export function pullAsIssue(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  p: SimPull,
  viewerId: number | null,
): Schemas['issue'] {
  const pr = pullRequest(w, urls, repo, p, viewerId);
  return {
    ...issue(w, urls, repo, {
      id: p.id,
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      stateReason: null,
      authorId: p.authorId,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      closedAt: p.closedAt,
      comments: p.comments,
      labels: p.labels,
    }),
    draft: p.draft,
    pull_request: {
      url: pr.url,
      html_url: pr.html_url,
      diff_url: pr.diff_url,
      patch_url: pr.patch_url,
      merged_at: pr.merged_at,
    },
  };
}

export function shortBranch(
  w: SimWorld,
  urls: Urls,
  repo: SimRepo,
  name: string,
  tip: string,
  isProtected: boolean,
): Schemas['short-branch'] {
  const api = `${urls.api}/repos/${w.fullName(repo)}`;
  return {
    name,
    commit: { sha: tip, url: `${api}/commits/${tip}` },
    protected: isProtected,
    protection: {
      enabled: isProtected,
      required_status_checks: {
        enforcement_level: isProtected ? 'non_admins' : 'off',
        contexts: [],
        checks: [],
      },
    },
    protection_url: `${api}/branches/${encodeURIComponent(name)}/protection`,
  };
}

export function hook(urls: Urls, repoFullName: string, h: SimHook): Schemas['hook'] {
  const api = `${urls.api}/repos/${repoFullName}/hooks/${h.id}`;
  return {
    type: 'Repository',
    id: h.id,
    name: 'web',
    active: h.active,
    events: [...h.events],
    config: {
      url: h.config.url,
      content_type: h.config.content_type,
      insecure_ssl: h.config.insecure_ssl,
      ...(h.config.secret ? { secret: '********' } : {}),
    },
    updated_at: iso(h.updatedAt),
    created_at: iso(h.createdAt),
    url: api,
    test_url: `${api}/test`,
    ping_url: `${api}/pings`,
    deliveries_url: `${api}/deliveries`,
    last_response: {
      code: h.lastResponse.code,
      status: h.lastResponse.status,
      message: h.lastResponse.message,
    },
  };
}

export function hookDeliveryItem(d: SimDelivery): Schemas['hook-delivery-item'] {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: iso(d.deliveredAt),
    redelivery: d.redelivery,
    duration: d.durationMs / 1000,
    status: d.status,
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: null,
    repository_id: d.repoId,
    throttled_at: null,
  };
}

export function hookDelivery(d: SimDelivery, hookUrl: string): Schemas['hook-delivery'] {
  return {
    ...hookDeliveryItem(d),
    id: d.id,
    installation_id: null,
    repository_id: d.repoId,
    url: hookUrl,
    request: { headers: d.requestHeaders, payload: d.payload as Record<string, unknown> },
    response: { headers: {}, payload: d.responseBody },
  };
}

export function actor(urls: Urls, u: SimUser): Schemas['actor'] {
  return {
    id: u.id,
    login: u.login,
    display_login: u.login,
    gravatar_id: '',
    url: `${urls.api}/users/${u.login}`,
    avatar_url: avatarUrl(urls, u.id),
  };
}

/** GET /repos/{o}/{r}/events: the public activity feed with GitHub's event type names. */
export function repoEvent(w: SimWorld, urls: Urls, repo: SimRepo, e: SimRepoEvent): Schemas['event'] {
  const d = w.detail(repo);
  const user = w.users.get(e.actorId) ?? (w.users.values().next().value as SimUser);
  const p = e.payload;
  let payload: Record<string, unknown> = {};
  switch (e.type) {
    case 'PushEvent': {
      const shas = (p['shas'] as string[]) ?? [];
      const graph = w.graph(repo);
      payload = {
        repository_id: repo.id,
        push_id: Number(e.id) % 2_000_000_000,
        size: shas.length,
        distinct_size: shas.length,
        ref: p['ref'],
        head: p['head'],
        before: p['before'],
        commits: shas.map((sha) => {
          const c = graph.get(sha);
          return {
            sha,
            author: { email: c?.author.email ?? '', name: c?.author.name ?? '' },
            message: c?.message ?? '',
            distinct: true,
            url: `${urls.api}/repos/${w.fullName(repo)}/commits/${sha}`,
          };
        }),
      };
      break;
    }
    case 'PullRequestEvent':
    case 'PullRequestReviewEvent': {
      const pull = d.pulls.find((x) => x.id === p['pullId']);
      payload = {
        action: p['action'],
        number: p['number'],
        pull_request: pull ? pullRequest(w, urls, repo, pull, null) : null,
      };
      if (e.type === 'PullRequestReviewEvent' && pull) {
        const r = pull.reviews.find((x) => x.id === p['reviewId']);
        payload = {
          action: 'created',
          review: r ? review(w, urls, repo, pull, r) : null,
          pull_request: payload['pull_request'],
        };
      }
      break;
    }
    case 'IssuesEvent': {
      const i = d.issues.find((x) => x.id === p['issueId']);
      payload = { action: p['action'], issue: i ? issue(w, urls, repo, i) : null };
      break;
    }
    case 'CreateEvent':
    case 'DeleteEvent':
      payload = {
        ref: p['ref'],
        ref_type: p['ref_type'],
        ...(e.type === 'CreateEvent'
          ? { master_branch: repo.defaultBranch, description: repo.description, pusher_type: 'user' }
          : { pusher_type: 'user' }),
      };
      break;
    case 'ForkEvent': {
      const f = w.repos.get(p['forkeeId'] as number);
      payload = { forkee: f ? repository(w, urls, f, null) : null };
      break;
    }
    case 'MemberEvent': {
      const m = w.users.get(p['memberId'] as number);
      payload = { action: p['action'], member: m ? simpleUser(urls, m) : null };
      break;
    }
    default:
      payload = { ...p };
  }
  const org = repo.ownerType === 'Organization' ? w.orgs.get(repo.ownerId) : undefined;
  return {
    id: e.id,
    type: e.type,
    actor: actor(urls, user),
    repo: { id: repo.id, name: w.fullName(repo), url: `${urls.api}/repos/${w.fullName(repo)}` },
    payload: payload as Schemas['event']['payload'],
    public: !repo.private,
    created_at: iso(e.createdAt),
    ...(org
      ? {
          org: {
            id: org.id,
            login: org.login,
            gravatar_id: '',
            url: `${urls.api}/orgs/${org.login}`,
            avatar_url: avatarUrl(urls, org.id),
          },
        }
      : {}),
  };
}
