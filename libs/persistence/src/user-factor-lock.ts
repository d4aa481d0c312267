import type { DataSource, EntityManager } from 'typeorm';
import { assertTenantId } from './tenant-scoped.repository.js';

/** In-process queues per database and key, for SQLite: one node owns the file, so a local queue serializes. */
const queuesByDatabase = new WeakMap<DataSource, Map<string, Promise<unknown>>>();

/**
 * Runs `work` in a transaction that holds the (tenant, user) factor lock, so a user's factor
 * writes happen one at a time and a count read inside `work` is still true when it commits. On
 * PostgreSQL a transaction-scoped advisory lock (every node, nothing to clean up; the lock
 * statement comes first, so later statements see what earlier holders committed); on SQLite a
 * queue in this process around the transaction.
 */
export async function withUserFactorLock<T>(
  dataSource: DataSource,
  tenantId: string,
  userId: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  assertTenantId(tenantId);
  const key = `factors:${tenantId}:${userId}`;
  if (dataSource.options.type === 'postgres') {
    return dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
      return work(manager);
    });
  }
  let queues = queuesByDatabase.get(dataSource);
  if (!queues) queuesByDatabase.set(dataSource, (queues = new Map<string, Promise<unknown>>()));
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => dataSource.transaction(work));
  queues.set(key, run);
  try {
    return await run;
  } finally {
    if (queues.get(key) === run) queues.delete(key);
  }
}
