import type { DataSource } from 'typeorm';
import type { AppConfig } from '#config';
import { createDataSource } from '#persistence';

/** Opens the configured database for a CLI command; the caller closes it. */
export async function openDatabase(config: AppConfig): Promise<DataSource> {
  const ds = createDataSource(config.database, { poolSize: 2, preparedStatements: config.databasePreparedStatements });
  await ds.initialize();
  return ds;
}
