import type {
  GithubInstallationValues,
  GithubRepositoryValues,
  InstallationRepoValues,
} from './installations.repository';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** GitHub's `installation` object (REST or a webhook's), or null when it lacks what Trackeep keeps. */
export function readInstallation(value: unknown): GithubInstallationValues | null {
  const i = obj(value);
  const account = obj(i?.['account']);
  const installationId = int(i?.['id']);
  const appId = int(i?.['app_id']);
  const accountId = int(account?.['id']);
  const accountLogin = str(account?.['login']) ?? str(account?.['slug']);
  if (installationId === null || appId === null || accountId === null || accountLogin === null) return null;
  const permissions: Record<string, string> = {};
  for (const [name, level] of Object.entries(obj(i?.['permissions']) ?? {}))
    if (typeof level === 'string') permissions[name] = level;
  const events = Array.isArray(i?.['events'])
    ? (i['events'] as unknown[]).filter((e): e is string => typeof e === 'string')
    : [];
  const suspended = str(i?.['suspended_at']);
  return {
    installationId,
    appId,
    accountId,
    accountLogin,
    accountType: str(account?.['type']) ?? (account?.['slug'] ? 'Enterprise' : 'User'),
    repositorySelection: i?.['repository_selection'] === 'all' ? 'all' : 'selected',
    permissions,
    events,
    suspendedAt: suspended ? new Date(suspended) : null,
  };
}

/** A list of GitHub repository objects (full or the short ones installation webhooks carry). */
export function readRepos(value: unknown): InstallationRepoValues[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r) => {
    const repo = obj(r);
    const githubId = int(repo?.['id']);
    const fullName = str(repo?.['full_name']);
    return githubId !== null && fullName !== null
      ? [{ githubId, fullName, private: repo?.['private'] === true }]
      : [];
  });
}

/** A full GitHub repository object (GET /installation/repositories) as the repositories table stores it. */
export function readRepositoryValues(value: unknown): GithubRepositoryValues | null {
  const gh = obj(value);
  const githubId = int(gh?.['id']);
  const owner = str(obj(gh?.['owner'])?.['login']);
  const name = str(gh?.['name']);
  const fullName = str(gh?.['full_name']);
  const nodeId = str(gh?.['node_id']);
  const htmlUrl = str(gh?.['html_url']);
  if (!gh || githubId === null || !owner || !name || !fullName || !nodeId || !htmlUrl) return null;
  const num = (k: string) => int(gh[k]) ?? 0;
  return {
    github_id: githubId,
    node_id: nodeId,
    owner,
    name,
    full_name: fullName,
    html_url: htmlUrl,
    description: str(gh['description']),
    language: str(gh['language']),
    topics: Array.isArray(gh['topics'])
      ? (gh['topics'] as unknown[]).filter((t): t is string => typeof t === 'string')
      : [],
    visibility: gh['visibility'] === 'internal' ? 'internal' : gh['private'] === true ? 'private' : 'public',
    default_branch: str(gh['default_branch']) ?? 'main',
    archived: gh['archived'] === true,
    stars: num('stargazers_count'),
    forks: num('forks_count'),
    watchers: int(gh['subscribers_count']) ?? num('watchers_count'),
    open_issues: num('open_issues_count'),
    size_kb: num('size'),
    pushed_at: str(gh['pushed_at']),
    github_updated_at: str(gh['updated_at']),
  };
}
