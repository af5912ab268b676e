import { aTrackedRepo } from '../../testing/fixtures';
import { orgPolicyText, repoPolicyBlock, safeHttpUrl, webhookPolicyBlock } from './org-policy';

describe(safeHttpUrl.name, () => {
  it('keeps absolute http and https URLs', () => {
    expect(safeHttpUrl('https://github.com/orgs/acme/sso?authorization_request=A1')).toBe(
      'https://github.com/orgs/acme/sso?authorization_request=A1',
    );
    expect(safeHttpUrl('http://ghe.example.com/orgs/acme/sso')).toBe('http://ghe.example.com/orgs/acme/sso');
  });

  it('refuses every other scheme, relative URLs and garbage', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      'ftp://x.example',
      '/orgs/acme/sso',
      '//github.com/x',
      ' ',
      '',
      null,
      undefined,
    ]) {
      expect(safeHttpUrl(url)).toBeNull();
    }
  });
});

describe(orgPolicyText.name, () => {
  it('names the state and the organization in plain words', () => {
    expect(orgPolicyText({ kind: 'sso', org: 'acme', url: null })).toBe('Needs SSO authorization for acme');
    expect(orgPolicyText({ kind: 'oauth_app_policy', org: 'acme', url: null })).toBe(
      "Blocked by acme's OAuth App policy",
    );
  });
});

describe(repoPolicyBlock.name, () => {
  it('is null for states that are not a policy block', () => {
    expect(repoPolicyBlock(aTrackedRepo({ githubState: 'ok' }))).toBeNull();
    expect(repoPolicyBlock(aTrackedRepo({ githubState: 'access_lost' }))).toBeNull();
  });

  it("falls back to the owner, without a link, when the API's details are missing or do not match the state", () => {
    expect(
      repoPolicyBlock(aTrackedRepo({ owner: 'acme', githubState: 'needs_sso', githubBlock: null })),
    ).toEqual({
      kind: 'sso',
      org: 'acme',
      url: null,
    });
    expect(
      repoPolicyBlock(
        aTrackedRepo({
          githubState: 'needs_sso',
          githubBlock: { kind: 'oauth_app_policy', org: 'corp', url: 'https://x.example' },
        }),
      ),
    ).toEqual({ kind: 'sso', org: 'corp', url: null });
  });
});

describe(webhookPolicyBlock.name, () => {
  it("reads the webhook's own block", () => {
    const block = { kind: 'oauth_app_policy', org: 'acme', url: 'https://docs.github.com/x' } as const;
    expect(
      webhookPolicyBlock(
        aTrackedRepo({
          webhook: { status: 'oauth_app_blocked', lastDeliveryAt: null, lastError: null, block },
        }),
      ),
    ).toBe(block);
    expect(webhookPolicyBlock(aTrackedRepo())).toBeNull();
  });
});
