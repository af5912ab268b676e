import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ApiEnv } from './api-env';

/** Provides the validated ApiEnv (parsed once in main.ts before Nest starts) to every module. */
@Global()
@Module({})
export class ApiConfigModule {
  static forRoot(env: ApiEnv): DynamicModule {
    return { module: ApiConfigModule, providers: [{ provide: ApiEnv, useValue: env }], exports: [ApiEnv] };
  }
}
