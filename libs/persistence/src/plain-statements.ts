import {
  FindOperator,
  type DataSource,
  type EntityManager,
  type EntityMetadata,
  type EntityTarget,
  type FindOptionsWhere,
  type ObjectLiteral,
  type SelectQueryBuilder,
} from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { runStatement } from './statement-runner.js';
import { MetadataCache } from './metadata-cache.js';
import { persistentValue } from './column-values.js';

/** A value a plain statement binds as it is (after the column's own conversion). */
type PlainValue = string | number | boolean | Date;

/** SQL written once for one shape of call, and the column each placeholder binds. */
interface Statement {
  sql: string;
  binds: ColumnMetadata[];
}

/**
 * The commonest calls of TenantScopedRepository (WHEREs of equality, IS NULL, < and >; a column
 * list; an order; a plain SET) as SQL written once per shape from the entity's metadata, and kept.
 * TypeORM's query builder writes the same SQL again on every call: on a ceremony's hot path that
 * was about a tenth of the server's CPU. Values go through the driver's own conversions both ways
 * (dates, booleans, JSON, column transformers), so rows are the ones TypeORM would return. A call
 * of any other shape (other operators, null, relations, paging) returns undefined, and the caller
 * uses TypeORM.
 */
export class PlainStatements {
  private readonly cache = new MetadataCache<Statement | null>();

  /** SELECT (only `select`'s columns, in `order`, LIMIT 1 for `one`); undefined when not plain. */
  async select<T extends ObjectLiteral>(
    manager: EntityManager,
    metadata: EntityMetadata,
    where: Record<string, unknown>,
    options: { select?: unknown; order?: unknown; one?: boolean } = {},
  ): Promise<T[] | undefined> {
    const selected = selectedProperties(options.select);
    const order = orderOf(options.order);
    const shape = whereShape(where);
    if (selected === null || order === null || shape === null) return undefined;
    const orderKey = order.map(([p, d]) => `${p} ${d}`).join(',');
    const key = `select|${shape}|${selected?.join(',') ?? '*'}|${orderKey}|${options.one ? 1 : 'n'}`;
    const statement = this.statement(metadata, key, () => {
      const columns = selected ? columnsOf(metadata, selected) : readableColumns(metadata);
      const ordered = columnsOf(
        metadata,
        order.map(([p]) => p),
      );
      const conditions = whereClause(manager, metadata, where, 0);
      if (!columns || !ordered || !conditions) return null;
      const list = columns.map((c) => quote(c.databaseName)).join(', ');
      const orderBy = ordered.length
        ? ` ORDER BY ${ordered.map((c, i) => `${quote(c.databaseName)} ${order[i][1]}`).join(', ')}`
        : '';
      const limit = options.one ? ' LIMIT 1' : '';
      return {
        sql: `SELECT ${list} FROM ${quote(metadata.tableName)} WHERE ${conditions.sql}${orderBy}${limit}`,
        binds: conditions.binds,
      };
    });
    if (!statement) return undefined;
    const result = await runStatement(manager, statement.sql, bindValues(manager, statement.binds, whereValues(where)));
    return result.records.map((raw) => hydrate<T>(manager, metadata, raw));
  }

  /** UPDATE … SET with plain values; the number of rows changed, or undefined when not plain. */
  async update(
    manager: EntityManager,
    metadata: EntityMetadata,
    where: Record<string, unknown>,
    patch: Record<string, unknown>,
  ): Promise<number | undefined> {
    const statement = this.updateAt(manager, metadata, where, patch, 0);
    if (!statement) return undefined;
    return (await runStatement(manager, statement.sql, statement.values)).affected ?? 0;
  }

  /**
   * INSERT … ON CONFLICT (`conflict`) DO UPDATE, setting every other column of `row` to the new
   * value, as TypeORM's upsert does (both dialects); false when the row is not plain.
   */
  async upsert(
    manager: EntityManager,
    metadata: EntityMetadata,
    row: Record<string, unknown>,
    conflict: string[],
  ): Promise<boolean> {
    if (!isPlainPatch(metadata, row) || metadata.createDateColumn) return false;
    const properties = Object.keys(row);
    const key = `upsert|${properties.join(',')}|${conflict.join(',')}`;
    const statement = this.statement(metadata, key, () => upsertStatement(manager, metadata, properties, conflict));
    if (!statement) return false;
    await runStatement(
      manager,
      statement.sql,
      bindValues(
        manager,
        statement.binds,
        properties.map((p) => row[p]),
      ),
    );
    return true;
  }

