import { Global, Module, type DynamicModule } from '@nestjs/common';
import { GatewayEnv } from './gateway-env';

/** Provides the validated GatewayEnv (parsed once in main.ts before Nest starts) to every module. */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: GatewayConfigModule,
      providers: [{ provide: GatewayEnv, useValue: env }],
      exports: [GatewayEnv],
    };
  }
}
