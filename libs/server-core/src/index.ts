export * from './lib/config/env-validation';
export * from './lib/config/env-transforms';
export * from './lib/logging/redaction';
export * from './lib/logging/logger.module';
export * from './lib/health/migrations.health';
export * from './lib/metrics/http-metrics';
export * from './lib/lifecycle/graceful-shutdown';
export * from './lib/database/database-unavailable';
