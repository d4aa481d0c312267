import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '#config';
import { ENTITIES } from './entities/index.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';
import { nameStatementsOf } from './statement-runner.js';
import type { PlanCacheMode } from './plan-caching.js';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations/index.js';

export interface DataSourceFactoryOptions {
  /** Bounded wait for a connection, so a dead database answers 503 instead of hanging. */
  connectTimeoutMs?: number;
  poolSize?: number;
  /**
   * PostgreSQL: the service's own statements go as named prepared statements (statement-runner.ts).
   * Off for a pooler that hands a session's statements to other server connections
   * (DATABASE_PREPARED_STATEMENTS=false).
   */
  preparedStatements?: boolean;
  /** PostgreSQL: how named statements are planned (plan-caching.ts); every execution by its values unless told. */
  planCacheMode?: PlanCacheMode;
}

/** Builds (does not initialize) the DataSource for SQLite or PostgreSQL. `synchronize` is never on. */
export function createDataSource(db: DatabaseConfig, options: DataSourceFactoryOptions = {}): DataSource {
  const common = {
    entities: ENTITIES,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'tessera_migrations',
    logging: false,
  } as const;
  let config: DataSourceOptions;
  if (db.type === 'sqlite') {
    if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
    config = {
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      migrations: SQLITE_MIGRATIONS,
      // WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
      prepareDatabase: (conn: { pragma(s: string): unknown }) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
      },
    };
  } else {
    config = {
      ...common,
      type: 'postgres',
      url: db.url,
      migrations: POSTGRES_MIGRATIONS,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMS: options.connectTimeoutMs ?? 3000,
      extra: {
        // Bounded statements and idle sessions: a stuck database never hangs a request forever.
        statement_timeout: 10_000,
        query_timeout: 12_000,
        idle_in_transaction_session_timeout: 15_000,
        options: `-c timezone=UTC -c plan_cache_mode=${options.planCacheMode ?? 'force_custom_plan'}`,
      },
    };
  }
  const dataSource = new DataSource(config);
  if (db.type === 'postgres' && options.preparedStatements !== false) nameStatementsOf(dataSource);
  return dataSource;
}

export function isPostgres(ds: DataSource): boolean {
  return ds.options.type === 'postgres';
}