  /**
   * An UPDATE of plain values under a plain WHERE, its placeholders numbered from `offset + 1`
   * (for statements that chain it), written once per shape and offset, and the values to bind in
   * order; null when the call is not plain.
   */
  updateAt(
    manager: EntityManager,
    metadata: EntityMetadata,
    where: Record<string, unknown>,
    patch: Record<string, unknown>,
    offset: number,
  ): { sql: string; values: unknown[] } | null {
    const shape = whereShape(where);
    if (shape === null || !isPlainPatch(metadata, patch)) return null;
    const key = `update|${shape}|${Object.keys(patch).join(',')}|@${offset}`;
    const statement = this.statement(metadata, key, () => updateStatement(manager, metadata, where, patch, offset));
    return (
      statement && { sql: statement.sql, values: bindValues(manager, statement.binds, updateValues(where, patch)) }
    );
  }

  private statement(metadata: EntityMetadata, key: string, write: () => Statement | null): Statement | null {
    return this.cache.get(metadata, key, write);
  }
}

function isPlainPatch(metadata: EntityMetadata, patch: Record<string, unknown>) {
  // Columns TypeORM maintains on update itself are left to TypeORM.
  if (metadata.updateDateColumn || metadata.versionColumn) return false;
  const keys = Object.keys(patch);
  const columns = columnsOf(metadata, keys);
  return !!columns?.length && keys.every((k, i) => isPlainPatchValue(patch[k], columns[i]));
}

function updateStatement(
  manager: EntityManager,
  metadata: EntityMetadata,
  where: Record<string, unknown>,
  patch: Record<string, unknown>,
  offset: number,
): Statement | null {
  const setColumns = columnsOf(metadata, Object.keys(patch))!;
  const set = setColumns.map((c, i) => `${quote(c.databaseName)} = ${placeholder(manager, offset + i + 1)}`);
  const conditions = whereClause(manager, metadata, where, offset + setColumns.length);
  if (!conditions) return null;
  return {
    sql: `UPDATE ${quote(metadata.tableName)} SET ${set.join(', ')} WHERE ${conditions.sql}`,
    binds: [...setColumns, ...conditions.binds],
  };
}

function upsertStatement(
  manager: EntityManager,
  metadata: EntityMetadata,
  properties: string[],
  conflict: string[],
): Statement | null {
  const columns = columnsOf(metadata, properties);
  const keys = columnsOf(metadata, conflict);
  if (!columns || !keys || keys.length === 0 || !keys.every((k) => columns.includes(k))) return null;
  const names = columns.map((c) => quote(c.databaseName));
  const set = columns
    .filter((c) => !keys.includes(c))
    .map((c) => `${quote(c.databaseName)} = EXCLUDED.${quote(c.databaseName)}`);
  if (set.length === 0) return null;
  const values = columns.map((_, i) => placeholder(manager, i + 1));
  return {
    sql:
      `INSERT INTO ${quote(metadata.tableName)} (${names.join(', ')}) VALUES (${values.join(', ')})` +
      ` ON CONFLICT (${keys.map((k) => quote(k.databaseName)).join(', ')}) DO UPDATE SET ${set.join(', ')}`,
    binds: columns,
  };
}

function updateValues(where: Record<string, unknown>, patch: Record<string, unknown>): unknown[] {
  return [...Object.values(patch), ...whereValues(where)];
}

/** `a = $1 AND b IS NULL AND c < $2`, and the column each placeholder binds; null if not plain. */
function whereClause(manager: EntityManager, metadata: EntityMetadata, where: Record<string, unknown>, offset: number) {
  const entries = Object.entries(where);
  const columns = columnsOf(
    metadata,
    entries.map(([k]) => k),
  );
  if (!columns || columns.length === 0) return null;
  const binds: ColumnMetadata[] = [];
  const parts = entries.map(([, value], i) => {
    const op = comparison(value)!;
    const name = quote(columns[i].databaseName);
    if (op === 'IS NULL') return `${name} IS NULL`;
    binds.push(columns[i]);
    return `${name} ${op} ${placeholder(manager, offset + binds.length)}`;
  });
  return { sql: parts.join(' AND '), binds };
}

/** The shared instance: statements depend only on the entity metadata and the shape of the call. */
export const plainStatements = new PlainStatements();

