import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Metrics } from './metrics.js';
import { HealthController } from './health.controller.js';

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(metrics: Metrics): DynamicModule {
    return { module: ObservabilityModule, providers: [{ provide: Metrics, useValue: metrics }], controllers: [HealthController], exports: [Metrics] };
  }
}
