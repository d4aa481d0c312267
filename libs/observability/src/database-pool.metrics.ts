import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics, type DatabasePoolState } from './metrics.js';

/** The subset of pg.Pool the gauges read. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** PostgreSQL pool gauges (connections in use, queries waiting), read at every scrape. SQLite has no pool. */
@Injectable()
export class DatabasePoolMetrics implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.observeDatabasePool(() => this.state());
  }

  private state(): DatabasePoolState | undefined {
    if (this.dataSource.options.type !== 'postgres' || !this.dataSource.isInitialized) return undefined;
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (!pool) return undefined;
    return { inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount };
  }
}
