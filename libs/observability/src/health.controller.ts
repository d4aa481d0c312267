import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../../auth/src/index.js';
import { ApiError, ApiErrorResponses } from '../../errors/src/index.js';
import { Metrics } from './metrics.js';

@ApiTags('operations')
@Controller()
@Public()
export class HealthController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  @Get('healthz')
  @ApiOperation({ operationId: 'checkLiveness', summary: 'Liveness: the process is up' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  @ApiErrorResponses()
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ operationId: 'checkReadiness', summary: 'Readiness: the database is reachable' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { status: { type: 'string', example: 'ready' } } } })
  @ApiErrorResponses('service_unavailable')
  async readyz() {
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), 2000);
      return { status: 'ready' };
    } catch {
      throw new ApiError('service_unavailable', 'The database is not reachable.', { headers: { 'Retry-After': '5' } });
    }
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-store')
  async prometheus(@Res() res: Response) {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}
