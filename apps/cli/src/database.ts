import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../../libs/config/src/index.js';
import { createDataSource } from '../../../libs/persistence/src/index.js';

/** Opens the configured database for a CLI command; the caller closes it. */
export async function openDatabase(config: AppConfig): Promise<DataSource> {
  const ds = createDataSource(config.database, { poolSize: 2 });
  await ds.initialize();
  return ds;
}
