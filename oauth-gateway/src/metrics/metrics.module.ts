import { Global, Module } from '@nestjs/common';
import { GatewayMetricsService } from './gateway-metrics.service';
import { MetricsController } from './metrics.controller';

/** Global: any gateway module can inject GatewayMetricsService. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [GatewayMetricsService],
  exports: [GatewayMetricsService],
})
export class MetricsModule {}
