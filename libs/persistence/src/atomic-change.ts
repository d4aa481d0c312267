import type { EntityManager, EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { insertAtomically, postgresInserts, type TenantInsert } from './atomic-insert.js';
import { plainStatements } from './plain-statements.js';
import { TenantScopedRepository, assertTenantId } from './tenant-scoped.repository.js';
import type { TenantOwned } from './entities/tenant-owned.js';
import { runStatement } from './statement-runner.js';

/**
 * A compare-and-set of one tenant row: `where` names the row and the state it must still be in
 * (equality, IsNull, LessThan, MoreThan); `patch` is what it becomes.
 */
export interface TenantUpdate<T extends TenantOwned & ObjectLiteral = TenantOwned & ObjectLiteral> {
  target: EntityTarget<T>;
  tenantId: string;
  where: FindOptionsWhere<T>;
  patch: QueryDeepPartialEntity<T>;
}

/** PostgreSQL's division_by_zero: how the one-statement form below refuses to commit. */
const REFUSED = '22012';

class Refused extends Error {}

/**
 * Compare-and-sets that hold together or not at all, and rows written only when they do: true when
 * every update changed exactly one row (then the inserts are written too); false when one found
 * its row gone or changed, and then nothing at all was changed.
 *
 * On PostgreSQL that is ONE statement: the updates and inserts as data-modifying CTEs, and a
 * final SELECT that divides by zero unless every update changed one row. The error aborts the
 * statement, which undoes all of it, so a consumed challenge never outlives a factor that lost
 * its race. One round trip instead of BEGIN, the updates, the inserts and COMMIT. Elsewhere a
 * transaction does the same.
 */
export async function changeAtomically(
  manager: EntityManager,
  change: { updates: TenantUpdate[]; inserts: TenantInsert[] },
): Promise<boolean> {
  for (const u of change.updates) assertTenantId(u.tenantId);
  for (const i of change.inserts) assertTenantId(i.tenantId);
  const statement = manager.connection.options.type === 'postgres' ? oneStatement(manager, change) : null;
  if (!statement) return inTransaction(manager, change);
  try {
    await runStatement(manager, statement.sql, statement.params);
    return true;
  } catch (err) {
    if ((err as { driverError?: { code?: string } }).driverError?.code === REFUSED) return false;
    throw err;
  }
}

function oneStatement(
  manager: EntityManager,
  change: { updates: TenantUpdate[]; inserts: TenantInsert[] },
): { sql: string; params: unknown[] } | null {
  if (change.updates.length === 0) return null;
  const params: unknown[] = [];
  const ctes: string[] = [];
  for (const [n, u] of change.updates.entries()) {
    const metadata = manager.connection.getMetadata(u.target);
    const where = { ...u.where, tenantId: u.tenantId } as Record<string, unknown>;
    const update = plainStatements.updateAt(manager, metadata, where, u.patch, params.length);
    if (!update) return null;
    params.push(...update.values);
    ctes.push(`u${n} AS (${update.sql} RETURNING 1)`);
  }
  for (const [n, sql] of postgresInserts(manager, change.inserts, params).entries()) ctes.push(`i${n} AS (${sql})`);
  const allChanged = change.updates.map((_, n) => `(SELECT count(*) FROM u${n}) = 1`).join(' AND ');
  return { sql: `WITH ${ctes.join(', ')} SELECT 1 / (${allChanged})::int AS changed`, params };
}

async function inTransaction(
  manager: EntityManager,
  change: { updates: TenantUpdate[]; inserts: TenantInsert[] },
): Promise<boolean> {
  try {
    await manager.transaction(async (tx) => {
      for (const u of change.updates) {
        const rows = TenantScopedRepository.of(tx, u.target);
        if ((await rows.update(u.tenantId, u.where, u.patch)) !== 1) throw new Refused();
      }
      await insertAtomically(tx, change.inserts);
    });
    return true;
  } catch (err) {
    if (err instanceof Refused) return false;
    throw err;
  }
}