/** `findOneBy` through a plain statement when the WHERE is plain equality, else through TypeORM. */
export async function findOneBy<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  where: FindOptionsWhere<T>,
): Promise<T | null> {
  const rows = await plainStatements.select<T>(manager, manager.connection.getMetadata(target), where, { one: true });
  return rows ? (rows[0] ?? null) : manager.getRepository(target).findOneBy(where);
}

/**
 * A query builder's SQL, written once per data source and run again with new parameters: for a
 * hot statement of fixed shape that plain statements cannot express (a join, subqueries).
 */
export class CachedQuery {
  private readonly prepared = new WeakMap<DataSource, PreparedQuery>();

  /** `build` writes the statement with :named parameters; the values it is given are never bound. */
  constructor(private readonly build: (manager: EntityManager) => SelectQueryBuilder<ObjectLiteral>) {}

  async rows(manager: EntityManager, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    const [text, values] = this.statement(manager, params);
    return (await runStatement(manager, text, values)).records;
  }

  /**
   * The SQL and values `rows` sends: those of TypeORM's `escapeQueryWithParameters`. On PostgreSQL
   * that rewrite depends only on which parameters are named, not on their values (each becomes
   * `$n` in order of first use), so it is done once per set of names: TypeORM is handed a marker
   * for each value, and the order the markers come back in is kept.
   */
  statement(manager: EntityManager, params: Record<string, unknown>): [string, unknown[]] {
    const connection = manager.connection;
    let prepared = this.prepared.get(connection);
    if (prepared === undefined) {
      const sql = this.build(manager).getQuery();
      prepared = { sql, bindings: connection.options.type === 'postgres' && !sql.includes(':...') ? new Map() : null };
      this.prepared.set(connection, prepared);
    }
    const { sql, bindings } = prepared;
    const names = Object.keys(params);
    // SQLite inlines or converts values by type; a function value is SQL: TypeORM rewrites each call.
    if (bindings === null || names.some((n) => typeof params[n] === 'function'))
      return connection.driver.escapeQueryWithParameters(sql, params);
    const key = names.join(',');
    let binding = bindings.get(key);
    if (binding === undefined) {
      const markers = Object.fromEntries(names.map((name) => [name, { name }]));
      const [text, placed] = connection.driver.escapeQueryWithParameters(sql, markers);
      binding = { text, order: (placed as { name: string }[]).map((m) => m.name) };
      bindings.set(key, binding);
    }
    const values = new Array<unknown>(binding.order.length);
    for (let i = 0; i < values.length; i++) values[i] = params[binding.order[i]];
    return [binding.text, values];
  }
}

/** A cached query's SQL on one data source, and on PostgreSQL its rewrite per set of parameter names. */
interface PreparedQuery {
  sql: string;
  bindings: Map<string, { text: string; order: string[] }> | null;
}

/** For each column of an entity, the key a query builder row holds it under, per alias. */
const aliasedKeys = new MetadataCache<string[]>();

function keysUnder(metadata: EntityMetadata, alias: string): string[] {
  return aliasedKeys.get(metadata, alias, () => metadata.columns.map((c) => `${alias}_${c.databaseName}`));
}

/**
 * The entity a query builder row holds under `alias` (its columns read as `<alias>_<column>`),
 * read as `hydrate` reads a row.
 */
export function entityFromRow<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  raw: Record<string, unknown>,
  alias: string,
): T {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const keys = keysUnder(metadata, alias);
  const entity = metadata.create() as T;
  const columns = metadata.columns;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    if (keys[i] in raw && !column.isVirtual)
      column.setEntityValue(entity, driver.prepareHydratedValue(raw[keys[i]], column));
  }
  return entity;
}

/**
 * The entity a row holds under `alias`, or null when the alias's `column` (one a stored row always
 * has, its id by default) is null: a LEFT JOIN that matched nothing.
 */
export function joinedEntity<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  row: Record<string, unknown> | undefined,
  alias: string,
  column = 'id',
): T | null {
  const value = row?.[`${alias}_${column}`];
  return value === null || value === undefined ? null : entityFromRow(manager, target, row!, alias);
}

/** The entities rows hold under `alias`, skipping the rows whose LEFT JOIN matched nothing (see joinedEntity). */
export function joinedEntities<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  rows: Record<string, unknown>[],
  alias: string,
  column = 'id',
): T[] {
  const entities: T[] = [];
  for (const row of rows) {
    const entity = joinedEntity(manager, target, row, alias, column);
    if (entity) entities.push(entity);
  }
  return entities;
}

function isPlainValue(value: unknown): value is PlainValue {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || value instanceof Date;
}

