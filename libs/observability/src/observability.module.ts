import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Metrics } from './metrics.js';
import { MetricsServer } from './metrics-server.js';
import { DatabasePoolMetrics } from './database-pool.metrics.js';

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(metrics: Metrics): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [{ provide: Metrics, useValue: metrics }, MetricsServer, DatabasePoolMetrics],
      exports: [Metrics, MetricsServer],
    };
  }
}
