import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator, HealthController } from './health.controller.js';

/** The liveness and readiness probes of this service. */
@Module({
  // The probes answer themselves; a failing readiness check is not a log line per probe.
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [DatabaseHealthIndicator],
  controllers: [HealthController],
})
export class HealthModule {}
