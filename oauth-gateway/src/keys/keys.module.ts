import { Logger, Module } from '@nestjs/common';
import { GatewayEnv } from '../config/gateway-env';
import { SigningKeys } from './signing-keys.service';

@Module({
  providers: [
    {
      provide: SigningKeys,
      inject: [GatewayEnv],
      useFactory: async (env: GatewayEnv) => {
        const keys = await SigningKeys.fromEnv(env);
        if (keys.generatedAt)
          new Logger(SigningKeys.name).warn(
            `dev mode: generated a signing key in ${keys.generatedAt}; production needs GATEWAY_SIGNING_KEYS_FILE`,
          );
        return keys;
      },
    },
  ],
  exports: [SigningKeys],
})
export class KeysModule {}
