import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/src/index.js';
import { APP_CONFIG } from '../../config/src/index.js';
import { createDataSource } from './data-source.factory.js';
import { assertMigrated } from './pending-migrations.js';

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
            const ds = createDataSource(config.database);
            await ds.initialize();
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
