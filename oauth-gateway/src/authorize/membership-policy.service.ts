import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../clients/client-config.util';
import { GithubClient } from '../github/github.client';

/**
 * A client's allowed_orgs / allowed_teams. Fails closed: with a policy, only an explicit "member" answer
 * from GitHub lets the user in; errors, timeouts, redirects, pending invitations and empty answers deny.
 */
@Injectable()
export class MembershipPolicy {
  private readonly logger = new Logger(MembershipPolicy.name);

  constructor(private readonly github: GithubClient) {}

  static needsOrgScope(client: RegisteredClient): boolean {
    return client.allowed_orgs.length > 0 || client.allowed_teams.length > 0;
  }

  async allows(client: RegisteredClient, githubToken: string, login: string): Promise<boolean> {
    if (!MembershipPolicy.needsOrgScope(client)) return true;
    for (const org of client.allowed_orgs) {
      if (await this.ask(() => this.github.isOrgMember(githubToken, org, login), `org ${org}`)) return true;
    }
    for (const team of client.allowed_teams) {
      const [org, slug] = team.split('/') as [string, string];
      if (await this.ask(() => this.github.isActiveTeamMember(githubToken, org, slug, login), `team ${team}`))
        return true;
    }
    return false;
  }

  private async ask(check: () => Promise<boolean>, what: string): Promise<boolean> {
    try {
      return await check();
    } catch (err) {
      this.logger.warn(`membership lookup for ${what} failed, denying: ${(err as Error).message}`);
      return false;
    }
  }
}
