import {
  type DataSource,
  type EntityManager,
  type EntityTarget,
  type FindManyOptions,
  type FindOptionsWhere,
  type ObjectLiteral,
  type Repository,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { TenantOwned } from './entities/tenant-owned.js';
import { hydrate, plainStatements } from './plain-statements.js';

/** The only way to reach tenant rows: every call takes the tenant id first and refuses an empty one. */
export class TenantScopedRepository<T extends TenantOwned & ObjectLiteral> {
  constructor(
    private readonly target: EntityTarget<T>,
    private readonly manager: EntityManager,
  ) {}

  static of<T extends TenantOwned & ObjectLiteral>(ds: DataSource | EntityManager, target: EntityTarget<T>) {
    return new TenantScopedRepository<T>(target, 'manager' in ds ? ds.manager : ds);
  }

  /** The same repository bound to a transaction's manager. */
  withManager(manager: EntityManager): TenantScopedRepository<T> {
    return new TenantScopedRepository<T>(this.target, manager);
  }

  private get repo(): Repository<T> {
    return this.manager.getRepository(this.target);
  }

  private get metadata() {
    return this.manager.connection.getMetadata(this.target);
  }

  private scoped(tenantId: string, where: FindOptionsWhere<T> = {}): FindOptionsWhere<T> {
    assertTenantId(tenantId);
    // TypeORM silently drops `undefined` from a WHERE; reject it so a query never spans tenants.
    for (const [key, value] of Object.entries(where)) {
      if (value === undefined) throw new Error(`TenantScopedRepository: undefined value for "${key}"`);
    }
    return { ...where, tenantId };
  }

  async findOne(tenantId: string, where: FindOptionsWhere<T>): Promise<T | null> {
    const scoped = this.scoped(tenantId, where);
    const plain = await plainStatements.select<T>(this.manager, this.metadata, scoped, { one: true });
    if (plain) return plain[0] ?? null;
    return this.repo.findOne({ where: scoped });
  }

  async find(
    tenantId: string,
    where: FindOptionsWhere<T> = {},
    options: Omit<FindManyOptions<T>, 'where'> = {},
  ): Promise<T[]> {
    const scoped = this.scoped(tenantId, where);
    const { select, order, ...rest } = options;
    if (Object.keys(rest).length === 0) {
      const plain = await plainStatements.select<T>(this.manager, this.metadata, scoped, { select, order });
      if (plain) return plain;
    }
    return this.repo.find({ ...options, where: scoped });
  }

  async count(tenantId: string, where: FindOptionsWhere<T> = {}): Promise<number> {
    return this.repo.count({ where: this.scoped(tenantId, where) });
  }

  async insert(tenantId: string, row: Omit<T, 'tenantId' | 'tenant'>): Promise<T> {
    assertTenantId(tenantId);
    const entity = this.repo.create({ ...row, tenantId } as unknown as T);
    await this.repo.insert(entity);
    return entity;
  }

  async insertMany(tenantId: string, rows: Omit<T, 'tenantId' | 'tenant'>[]): Promise<void> {
    assertTenantId(tenantId);
    if (rows.length === 0) return;
    await this.repo.insert(rows.map((row) => ({ ...row, tenantId })) as unknown as QueryDeepPartialEntity<T>[]);
  }

  /** Returns the number of rows changed. */
  async update(tenantId: string, where: FindOptionsWhere<T>, patch: QueryDeepPartialEntity<T>): Promise<number> {
    const scoped = this.scoped(tenantId, where);
    const plain = await plainStatements.update(this.manager, this.metadata, scoped, patch);
    if (plain !== undefined) return plain;
    const result = await this.repo.update(scoped, patch);
    return result.affected ?? 0;
  }

  /** Returns the number of rows deleted. */
  async delete(tenantId: string, where: FindOptionsWhere<T>): Promise<number> {
    const result = await this.repo.delete(this.scoped(tenantId, where));
    return result.affected ?? 0;
  }

  /** Insert, or update the row that conflicts on `conflictPaths` (one statement, both dialects). */
  async upsert(
    tenantId: string,
    row: Omit<T, 'tenantId' | 'tenant'>,
    conflictPaths: (keyof T & string)[],
  ): Promise<void> {
    assertTenantId(tenantId);
    if (!conflictPaths.includes('tenantId'))
      throw new Error('TenantScopedRepository.upsert: conflict paths must include tenantId');
    const values = { ...row, tenantId } as Record<string, unknown>;
    if (await plainStatements.upsert(this.manager, this.metadata, values, conflictPaths)) return;
    await this.repo.upsert(values as QueryDeepPartialEntity<T>, {
      conflictPaths,
      skipUpdateIfNoValuesChanged: false,
    });
  }

  /**
   * Deletes the matching rows and returns them, in one statement (DELETE … RETURNING, which
   * PostgreSQL and SQLite ≥ 3.35 support): a row is returned to exactly one concurrent caller.
   */
  async deleteReturning(
    tenantId: string,
    where: Partial<Record<keyof T & string, string | number | boolean>>,
  ): Promise<T[]> {
    assertTenantId(tenantId);
    const metadata = this.manager.connection.getMetadata(this.target);
    const driver = this.manager.connection.driver;
    const postgres = this.manager.connection.options.type === 'postgres';
    const conditions: string[] = [];
    const params: unknown[] = [];
    for (const [property, value] of Object.entries({ ...where, tenantId })) {
      if (value === undefined) throw new Error(`TenantScopedRepository: undefined value for "${property}"`);
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`TenantScopedRepository: unknown property "${property}"`);
      params.push(value);
      conditions.push(`${driver.escape(column.databaseName)} = ${postgres ? `$${params.length}` : '?'}`);
    }
    const sql = `DELETE FROM ${driver.escape(metadata.tableName)} WHERE ${conditions.join(' AND ')} RETURNING *`;
    const result: unknown = await this.manager.query(sql, params);
    // pg through TypeORM answers [rows, count] for DELETE … RETURNING; better-sqlite3 answers rows.
    const rows = (postgres && Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Record<
      string,
      unknown
    >[];
    return rows.map((raw) => hydrate<T>(this.manager, metadata, raw));
  }

  /** A query builder already restricted to the tenant. */
  query(tenantId: string, alias: string) {
    assertTenantId(tenantId);
    return this.repo.createQueryBuilder(alias).where(`${alias}.tenantId = :tenantId`, { tenantId });
  }
}

export function assertTenantId(tenantId: unknown): asserts tenantId is string {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new Error('TenantScopedRepository: a tenant id is required');
  }
}
