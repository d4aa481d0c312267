import type { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { assertTenantId } from './tenant-scoped.repository.js';
import { runStatement } from './statement-runner.js';
import { MetadataCache } from './metadata-cache.js';
import { persistentValue } from './column-values.js';
import { runUnderUserFactorLock } from './user-factor-lock.js';

/** One tenant-owned row to insert. */
export interface TenantInsert<T extends ObjectLiteral = ObjectLiteral> {
  target: EntityTarget<T>;
  tenantId: string;
  row: Omit<T, 'tenantId' | 'tenant'>;
}

/**
 * Inserts several tenant rows all-or-nothing. On PostgreSQL that is ONE statement (chained
 * data-modifying CTEs): one round trip instead of BEGIN, n INSERTs and COMMIT, which on a hot
 * path is most of the cost. Elsewhere (SQLite, in-process) a transaction does the same.
 */
export async function insertAtomically(manager: EntityManager, inserts: TenantInsert[]): Promise<void> {
  for (const i of inserts) assertTenantId(i.tenantId);
  if (inserts.length === 0) return;
  const connection = manager.connection;
  if (connection.options.type !== 'postgres') {
    const insertAll = async (tx: EntityManager) => {
      for (const i of inserts) await tx.getRepository(i.target).insert({ ...i.row, tenantId: i.tenantId });
    };
    // Inside a caller's transaction the rows commit with it; no savepoint needed.
    if (manager.queryRunner?.isTransactionActive) await insertAll(manager);
    else await manager.transaction(insertAll);
    return;
  }
  const params: unknown[] = [];
  const statements = postgresInserts(manager, inserts, params);
  const last = statements.pop()!;
  const sql = statements.length === 0 ? last : `WITH ${statements.map((s, n) => `i${n} AS (${s})`).join(', ')} ${last}`;
  await runStatement(manager, sql, params);
}

/** PostgreSQL's division_by_zero: how a guarded insert refuses. */
const REFUSED = '22012';

/**
 * PostgreSQL: `inserts` in one statement that is refused, and so writes nothing, unless `guard`
 * holds (true, not null). `guard.sql` is a boolean expression over its own `$1…$n` (`guard.values`),
 * evaluated in the statement's snapshot, which does not see the rows being inserted. True when written; false
 * when refused, and then, inside a transaction, the transaction is aborted: the caller rolls it back.
 */
export async function insertAtomicallyIf(
  manager: EntityManager,
  guard: { sql: string; values: unknown[] },
  inserts: TenantInsert[],
): Promise<boolean> {
  const statement = guardedInsert(manager, guard, inserts);
  return refusedAsFalse(() => runStatement(manager, statement.sql, statement.values));
}

/**
 * As `insertAtomicallyIf`, holding the (tenant, user) factor lock, so that `guard` also sees what
 * every earlier holder of the lock committed: one round trip (`runUnderUserFactorLock`). True when
 * written; false when refused, and then nothing is written and the lock is released.
 */
export async function insertUnderUserFactorLockIf(
  manager: EntityManager,
  tenantId: string,
  userId: string,
  guard: { sql: string; values: unknown[] },
  inserts: TenantInsert[],
): Promise<boolean> {
  const statement = guardedInsert(manager, guard, inserts);
  return refusedAsFalse(() => runUnderUserFactorLock(manager, tenantId, userId, statement));
}

/** The inserts as CTEs whose final SELECT divides by zero unless the guard holds. */
function guardedInsert(manager: EntityManager, guard: { sql: string; values: unknown[] }, inserts: TenantInsert[]) {
  for (const i of inserts) assertTenantId(i.tenantId);
  if (manager.connection.options.type !== 'postgres') throw new Error('a guarded insert runs on PostgreSQL only');
  if (inserts.length === 0) throw new Error('a guarded insert needs rows to insert');
  const values = [...guard.values];
  const ctes = postgresInserts(manager, inserts, values).map((sql, n) => `i${n} AS (${sql})`);
  return { sql: `WITH ${ctes.join(', ')} SELECT 1 / COALESCE((${guard.sql}), FALSE)::int AS written`, values };
}

async function refusedAsFalse(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    if ((err as { driverError?: { code?: string } }).driverError?.code === REFUSED) return false;
    throw err;
  }
}

/** An INSERT's SQL for one set of properties at one placeholder offset, and the columns it binds. */
const insertStatements = new MetadataCache<{ sql: string; columns: ColumnMetadata[] }>();

function insertStatement(
  manager: EntityManager,
  metadata: EntityMetadata,
  values: Record<string, unknown>,
  offset: number,
) {
  return insertStatements.get(metadata, `${offset}|${Object.keys(values).join(',')}`, () => {
    const driver = manager.connection.driver;
    const seen = new Set<string>();
    const columns: ColumnMetadata[] = [];
    for (const column of metadata.columns) {
      // The tenant relation and the tenantId property share tenant_id: write each column once.
      if (seen.has(column.databaseName) || !(column.propertyName in values)) continue;
      seen.add(column.databaseName);
      columns.push(column);
    }
    const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const placeholders = columns.map((_, i) => `$${offset + i + 1}`).join(', ');
    return { sql: `INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES (${placeholders})`, columns };
  });
}

/** PostgreSQL INSERT statements for `inserts`, their values appended to `params` ($n numbering continues). */
export function postgresInserts(manager: EntityManager, inserts: TenantInsert[], params: unknown[]): string[] {
  const connection = manager.connection;
  const driver = connection.driver;
  return inserts.map((i) => {
    const values: Record<string, unknown> = { ...i.row, tenantId: i.tenantId };
    const statement = insertStatement(manager, connection.getMetadata(i.target), values, params.length);
    for (const column of statement.columns) params.push(persistentValue(driver, column, values[column.propertyName]));
    return statement.sql;
  });
}
