import type { DataSource } from 'typeorm';
import { TenantEntity, createDataSource } from '#persistence';
import { postgresAvailable, scratchDatabase, type Dialect, type ScratchDatabase } from '../support/test-app.js';

/** SQLite always; PostgreSQL when it answers (under CI=true a missing server fails the run). */
export async function integrationDialects(): Promise<Dialect[]> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface ScratchDataSource {
  ds: DataSource;
  db: ScratchDatabase;
  close(): Promise<void>;
}

/** An initialized DataSource on a fresh scratch database, optionally migrated to the latest schema. */
export async function scratchDataSource(
  dialect: Dialect,
  options: { migrate?: boolean } = {},
): Promise<ScratchDataSource> {
  const db = await scratchDatabase(dialect);
  const ds = createDataSource(
    dialect === 'sqlite' ? { type: 'sqlite', path: db.url.slice('sqlite:'.length) } : { type: 'postgres', url: db.url },
    { poolSize: 4 },
  );
  await ds.initialize();
  if (options.migrate !== false) await ds.runMigrations({ transaction: 'each' });
  return {
    ds,
    db,
    async close() {
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    },
  };
}

/** Active tenants with default settings, for tests that write tenant rows directly. */
export async function insertTenants(ds: DataSource, ids: string[]): Promise<void> {
  const now = new Date();
  for (const id of ids) {
    await ds.getRepository(TenantEntity).insert({
      id,
      name: id,
      status: 'active',
      webauthn: null,
      requireMfa: false,
      policyVersion: 0,
      createdAt: now,
      updatedAt: now,
    });
  }
}
