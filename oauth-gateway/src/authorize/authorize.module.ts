import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { GithubStateStore } from '../github/github-state-store';
import { GithubStrategy } from '../github/github.strategy';
import { GithubModule } from '../github/github.module';
import { TokenModule } from '../token/token.module';
import { AuthorizeController } from './authorize.controller';
import { AuthorizeService } from './authorize.service';
import { ExpiredRowsCleaner } from './expired-rows.cleaner';
import { MembershipPolicy } from './membership-policy.service';
import { PendingAuthorizationRepository } from './pending-authorization.repository';
import { PendingAuthorizationStateStore } from './pending-authorization.state-store';

@Module({
  imports: [ClientsModule, GithubModule, TokenModule],
  controllers: [AuthorizeController],
  providers: [
    AuthorizeService,
    ExpiredRowsCleaner,
    MembershipPolicy,
    PendingAuthorizationRepository,
    PendingAuthorizationStateStore,
    // The GitHub sign-in strategy keeps its state in this module's pending sign-ins.
    { provide: GithubStateStore, useExisting: PendingAuthorizationStateStore },
    GithubStrategy,
  ],
})
export class AuthorizeModule {}
