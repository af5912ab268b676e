import { Injectable, Logger } from '@nestjs/common';
import { GithubClientFactory, type TrackeepOctokit } from '../github/github-client.factory';
import { GithubSettings } from '../github/github-settings';
import { RepoCredentials } from '../repos/repo-credentials.service';
import { TeamsReadRepository } from './teams-read.repository';

/** One way to read an organization from GitHub, and what to call it in logs (never a token). */
export interface OrgCredential {
  label: string;
  client: TrackeepOctokit;
}

/**
 * Who reads an organization's members and teams, best first: the GitHub App's installation on the
 * organization when it has the `members` permission (it sees every team, secret ones included, and spends no
 * person's budget), then the people who track one of its repositories, known members first, each with their
 * own token.
 */
@Injectable()
export class OrgCredentials {
  private readonly logger = new Logger(OrgCredentials.name);

  constructor(
    private readonly clients: GithubClientFactory,
    private readonly settings: GithubSettings,
    private readonly read: TeamsReadRepository,
    private readonly repoCredentials: RepoCredentials,
  ) {}

  async *candidates(orgLogin: string): AsyncGenerator<OrgCredential> {
    const installation = await this.repoCredentials
      .forOrganization(this.settings.host, orgLogin)
      .catch((err: Error) => {
        this.logger.debug(`no installation client for ${orgLogin} (${err.message})`);
        return null;
      });
    if (installation)
      yield { label: `installation ${installation.installationId}`, client: installation.octokit };
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
