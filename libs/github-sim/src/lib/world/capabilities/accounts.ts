import { randomBytes } from 'node:crypto';
import { SimError, validationFailed } from '../sim-error';
import type { SimUser } from '../world.types';
import { WorldCapability } from './world-capability';

export interface NewUserInput {
  login: string;
  name?: string;
  email?: string;
}

/** `role: null` removes the membership. */
export interface OrgMembershipInput {
  org: string;
  login: string;
  role?: 'admin' | 'member' | null;
}

export interface OAuthAppInput {
  clientId: string;
  clientSecret: string;
  name?: string;
  callbackUrl?: string;
}

const DEFAULT_TOKEN_SCOPES = ['repo', 'read:org', 'read:user', 'user:email'];

/** Users, organization membership, OAuth apps and the tokens they hand out. */
export class Accounts extends WorldCapability {
  addUser(input: NewUserInput): SimUser {
    if (!/^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}$/i.test(input.login))
      throw validationFailed([{ field: 'login', code: 'invalid' }]);
    if (this.store.account(input.login)) throw validationFailed([{ field: 'login', code: 'already_exists' }]);
    const user: SimUser = {
      id: this.store.nextId('user'),
      login: input.login,
      name: input.name ?? input.login,
      email: input.email ?? `${input.login.toLowerCase()}@users.example.com`,
      company: null,
      location: null,
      bio: null,
      createdAt: Date.now(),
      siteAdmin: false,
    };
    this.store.indexUser(user);
    return user;
  }

  /** Adds a member, changes their role, or (role null) removes them from the organization and its teams. */
  setOrgMembership(input: OrgMembershipInput): void {
    const org = this.store.org(input.org);
    if (!org) throw new SimError(404, `Unknown organization "${input.org}"`);
    const user = this.store.requireUser(input.login);
    const was = org.members.get(user.id);
    if (input.role === null) {
      org.members.delete(user.id);
      org.publicMembers.delete(user.id);
      for (const t of org.teams) t.members.delete(user.id);
    } else org.members.set(user.id, input.role ?? 'member');
    const added = !was && input.role !== null;
    if (!added && !(was && input.role === null)) return;
    // GitHub's `organization` member_added / member_removed; `settled()` waits for its deliveries.
    const admin = [...org.members].find(([id, role]) => role === 'admin' && id !== user.id)?.[0];
    this.store.track(
      this.store.emit({
        type: 'organization',
        org,
        senderId: admin ?? user.id,
        action: added ? 'member_added' : 'member_removed',
        memberId: user.id,
        role: added ? (input.role ?? 'member') : (was as 'admin' | 'member'),
      }),
    );
  }

  registerOAuthApp(app: OAuthAppInput): void {
    this.store.oauthApps.set(app.clientId, {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      name: app.name ?? app.clientId,
      callbackUrl: app.callbackUrl ?? null,
    });
  }

  issueToken(login: string, scopes: string[] = DEFAULT_TOKEN_SCOPES, clientId: string | null = null): string {
    const user = this.store.requireUser(login);
    const token = `gho_${base62(randomBytes(27)).slice(0, 36)}`;
    this.store.tokens.set(token, {
      token,
      userId: user.id,
      scopes: normalizeScopes(scopes),
      clientId,
      createdAt: Date.now(),
    });
    return token;
  }

  revokeToken(token: string): boolean {
    return this.store.tokens.delete(token);
  }

  /** Revoke every token of a user for an OAuth app (DELETE /applications/{client_id}/grant). */
  revokeGrant(clientId: string, userId: number): number {
    let n = 0;
    for (const [t, rec] of this.store.tokens) {
      if (rec.clientId === clientId && rec.userId === userId) {
        this.store.tokens.delete(t);
        n++;
      }
    }
    return n;
  }
}

function normalizeScopes(scopes: string[]): string[] {
  return [...new Set(scopes.map((s) => s.trim()).filter(Boolean))];
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += B62.charAt(b % 62) + B62.charAt((b * 7) % 62);
  return out;
}
