import pg from 'pg';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { assertTenantId } from './tenant-scoped.repository.js';
import { poolOutsideTransaction, runStatement } from './statement-runner.js';

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
  const key = lockKey(tenantId, userId);
  if (dataSource.options.type === 'postgres') {
    return dataSource.transaction(async (manager) => {
      await manager.query(lockStatement('$1'), [key]);
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

function lockKey(tenantId: string, userId: string): string {
  return `factors:${tenantId}:${userId}`;
}

/** Takes the transaction-scoped lock on a key, given as SQL: written once, so both paths hash alike. */
function lockStatement(keySql: string): string {
  return `SELECT pg_advisory_xact_lock(hashtextextended(${keySql}, 0))`;
}

/**
 * One statement run while holding the (tenant, user) factor lock. On PostgreSQL, outside a
 * transaction, that is one round trip instead of four (START, the lock, the statement, COMMIT):
 * the lock and the statement go as one simple-protocol message, which PostgreSQL runs as one
 * implicit transaction, statement by statement, each in a snapshot taken when it starts. So the
 * statement sees what every earlier holder of the lock committed, as inside `withUserFactorLock`,
 * and the lock is released when the message's transaction ends. A simple-protocol message carries
 * no parameters: the values are written into the statement as literals, each as pg would send it
 * as a text parameter (its `prepareValue`, then `escapeLiteral`), and PostgreSQL infers their
 * types from where they stand, as it does for untyped parameters. A statement with a literal of
 * its own (a quote, a dollar quote), where a `$n` could stand inside it, runs through
 * `withUserFactorLock` instead, as does everything on other databases. On an error nothing the
 * statement did is kept; it rejects with the error as a QueryFailedError, as `runStatement` does.
 */
export async function runUnderUserFactorLock(
  manager: EntityManager,
  tenantId: string,
  userId: string,
  statement: { sql: string; values: readonly unknown[] },
): Promise<void> {
  assertTenantId(tenantId);
  const pool = inlinable(statement.sql) ? poolOutsideTransaction(manager) : undefined;
  if (!pool) {
    await withUserFactorLock(manager.connection, tenantId, userId, (locked) =>
      runStatement(locked, statement.sql, [...statement.values]),
    );
    return;
  }
  const text =
    `${lockStatement(pg.escapeLiteral(lockKey(tenantId, userId)))}; ` +
    statement.sql.replace(/\$(\d+)/g, (_, n: string) => {
      const index = Number(n) - 1;
      if (index >= statement.values.length) throw new Error(`runUnderUserFactorLock: no value for $${n}`);
      return literal(statement.values[index]);
    });
  try {
    // No values: the simple protocol, which runs the lock and the statement as one message.
    await pool.query({ text });
  } catch (err) {
    throw new QueryFailedError(statement.sql, [...statement.values], err as Error);
  }
}

const inlinableBySql = new Map<string, boolean>();

/** No quote or dollar quote once the quoted identifiers are set aside: every `$n` is a placeholder. */
function inlinable(sql: string): boolean {
  let ok = inlinableBySql.get(sql);
  if (ok === undefined) {
    ok = !/['"]|\$\$/.test(sql.replace(/"[A-Za-z0-9_]+"/g, ''));
    if (inlinableBySql.size < 1000) inlinableBySql.set(sql, ok);
  }
  return ok;
}

const pgUtils = (pg as unknown as { utils: { prepareValue(value: unknown): string | Buffer | null | undefined } })
  .utils;

/**
 * A value as the literal pg would send for it as a text parameter; NULL for null and undefined.
 * pg sends bytes as a binary parameter: here they are bytea's hex text, which is the same value.
 */
function literal(value: unknown): string {
  const prepared = pgUtils.prepareValue(value);
  if (prepared === null || prepared === undefined) return 'NULL';
  // An escape string, so standard_conforming_strings does not matter: E'\\x…' is the text \x….
  if (Buffer.isBuffer(prepared)) return `E'\\\\x${prepared.toString('hex')}'`;
  return pg.escapeLiteral(prepared);
}
