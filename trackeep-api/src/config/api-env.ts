import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { ToBool, ToInt } from '@trackeep/server-core';

// Every variable the API reads. Documented in .env.example and the README's configuration table;
// keep the three in step. Defaults here are the zero-config values.
export class ApiEnv {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** demo: started by `npm start` with generated secrets and the GitHub simulator. */
  @IsIn(['demo', 'production'])
  TRACKEEP_MODE: 'demo' | 'production' = 'production';

  @ToInt() @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'a postgres:// connection URL (npm start provides an embedded one)' })
  DATABASE_URL!: string;

  @ToBool() @IsBoolean()
  DB_MIGRATE_ON_START = false;

  @ToInt() @IsInt() @Min(1) @Max(100)
  DB_POOL_SIZE = 10;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @ToBool() @IsBoolean()
  LOG_PRETTY = false;

  /** Directory of the built Angular app to serve at `/`; empty disables static serving. */
  @IsOptional() @IsString()
  WEB_DIST_DIR?: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  FRONTEND_URL = 'http://localhost:3000';
}
