import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '#auth';
import { ApiError, ApiErrorResponses } from '#errors';

/** The database answers a trivial query within 2 s. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  ping() {
    return this.indicators
      .check('database')
      .attempt(async () => {
        await this.dataSource.query('SELECT 1');
      })
      .withTimeout(2000);
  }
}

/**
 * Probes through @nestjs/terminus, answering as they always have: /healthz `{status: "ok"}`
 * while the process serves; /readyz `{status: "ready"}`, or 503 `service_unavailable` with
 * Retry-After while the database is unreachable (the load balancer drains the node).
 */
@ApiTags('operations')
@Controller()
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
  ) {}

  @Get('healthz')
  @ApiOperation({ operationId: 'checkLiveness', summary: 'Liveness: the process is up' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  @ApiErrorResponses()
  async healthz() {
    await this.health.check([]);
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ operationId: 'checkReadiness', summary: 'Readiness: the database is reachable' })
  @ApiResponse({
    status: 200,
    schema: { type: 'object', properties: { status: { type: 'string', example: 'ready' } } },
  })
  @ApiErrorResponses('service_unavailable')
  async readyz() {
    try {
      await this.health.check([() => this.database.ping()]);
      return { status: 'ready' };
    } catch {
      throw new ApiError('service_unavailable', 'The database is not reachable.', { headers: { 'Retry-After': '5' } });
    }
  }
}
