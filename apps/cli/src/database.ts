import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../../libs/config/src/index.js';
import { createDataSource } from '../../../libs/persistence/src/index.js';

/** Opens the configured database for a CLI command; the caller closes it. */
export async function openDatabase(config: AppConfig): Promise<DataSource> {
  const ds = createDataSource(config.database, { poolSize: 2 });
  await ds.initialize();
  return ds;
}

/** Pending migration names, in the order they would run. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  try {
    const table = ds.options.migrationsTableName ?? 'migrations';
    const exists = await runner.hasTable(table);
    const done = new Set<string>();
    if (exists) {
      const rows: { name: string }[] = await runner.query(`SELECT name FROM ${table}`);
      for (const row of rows) done.add(row.name);
    }
    return ds.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !done.has(name));
  } finally {
    await runner.release();
  }
}
