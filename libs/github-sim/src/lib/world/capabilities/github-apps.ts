import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SimError, validationFailed } from '../sim-error';
import type {
  AppPermissionLevel,
  AppPermissions,
  SimGithubApp,
  SimInstallation,
  SimInstallationToken,
  SimRepo,
  SimToken,
} from '../world.types';
import { WorldCapability } from './world-capability';

export interface GithubAppInput {
  slug: string;
  name?: string;
  /** Login of the user or organization that owns the App (default octocat). */
  owner?: string;
  /** Fixed id (the demo App keeps one across restarts); default the next App id. */
  id?: number;
  clientId?: string;
  clientSecret?: string;
  /** PEM of the App's key (public, or private: only its public half is kept). Without it a key pair is generated. */
  key?: string;
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  permissions?: AppPermissions;
  events?: string[];
  expireUserTokens?: boolean;
  setupUrl?: string | null;
  callbackUrl?: string | null;
}

export interface RegisteredGithubApp {
  app: SimGithubApp;
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY", as GitHub hands it out) when the simulator generated the key. */
  privateKeyPem: string | null;
}

export interface InstallInput {
  /** App slug or id. */
  app: string | number;
  /** User or organization login. */
  account: string;
  repositorySelection?: 'all' | 'selected';
  /** Repository names in the account (for 'selected'). */
  repositories?: string[];
  /** Who installs (default: the account itself, or an admin of the organization). */
  sender?: string;
}

export interface InstallationReposInput {
  installationId: number;
  repositories: string[];
  sender?: string;
}

export interface InstallationActionInput {
  installationId: number;
  sender?: string;
}

export interface InstallationPermissionsInput extends InstallationActionInput {
  permissions: AppPermissions;
  events?: string[];
}

export interface InstallationTokenRequest {
  permissions?: Record<string, unknown>;
  repositoryIds?: unknown[];
  repositories?: unknown[];
}

export interface UserTokenGrant {
  accessToken: string;
  /** Seconds; absent when the App does not expire user tokens. */
  expiresIn?: number;
  refreshToken?: string;
  refreshTokenExpiresIn?: number;
}

/** GitHub's figures: installation tokens 1 h, expiring user tokens 8 h, refresh tokens 184 days. */
export const INSTALLATION_TOKEN_TTL_S = 3600;
export const USER_TOKEN_TTL_S = 28_800;
export const REFRESH_TOKEN_TTL_S = 15_897_600;

const DEFAULT_PERMISSIONS: AppPermissions = {
  metadata: 'read',
  contents: 'read',
  pull_requests: 'read',
  issues: 'read',
  members: 'read',
};
const DEFAULT_EVENTS = [
  'push',
  'pull_request',
  'pull_request_review',
  'repository',
  'member',
  'membership',
  'organization',
  'team',
];
const LEVEL: Record<AppPermissionLevel, number> = { read: 1, write: 2, admin: 3 };
const CREATE_TOKEN_DOCS =
  'https://docs.github.com/rest/reference/apps#create-an-installation-access-token-for-an-app';

export const SUSPENDED_MESSAGE = 'This installation has been suspended';

/** A GitHub-style token: prefix + 36 base62 characters. */
export function randomToken(prefix: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (const b of randomBytes(36)) out += alphabet.charAt(b % 62);
  return `${prefix}_${out}`;
}

/**
 * GitHub Apps: registration, installation on users and organizations (all or selected repositories), repository
 * changes, suspension, uninstall, installation tokens and expiring user tokens with single-use refresh tokens.
 * Every change to an installation emits the `installation`/`installation_repositories` webhook GitHub sends.
 */
