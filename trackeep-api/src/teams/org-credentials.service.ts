import { Injectable, Logger } from '@nestjs/common';
import { GithubClientFactory, type TrackeepOctokit } from '../github/github-client.factory';
import { GithubSettings } from '../github/github-settings';
import { TeamsReadRepository } from './teams-read.repository';

/** One way to read an organization from GitHub, and what to call it in logs (never a token). */
export interface OrgCredential {
  label: string;
  client: TrackeepOctokit;
}

/**
 * Who reads an organization's members and teams, best first. Today: the people who track one of its
 * repositories, known members first, each with their own token. An installation of the GitHub App on the
 * organization belongs at the head of this list (it needs the `members: read` permission); RepoCredentials is
 * where installation clients come from, so that is the one place to add it.
 */
@Injectable()
export class OrgCredentials {
  private readonly logger = new Logger(OrgCredentials.name);

  constructor(
    private readonly clients: GithubClientFactory,
    private readonly settings: GithubSettings,
    private readonly read: TeamsReadRepository,
  ) {}

  async *candidates(orgLogin: string): AsyncGenerator<OrgCredential> {
    for (const userId of await this.read.trackersOf(this.settings.host, orgLogin)) {
      let client: TrackeepOctokit | null = null;
      try {
        client = await this.clients.forUserIfUsable(userId, { mode: 'background' });
      } catch (err) {
        // An expiring token that cannot be renewed just now: the next person is asked instead.
        this.logger.debug(`user ${userId}: no GitHub client for ${orgLogin} (${(err as Error).message})`);
      }
      if (client) yield { label: `user ${userId}`, client };
    }
  }
}