/** How a WHERE value compares: equality, or one of the operators single-use updates rely on. */
const OPERATORS: Record<string, string> = { isNull: 'IS NULL', lessThan: '<', moreThan: '>' };

function comparison(value: unknown): string | null {
  if (isPlainValue(value)) return '=';
  if (!(value instanceof FindOperator) || !(value.type in OPERATORS)) return null;
  const op = value as FindOperator<unknown>;
  return op.type === 'isNull' || isPlainValue(op.value) ? OPERATORS[op.type] : null;
}

/** The cache key of a WHERE (its properties and how each compares), or null when it is not plain. */
function whereShape(where: Record<string, unknown>): string | null {
  let shape = '';
  for (const [key, value] of Object.entries(where)) {
    const op = comparison(value);
    if (op === null) return null;
    shape += `${shape ? ',' : ''}${key}${op}`;
  }
  return shape;
}

/** The values a WHERE binds, in order (IS NULL binds none). */
function whereValues(where: Record<string, unknown>): unknown[] {
  const values: unknown[] = [];
  for (const value of Object.values(where)) {
    if (!(value instanceof FindOperator)) values.push(value);
    else if (value.type !== 'isNull') values.push(value.value);
  }
  return values;
}

function isPlainPatchValue(value: unknown, column: ColumnMetadata): boolean {
  if (value === null || typeof value === 'function') return value === null;
  return column.type === 'simple-json' || isPlainValue(value);
}

/** The properties of a FindOptions `select` of `{ prop: true }`; undefined for none; null when not plain. */
function selectedProperties(select: unknown): string[] | undefined | null {
  if (select === undefined) return undefined;
  if (typeof select !== 'object' || select === null || Array.isArray(select)) return null;
  const keys = Object.keys(select);
  return keys.every((k) => (select as Record<string, unknown>)[k] === true) ? keys : null;
}

/** A FindOptions `order` of `{ prop: 'ASC' | 'DESC' }` as pairs; [] for none; null when not plain. */
function orderOf(order: unknown): [string, 'ASC' | 'DESC'][] | null {
  if (order === undefined) return [];
  if (typeof order !== 'object' || order === null || Array.isArray(order)) return null;
  const pairs: [string, 'ASC' | 'DESC'][] = [];
  for (const [property, direction] of Object.entries(order as Record<string, unknown>)) {
    if (direction !== 'ASC' && direction !== 'DESC') return null;
    pairs.push([property, direction]);
  }
  return pairs;
}

/** The column of each property, in order; null if one is not a plain column. */
function columnsOf(metadata: EntityMetadata, properties: string[]): ColumnMetadata[] | null {
  const columns: ColumnMetadata[] = [];
  for (const property of properties) {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column || column.isVirtual || column.embeddedMetadata) return null;
    columns.push(column);
  }
  return columns;
}

/** Every column a full row is read with, each database column once (tenant_id backs two properties). */
function readableColumns(metadata: EntityMetadata): ColumnMetadata[] | null {
  if (metadata.embeddeds.length > 0) return null;
  const seen = new Set<string>();
  return metadata.columns.filter((c) => {
    if (c.isVirtual || !c.isSelect || seen.has(c.databaseName)) return false;
    seen.add(c.databaseName);
    return true;
  });
}

/** Each value as its column stores it (the driver's conversion, then the column's transformer). */
function bindValues(manager: EntityManager, binds: ColumnMetadata[], values: unknown[]): unknown[] {
  const driver = manager.connection.driver;
  return binds.map((column, i): unknown => persistentValue(driver, column, values[i]));
}

/** The entity a raw row holds, each column read with the driver's own conversion. */
export function hydrate<T extends ObjectLiteral>(
  manager: EntityManager,
  metadata: EntityMetadata,
  raw: Record<string, unknown>,
) {
  const driver = manager.connection.driver;
  const entity = metadata.create() as T;
  // A column that is not in the row was not selected: left unset, as TypeORM leaves it.
  for (const column of metadata.columns) {
    if (column.databaseName in raw && !column.isVirtual)
      column.setEntityValue(entity, driver.prepareHydratedValue(raw[column.databaseName], column));
  }
  return entity;
}

function placeholder(manager: EntityManager, n: number): string {
  return manager.connection.options.type === 'postgres' ? `$${n}` : '?';
}

/** Both dialects quote identifiers with double quotes; entity names here never contain one. */
function quote(identifier: string): string {
  return `"${identifier}"`;
}