export class GithubApps extends WorldCapability {
  registerGithubApp(input: GithubAppInput): RegisteredGithubApp {
    const store = this.store;
    if (!/^[a-z0-9][a-z0-9-]{0,33}$/.test(input.slug ?? ''))
      throw validationFailed([{ resource: 'Integration', field: 'slug', code: 'invalid' }]);
    const owner = store.account(input.owner ?? 'octocat');
    if (!owner) throw new SimError(404, `Unknown account "${input.owner}"`);
    let privateKeyPem: string | null = null;
    let publicKeyPem: string;
    if (input.key) {
      try {
        publicKeyPem = createPublicKey(input.key).export({ type: 'spki', format: 'pem' }).toString();
      } catch {
        throw validationFailed([{ resource: 'Integration', field: 'key', code: 'invalid' }]);
      }
    } else {
      const pair = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      });
      publicKeyPem = pair.publicKey;
      privateKeyPem = pair.privateKey;
    }
    const existing = [...store.githubApps.values()].find((a) => a.slug === input.slug);
    const now = Date.now();
    const id = existing?.id ?? input.id ?? store.nextId('app');
    const app: SimGithubApp = {
      id,
      slug: input.slug,
      name: input.name ?? input.slug,
      description: '',
      ownerId: owner.id,
      ownerType: owner.kind === 'user' ? 'User' : 'Organization',
      clientId: input.clientId ?? `Iv23li${randomBytes(7).toString('hex')}`,
      clientSecret: input.clientSecret ?? randomBytes(20).toString('hex'),
      publicKeyPem,
      webhookUrl: input.webhookUrl ?? null,
      webhookSecret: input.webhookSecret ?? null,
      hookId: existing?.hookId ?? store.nextId('hook'),
      permissions: { metadata: 'read', ...(input.permissions ?? DEFAULT_PERMISSIONS) },
      events: input.events ?? DEFAULT_EVENTS,
      expireUserTokens: input.expireUserTokens ?? true,
      setupUrl: input.setupUrl ?? null,
      callbackUrl: input.callbackUrl ?? null,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    store.githubApps.set(app.id, app);
    // The App's client id works in the OAuth web flow (user-to-server tokens) like an OAuth App's.
    store.oauthApps.set(app.clientId, {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      name: app.name,
      callbackUrl: app.callbackUrl,
      githubAppId: app.id,
    });
    return { app, privateKeyPem };
  }

  /** Points the App's webhook somewhere else (tests start their receiver after the App exists). */
  setGithubAppWebhook(appRef: string | number, url: string | null, secret?: string | null): SimGithubApp {
    const app = this.store.requireGithubApp(appRef);
    app.webhookUrl = url;
    if (secret !== undefined) app.webhookSecret = secret;
    return app;
  }

  async install(input: InstallInput): Promise<SimInstallation> {
    const store = this.store;
    const app = store.requireGithubApp(input.app);
    const account = store.account(input.account);
    if (!account) throw new SimError(404, `Unknown account "${input.account}"`);
    const accountType = account.kind === 'user' ? 'User' : 'Organization';
    for (const i of store.installations.values())
      if (i.appId === app.id && i.accountId === account.id)
        throw validationFailed([
          { resource: 'Installation', code: 'already_exists', message: `${app.slug} is already installed` },
        ]);
    const selection = input.repositorySelection ?? (input.repositories ? 'selected' : 'all');
    const now = Date.now();
    const inst: SimInstallation = {
      id: store.nextId('installation'),
      appId: app.id,
      accountId: account.id,
      accountType,
      repositorySelection: selection,
      repoIds: new Set(),
      permissions: { ...app.permissions },
      events: [...app.events],
      suspendedAt: null,
      suspendedById: null,
      createdAt: now,
      updatedAt: now,
    };
    if (selection === 'selected')
      for (const r of this.reposOf(inst, input.repositories ?? [])) inst.repoIds.add(r.id);
    const senderId = this.senderOf(inst, input.sender);
    store.installations.set(inst.id, inst);
    await store.emit({
      type: 'installation',
      action: 'created',
      installation: inst,
      senderId,
      repos: store.installationRepos(inst),
    });
    return inst;
  }

  /** Adds repositories to a 'selected' installation (`installation_repositories` added). */
  async addInstallationRepos(input: InstallationReposInput): Promise<SimRepo[]> {
    const store = this.store;
    const inst = store.requireInstallation(input.installationId);
    if (inst.repositorySelection === 'all')
      throw validationFailed([
        {
          resource: 'Installation',
          code: 'invalid',
          message: 'The installation has access to all repositories',
        },
      ]);
    const added = this.reposOf(inst, input.repositories).filter((r) => !inst.repoIds.has(r.id));
    if (!added.length) return [];
    for (const r of added) inst.repoIds.add(r.id);
    inst.updatedAt = Date.now();
    await store.emit({
      type: 'installation_repositories',
      action: 'added',
      installation: inst,
      senderId: this.senderOf(inst, input.sender),
      added,
      removed: [],
    });
    return added;
  }

  /** Removes repositories; an 'all' installation becomes 'selected' with the others, as on GitHub. */
  async removeInstallationRepos(input: InstallationReposInput): Promise<SimRepo[]> {
    const store = this.store;
    const inst = store.requireInstallation(input.installationId);
    const named = this.reposOf(inst, input.repositories);
    if (inst.repositorySelection === 'all') {
      const all = store.installationRepos(inst).map((r) => r.id);
      inst.repositorySelection = 'selected';
      inst.repoIds = new Set(all);
    }
    const removed = named.filter((r) => inst.repoIds.has(r.id));
    if (!removed.length) return [];
    for (const r of removed) inst.repoIds.delete(r.id);
    inst.updatedAt = Date.now();
    await store.emit({
      type: 'installation_repositories',
      action: 'removed',
      installation: inst,
      senderId: this.senderOf(inst, input.sender),
      added: [],
      removed,
    });
    return removed;
  }

  async suspendInstallation(input: InstallationActionInput): Promise<SimInstallation> {
    const store = this.store;
    const inst = store.requireInstallation(input.installationId);
    if (inst.suspendedAt !== null) return inst;
    const senderId = this.senderOf(inst, input.sender);
    inst.suspendedAt = Date.now();
    inst.suspendedById = senderId;
    inst.updatedAt = inst.suspendedAt;
    await store.emit({ type: 'installation', action: 'suspend', installation: inst, senderId, repos: [] });
    return inst;
  }

  async unsuspendInstallation(input: InstallationActionInput): Promise<SimInstallation> {
    const store = this.store;
    const inst = store.requireInstallation(input.installationId);
    if (inst.suspendedAt === null) return inst;
    const senderId = this.senderOf(inst, input.sender);
    inst.suspendedAt = null;
    inst.suspendedById = null;
    inst.updatedAt = Date.now();
    await store.emit({ type: 'installation', action: 'unsuspend', installation: inst, senderId, repos: [] });
    return inst;
  }

  /** Uninstalls: its tokens stop working at once (401 Bad credentials), then `installation` deleted is sent. */
  async uninstall(input: InstallationActionInput): Promise<void> {
    const store = this.store;
    const inst = store.requireInstallation(input.installationId);
    const senderId = this.senderOf(inst, input.sender);
    const repos = store.installationRepos(inst);
    store.installations.delete(inst.id);
    for (const [t, rec] of store.installationTokens)
      if (rec.installationId === inst.id) store.installationTokens.delete(t);
    await store.emit({ type: 'installation', action: 'deleted', installation: inst, senderId, repos });
  }

  /** The account accepts the App's changed permissions (`installation` new_permissions_accepted). */
  async acceptNewPermissions(input: InstallationPermissionsInput): Promise<SimInstallation> {
    const store = this.store;
    const inst = store.requireInstallation(input.installationId);
    inst.permissions = { metadata: 'read', ...input.permissions };
    if (input.events) inst.events = [...input.events];
    inst.updatedAt = Date.now();
    await store.emit({
      type: 'installation',
      action: 'new_permissions_accepted',
      installation: inst,
      senderId: this.senderOf(inst, input.sender),
      repos: store.installationRepos(inst),
    });
    return inst;
  }

  /**
   * POST /app/installations/{id}/access_tokens: a one-hour `ghs_` token, optionally narrowed to some of the
   * installation's repositories and permissions. Errors are GitHub's: 404 unknown, 403 suspended, 422 for a
   * permission not granted or a repository outside the installation.
   */
  createInstallationToken(
    installationId: number,
    request: InstallationTokenRequest = {},
  ): SimInstallationToken {
    const store = this.store;
    const inst = store.installations.get(installationId);
    if (!inst) throw new SimError(404, 'Not Found', { documentation_url: CREATE_TOKEN_DOCS });
    if (inst.suspendedAt !== null)
      throw new SimError(403, SUSPENDED_MESSAGE, { documentation_url: CREATE_TOKEN_DOCS });
    let permissions: AppPermissions = { ...inst.permissions };
    if (request.permissions !== undefined) {
      if (
        !request.permissions ||
        typeof request.permissions !== 'object' ||
        Array.isArray(request.permissions)
      )
        throw validationFailed([{ resource: 'Installation', field: 'permissions', code: 'invalid' }]);
      permissions = {};
      for (const [name, level] of Object.entries(request.permissions)) {
        const granted = inst.permissions[name];
        if (
          typeof level !== 'string' ||
          !(level in LEVEL) ||
          !granted ||
          LEVEL[level as AppPermissionLevel] > LEVEL[granted]
        )
          throw new SimError(422, 'The permissions requested are not granted to this installation.', {
            documentation_url: CREATE_TOKEN_DOCS,
          });
        permissions[name] = level as AppPermissionLevel;
      }
      if (inst.permissions['metadata']) permissions['metadata'] = permissions['metadata'] ?? 'read';
    }
    let repoIds: number[] | null = null;
    const ids = request.repositoryIds;
    const names = request.repositories;
    if (ids !== undefined || names !== undefined) {
      if ((ids !== undefined && !Array.isArray(ids)) || (names !== undefined && !Array.isArray(names)))
        throw validationFailed([{ resource: 'Installation', field: 'repositories', code: 'invalid' }]);
      const covered = store.installationRepos(inst);
      const picked = new Set<number>();
      const outside = () =>
        new SimError(
          422,
          'There is at least one repository that does not exist or is not accessible to the parent installation.',
          { documentation_url: CREATE_TOKEN_DOCS },
        );
      for (const id of ids ?? []) {
        const repo = covered.find((r) => r.id === id);
        if (!repo) throw outside();
        picked.add(repo.id);
      }
      for (const name of names ?? []) {
        const repo = covered.find(
          (r) => typeof name === 'string' && r.name.toLowerCase() === name.toLowerCase(),
        );
        if (!repo) throw outside();
        picked.add(repo.id);
      }
      if (picked.size > 500)
        throw new SimError(422, 'Too many repositories specified (the limit is 500).', {
          documentation_url: CREATE_TOKEN_DOCS,
        });
      repoIds = [...picked].sort((a, b) => a - b);
    }
    const now = Date.now();
    const rec: SimInstallationToken = {
      token: randomToken('ghs'),
      installationId: inst.id,
      permissions,
      repoIds,
      createdAt: now,
      expiresAt: now + INSTALLATION_TOKEN_TTL_S * 1000,
    };
    store.installationTokens.set(rec.token, rec);
    return rec;
  }

  /** Makes an installation token expire now (tests of refresh-before-expiry and of 401 after expiry). */
  expireInstallationToken(token: string): boolean {
    const rec = this.store.installationTokens.get(token);
    if (!rec) return false;
    rec.expiresAt = Date.now() - 1;
    return true;
  }

  /** A user-to-server token of an App (`ghu_`); with expiring tokens on, 8 hours plus a `ghr_` refresh token. */
  issueUserToken(appRef: string | number, login: string): UserTokenGrant {
    const store = this.store;
    const app = store.requireGithubApp(appRef);
    const user = store.requireUser(login);
    const now = Date.now();
    const token: SimToken = {
      token: randomToken('ghu'),
      userId: user.id,
      scopes: [],
      clientId: app.clientId,
      createdAt: now,
      expiresAt: app.expireUserTokens ? now + USER_TOKEN_TTL_S * 1000 : null,
      githubAppId: app.id,
    };
    store.tokens.set(token.token, token);
    if (!app.expireUserTokens) return { accessToken: token.token };
    const refresh = randomToken('ghr');
    store.refreshTokens.set(refresh, {
      token: refresh,
      clientId: app.clientId,
      userId: user.id,
      accessToken: token.token,
      createdAt: now,
      expiresAt: now + REFRESH_TOKEN_TTL_S * 1000,
    });
    return {
      accessToken: token.token,
      expiresIn: USER_TOKEN_TTL_S,
      refreshToken: refresh,
      refreshTokenExpiresIn: REFRESH_TOKEN_TTL_S,
    };
  }

  /**
   * grant_type=refresh_token: single use. The refresh token and the access token issued with it stop working;
   * a new pair is returned. null when the refresh token is unknown, used, expired or another client's.
   */
  refreshUserToken(clientId: string, refreshToken: string): UserTokenGrant | null {
    const store = this.store;
    const rec = store.refreshTokens.get(refreshToken);
    if (!rec || rec.clientId !== clientId) return null;
    store.refreshTokens.delete(refreshToken);
    if (rec.expiresAt <= Date.now()) return null;
    store.tokens.delete(rec.accessToken);
    const app = [...store.githubApps.values()].find((a) => a.clientId === clientId);
    const user = store.users.get(rec.userId);
    if (!app || !user) return null;
    return this.issueUserToken(app.id, user.login);
  }

  /** Makes a user token expire now (it then answers 401 Bad credentials). */
  expireUserToken(token: string): boolean {
    const rec = this.store.tokens.get(token);
    if (!rec) return false;
    rec.expiresAt = Date.now() - 1;
    return true;
  }

  private reposOf(inst: SimInstallation, names: string[]): SimRepo[] {
    const login = this.store.accountLogin(inst.accountId, inst.accountType);
    if (!Array.isArray(names)) throw validationFailed([{ field: 'repositories', code: 'invalid' }]);
    return names.map((name) => {
      const repo = typeof name === 'string' ? this.store.repo(login, name) : undefined;
      if (!repo) throw new SimError(404, `Unknown repository "${login}/${String(name)}"`);
      return repo;
    });
  }

  private senderOf(inst: SimInstallation, login: string | undefined): number {
    const store = this.store;
    if (login) return store.requireUser(login).id;
    if (inst.accountType === 'User') return inst.accountId;
    const org = store.orgs.get(inst.accountId);
    for (const [id, role] of org?.members ?? []) if (role === 'admin') return id;
    const [first] = org?.members.keys() ?? [];
    if (first === undefined)
      throw new SimError(422, 'The organization has no members to act as; name a sender');
    return first;
  }
}
