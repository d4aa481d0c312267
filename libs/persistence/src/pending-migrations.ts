import type { DataSource } from 'typeorm';

/** Exit code of every process that stops because the schema is behind (CLI and API alike). */
export const EXIT_PENDING_MIGRATIONS = 3;

/** The one-off job that brings the schema up to date, as it is run in a container. */
export const MIGRATE_COMMAND = 'node dist/apps/cli/src/main.js migrate';

/** Pending migration names, in the order they would run. Reads only: never creates the migrations table. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  try {
    const table = ds.options.migrationsTableName ?? 'migrations';
    const done = new Set<string>();
    if (await runner.hasTable(table)) {
      const rows = (await runner.query(`SELECT name FROM ${table}`)) as { name: string }[];
      for (const row of rows) done.add(row.name);
    }
    return ds.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !done.has(name));
  } finally {
    await runner.release();
  }
}

/** The schema is behind the code: only `migrate` (or MIGRATE_ON_START=true) may change it. */
export class PendingMigrationsError extends Error {
  readonly exitCode = EXIT_PENDING_MIGRATIONS;
  constructor(readonly pending: string[]) {
    super(`${pending.length} pending ${pending.length === 1 ? 'migration' : 'migrations'}; run \`${MIGRATE_COMMAND}\``);
    this.name = 'PendingMigrationsError';
  }
}

/** Throws PendingMigrationsError unless every migration has run. */
export async function assertMigrated(ds: DataSource): Promise<void> {
  const pending = await pendingMigrations(ds);
  if (pending.length > 0) throw new PendingMigrationsError(pending);
}
