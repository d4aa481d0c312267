import type { QueryRunner } from 'typeorm';

/**
 * Runs a migration's statements one after another, in the order given: each may depend on the
 * ones before it (a table rebuilt through a temporary copy, an index on a new table).
 */
export async function runStatements(queryRunner: QueryRunner, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await queryRunner.query(statement);
}
