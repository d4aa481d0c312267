import { QueryFailedError, type EntityManager, type QueryRunner } from 'typeorm';

/** A statement's rows and the number of rows it changed (undefined where the driver does not say). */
export interface StatementResult {
  records: Record<string, unknown>[];
  affected: number | undefined;
}

/** The pg pool behind a PostgreSQL data source (TypeORM's driver keeps it as `master`). */
interface PostgresPool {
  query(sql: string, values?: unknown[]): Promise<{ rows?: Record<string, unknown>[]; rowCount?: number | null }>;
}

/**
 * Runs one statement with its structured result, as a TypeORM query runner would. On PostgreSQL
 * outside a transaction it goes straight to the driver's pool, which checks a client out and back
 * in itself: a query runner made and released around every statement (with its event broadcast
 * and timing) was about 4 % of a sign-in's CPU and adds nothing to one statement. Errors come as
 * TypeORM's QueryFailedError, carrying the driver's error and code, as through TypeORM. Inside a
 * transaction, and on other databases, the manager's own query runner runs it.
 */
export async function runStatement(manager: EntityManager, sql: string, values: unknown[]): Promise<StatementResult> {
  const pool = poolOutsideTransaction(manager);
  if (pool) {
    try {
      const raw = await pool.query(sql, values);
      return { records: raw.rows ?? [], affected: raw.rowCount ?? undefined };
    } catch (err) {
      throw new QueryFailedError(sql, values, err as Error);
    }
  }
  const runner: QueryRunner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, values, true);
    return { records: (result.records ?? []) as Record<string, unknown>[], affected: result.affected ?? undefined };
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/** pg's pool, on PostgreSQL outside a transaction (where a statement may go straight to it); else undefined. */
export function poolOutsideTransaction(manager: EntityManager): PostgresPool | undefined {
  if (manager.queryRunner || manager.connection.options.type !== 'postgres') return undefined;
  return (manager.connection.driver as unknown as { master?: PostgresPool }).master;
}
