import { Module } from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository';

/** The shared rate-limit counters (sign-in throttling, bad webhook signatures). */
@Module({ providers: [RateLimitRepository], exports: [RateLimitRepository] })
export class RateLimitModule {}
