import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { GithubModule } from '../github/github.module';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenRepository } from './access-token.repository';
import { AuthorizationCodeRepository } from './authorization-code.repository';
import { ClientAuthenticator } from './client-authenticator.service';
import { GithubRefreshTokenRepository } from './github-refresh-token.repository';
import { GithubRefreshService } from './github-refresh.service';
import { RevocationService } from './revocation.service';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

@Module({
  imports: [ClientsModule, GithubModule, KeysModule],
  controllers: [TokenController],
  providers: [
    AccessTokenRepository,
    AuthorizationCodeRepository,
    ClientAuthenticator,
    GithubRefreshService,
    GithubRefreshTokenRepository,
    RevocationService,
    TokenService,
  ],
  exports: [AccessTokenRepository, AuthorizationCodeRepository, GithubRefreshTokenRepository],
})
export class TokenModule {}
