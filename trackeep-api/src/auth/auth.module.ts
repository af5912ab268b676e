import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { ThrottlerModule } from '@nestjs/throttler';
import { PgThrottlerStorage } from '../common/rate-limit/pg-throttler.storage';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { RateLimitRepository } from '../common/rate-limit/rate-limit.repository';
import { ApiEnv } from '../config/api-env';
import { GithubSettingsModule } from '../github/github-settings.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthSettings } from './auth-settings';
import { CookieService } from './cookie.service';
import { GatewayClient } from './gateway-client.service';
import { GithubTokenRefresher } from './github-token-refresher.service';
import { SessionGuard } from './session.guard';
import { SessionService } from './session.service';
import { SessionsRepository } from './sessions.repository';
import { TokenCipher } from './token-cipher.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * Sign-in through the OAuth gateway, sessions, encrypted GitHub tokens. Installs SessionGuard globally:
 * every route needs a session unless marked @Public().
 */
@Module({
  imports: [
    GithubSettingsModule,
    // Counted in PostgreSQL, so the limit is the same with any number of replicas.
    ThrottlerModule.forRootAsync({
      imports: [RateLimitModule],
      inject: [ApiEnv, RateLimitRepository],
      useFactory: (env: ApiEnv, counters: RateLimitRepository) => ({
        throttlers: [{ ttl: 60_000, limit: env.AUTH_RATE_LIMIT_PER_MINUTE }],
        storage: new PgThrottlerStorage(counters),
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    { provide: AuthSettings, inject: [ApiEnv], useFactory: (env: ApiEnv) => new AuthSettings(env) },
    {
      provide: JwtService,
      inject: [AuthSettings],
      useFactory: (s: AuthSettings) => {
        // A key object: given a string, jsonwebtoken first tries it as a PEM public key (a thrown error, about
        // 1 ms) on every request.
        const key = createSecretKey(Buffer.from(s.jwtSecret));
        return new JwtService({ secretOrKeyProvider: () => key });
      },
    },
    TokenCipher,
    UsersRepository,
    GithubTokenRefresher,
    UsersService,
    SessionsRepository,
    SessionService,
    CookieService,
    GatewayClient,
    AuthService,
    SessionGuard,
    { provide: APP_GUARD, useExisting: SessionGuard },
  ],
  exports: [AuthSettings, TokenCipher, UsersService, SessionService, SessionGuard, CookieService],
})
export class AuthModule {}
