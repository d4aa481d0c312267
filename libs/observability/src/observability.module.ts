import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Metrics } from './metrics.js';
import { MetricsServer } from './metrics-server.js';
import { DatabasePoolMetrics } from './database-pool.metrics.js';
import { DatabaseHealthIndicator, HealthController } from './health.controller.js';

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(metrics: Metrics): DynamicModule {
    return {
      module: ObservabilityModule,
      // The probes answer themselves; a failing readiness check is not a log line per probe.
      imports: [TerminusModule.forRoot({ logger: false })],
      providers: [{ provide: Metrics, useValue: metrics }, MetricsServer, DatabaseHealthIndicator, DatabasePoolMetrics],
      controllers: [HealthController],
      exports: [Metrics, MetricsServer],
    };
  }
}
