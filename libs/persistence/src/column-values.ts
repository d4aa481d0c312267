import type { Driver } from 'typeorm/driver/Driver.js';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/**
 * Column types that TypeORM's PostgreSQL and SQLite drivers send to the database as given: for
 * them `preparePersistentValue` falls through every conversion it has. It still tests the type
 * against each one, and PostgreSQL's builds an array of its JSON and spatial types on every call
 * to do so: about 3 % of what a sign-in allocates, across the sixty-odd values its statements bind.
 */
const SENT_AS_GIVEN = new Set<ColumnMetadata['type']>(['varchar', 'text', 'integer', 'bigint', String, Number]);
const DRIVERS = new Set<string>(['postgres', 'better-sqlite3']);

const sentAsGiven = new WeakMap<ColumnMetadata, boolean>();

/** `value` as `column` stores it: the driver's conversion (and the column's transformer), or the value itself where that conversion is the identity. */
export function persistentValue(driver: Driver, column: ColumnMetadata, value: unknown): unknown {
  let asGiven = sentAsGiven.get(column);
  if (asGiven === undefined) {
    asGiven =
      DRIVERS.has(driver.options.type) && !column.transformer && !column.isArray && SENT_AS_GIVEN.has(column.type);
    sentAsGiven.set(column, asGiven);
  }
  return asGiven ? value : driver.preparePersistentValue(value, column);
}
