import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type AppConfig, APP_CONFIG } from '#config';
import { createDataSource } from './data-source.factory.js';
import { planCacheModeFor } from './plan-caching.js';
import { assertMigrated } from './pending-migrations.js';
import { isConnectionError } from './database-errors.js';

/** A start that cannot open its first connection tries this many times, a second apart, then fails. */
const START_ATTEMPTS = 3;

/**
 * The first connection, retried: a node starting on a starved CPU (a tight container limit, a
 * busy host) can miss the 3 s connect timeout while its event loop is busy loading, and a
 * database that is restarting comes back within seconds. Later connections fail fast (503).
 */
async function connectAtStart(config: AppConfig): Promise<DataSource> {
  const logger = new Logger('Persistence');
  for (let attempt = 1; ; attempt += 1) {
    try {
      const planCacheMode =
        config.database.type === 'postgres' && config.databasePreparedStatements
          ? (config.databasePlanCacheMode ?? (await planCacheModeFor(config.database.url)))
          : undefined;
      const ds = createDataSource(config.database, {
        preparedStatements: config.databasePreparedStatements,
        planCacheMode,
      });
      return await ds.initialize();
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !isConnectionError(err)) throw err;
      logger.warn(
        `database not reachable at start (${(err as Error).message}); attempt ${attempt + 1} of ${START_ATTEMPTS} in 1 s`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/**
 * Connects the DataSource at start, runs migrations when configured or else refuses a schema that
 * is behind (PendingMigrationsError), and closes the pool at shutdown.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: DataSource,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => {
            const ds = await connectAtStart(config);
            try {
              // Only MIGRATE_ON_START changes the schema; otherwise a schema that is behind stops the start (exit 3).
              if (config.migrateOnStart) await ds.runMigrations({ transaction: 'each' });
              else await assertMigrated(ds);
            } catch (err) {
              await ds.destroy();
              throw err;
            }
            return ds;
          },
        },
      ],
      exports: [DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
