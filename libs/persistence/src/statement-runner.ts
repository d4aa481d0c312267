import { QueryFailedError, type DataSource, type EntityManager, type QueryRunner } from 'typeorm';

/** A statement's rows and the number of rows it changed (undefined where the driver does not say). */
export interface StatementResult {
  records: Record<string, unknown>[];
  affected: number | undefined;
}

/** The pg pool behind a PostgreSQL data source (TypeORM's driver keeps it as `master`). */
interface PostgresPool {
  query(statement: {
    text: string;
    values?: unknown[];
    name?: string;
  }): Promise<{ rows?: Record<string, unknown>[]; rowCount?: number | null }>;
}

/**
 * PostgreSQL data sources whose statements here go as named prepared statements (see
 * createDataSource). A named statement is parsed once per connection instead of at every
 * execution: the database's CPU per sign-in fell to 0.84x (README, Benchmark). Whether its plan
 * is kept too depends on the database (plan-caching.ts).
 */
const namingSources = new WeakSet<DataSource>();

export function nameStatementsOf(dataSource: DataSource): void {
  namingSources.add(dataSource);
}

/** Distinct statements named, at most: each connection keeps each one it has run. */
const MAX_NAMED_STATEMENTS = 200;
const statementNames = new Map<string, string>();
let nameGeneration = 0;

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `tessera_${nameGeneration}_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * "cached plan must not change result type": a statement whose columns come from `*` was
 * prepared before another node's migration changed the table. pg takes the name as parsed on
 * that connection from then on, so every statement takes a new name (parsed again on first use)
 * and this one is run again unnamed.
 */
function isStalePreparedStatement(err: unknown): boolean {
  // 0A000 is any feature_not_supported; the routine (not translated, unlike the message) names this one.
  const { code, routine } = err as { code?: unknown; routine?: unknown };
  return code === '0A000' && routine === 'RevalidateCachedQuery';
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
    const name = namingSources.has(manager.connection) ? statementName(sql) : undefined;
    try {
      const raw = await pool.query({ text: sql, values, name }).catch((err: unknown) => {
        if (name === undefined || !isStalePreparedStatement(err)) throw err;
        statementNames.clear();
        nameGeneration++;
        return pool.query({ text: sql, values });
      });
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
