import type { OrgPolicyBlock, TrackedRepo } from '@trackeep/contracts';

/**
 * `url` when it is an absolute http(s) URL, else null. Links come from GitHub's answers (an `X-GitHub-SSO`
 * header, an error message), so anything else, such as `javascript:`, never reaches an href.
 */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The state in plain words: "Needs SSO authorization for acme" or "Blocked by acme's OAuth App policy". */
export function orgPolicyText(block: OrgPolicyBlock): string {
  return block.kind === 'sso'
    ? `Needs SSO authorization for ${block.org}`
    : `Blocked by ${block.org}'s OAuth App policy`;
}

/**
 * The policy block behind a repository's `needs_sso` / `oauth_app_blocked` state. Without the API's details the
 * organization is the repository's owner, and there is no link to offer.
 */
export function repoPolicyBlock(repo: TrackedRepo): OrgPolicyBlock | null {
  return blockFor(repo.githubState, repo.githubBlock, repo.owner);
}

/** The same for the repository's webhook (its registration is refused by the policy). */
export function webhookPolicyBlock(repo: TrackedRepo): OrgPolicyBlock | null {
  return blockFor(repo.webhook.status, repo.webhook.block, repo.owner);
}

function blockFor(
  state: string,
  block: OrgPolicyBlock | null | undefined,
  owner: string,
): OrgPolicyBlock | null {
  if (state === 'needs_sso')
    return block?.kind === 'sso' ? block : { kind: 'sso', org: block?.org ?? owner, url: null };
  if (state === 'oauth_app_blocked') {
    return block?.kind === 'oauth_app_policy'
      ? block
      : { kind: 'oauth_app_policy', org: block?.org ?? owner, url: null };
  }
  return null;
}
