import { type DataSource } from 'typeorm';
import type { AppConfig } from '#config';
import { createDataSource } from '#persistence';

/** Injection token: the DataSource the webhook dispatcher works on. */
export const DISPATCH_DATA_SOURCE = Symbol('DISPATCH_DATA_SOURCE');

/**
 * PostgreSQL: the shared pool. SQLite: a connection of its own to the same file, because the
 * application's one SQLite connection would nest the dispatcher's transactions inside a
 * request's (TypeORM turns a second BEGIN into a savepoint); SQLite's own locking then keeps
 * the two writers apart.
 */
export async function dispatchDataSource(config: AppConfig, main: DataSource): Promise<DataSource> {
  if (config.database.type !== 'sqlite' || config.database.path === ':memory:') return main;
  const own = createDataSource(config.database);
  await own.initialize();
  return own;
}
