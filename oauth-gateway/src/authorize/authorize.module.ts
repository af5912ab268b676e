import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { GithubModule } from '../github/github.module';
import { TokenModule } from '../token/token.module';
import { AuthorizeController } from './authorize.controller';
import { AuthorizeService } from './authorize.service';
import { MembershipPolicy } from './membership-policy.service';
import { PendingAuthorizationRepository } from './pending-authorization.repository';

@Module({
  imports: [ClientsModule, GithubModule, TokenModule],
  controllers: [AuthorizeController],
  providers: [AuthorizeService, MembershipPolicy, PendingAuthorizationRepository],
})
export class AuthorizeModule {}
